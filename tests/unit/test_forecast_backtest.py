import numpy as np
import pytest

from forecasting.engine.backtest import (
    BacktestConfig,
    MethodScore,
    backtest,
    calibrate_intervals,
    error_scale,
    select_champions,
)
from forecasting.engine.types import EngineInputError, Fit


def last_value(y: np.ndarray, horizon: int) -> Fit:
    forecast = np.repeat(y[:, -1:], horizon, axis=1)
    return Fit("last_value", np.full_like(y, np.nan), forecast)


def weekly_repeat(y: np.ndarray, horizon: int) -> Fit:
    week = y[:, -7:]
    forecast = np.tile(week, (1, horizon // 7 + 1))[:, :horizon]
    return Fit("weekly_repeat", np.full_like(y, np.nan), forecast)


WEEKLY = np.tile([10.0, 12, 14, 30, 10, 2, 2], 12)[None, :]  # a perfect weekly pattern


def test_cuts_end_one_horizon_before_the_end_and_step_back() -> None:
    assert BacktestConfig(origins=3, step=7, horizon=14).cuts(100) == [72, 79, 86]


def test_too_short_history_is_refused_with_the_days_needed() -> None:
    with pytest.raises(EngineInputError, match="at least 50 days"):
        BacktestConfig(origins=4, step=7, horizon=28).cuts(40)


def test_a_perfect_method_scores_zero() -> None:
    scores = backtest(
        WEEKLY, {"weekly_repeat": weekly_repeat}, BacktestConfig(origins=3, horizon=14)
    )

    assert scores["weekly_repeat"].wape[0] == 0
    assert scores["weekly_repeat"].mase[0] == 0
    assert not scores["weekly_repeat"].errors.any()


def test_errors_are_forecast_minus_actual_per_origin_and_day() -> None:
    y = np.arange(1.0, 31.0)[None, :]
    scores = backtest(y, {"last_value": last_value}, BacktestConfig(origins=2, step=5, horizon=3))

    # cuts at 22 and 27: last values 22 and 27, actuals 23..25 and 28..30
    assert scores["last_value"].errors.tolist() == [[[-1, -2, -3], [-1, -2, -3]]]


def test_champion_is_the_lowest_mase_per_series() -> None:
    y = np.vstack([WEEKLY[0], np.full(WEEKLY.shape[1], 5.0) + np.arange(WEEKLY.shape[1]) % 2])
    scores = backtest(
        y,
        {"last_value": last_value, "weekly_repeat": weekly_repeat},
        BacktestConfig(origins=3, horizon=14),
    )

    champions = select_champions(scores)

    assert champions[0] == "weekly_repeat"


def test_champion_respects_allowed_methods_and_falls_back_to_the_first_allowed() -> None:
    scores = backtest(
        WEEKLY,
        {"last_value": last_value, "weekly_repeat": weekly_repeat},
        BacktestConfig(origins=3, horizon=14),
    )

    only_last = select_champions(scores, {"weekly_repeat": np.array([False])})

    assert list(only_last) == ["last_value"]


def test_no_allowed_method_is_refused() -> None:
    scores = backtest(WEEKLY, {"last_value": last_value}, BacktestConfig(origins=2, horizon=7))

    with pytest.raises(EngineInputError, match="at least one allowed method"):
        select_champions(scores, {"last_value": np.array([False])})


def test_error_scale_is_the_root_mean_square() -> None:
    errors = np.array([[[3.0, -4.0], [0.0, 0.0]]])
    assert error_scale(errors)[0] == pytest.approx(np.sqrt(25 / 4))


def test_intervals_cover_about_their_level_on_fresh_errors_of_the_same_kind() -> None:
    rng = np.random.default_rng(7)
    spread = rng.uniform(1, 20, size=400)
    calibration = rng.normal(0, 1, size=(400, 6, 10)) * spread[:, None, None]
    model = calibrate_intervals(calibration)
    forecast = np.full((400, 10), 1000.0)
    actual = forecast - rng.normal(0, 1, size=(400, 10)) * spread[:, None]

    low, high = model.intervals(forecast, error_scale(calibration))

    for index, level in enumerate(model.levels):
        covered = ((actual >= low[index]) & (actual <= high[index])).mean()
        assert abs(covered - level) < 0.04


def test_wider_level_gives_a_wider_interval_and_bounds_never_go_below_zero() -> None:
    rng = np.random.default_rng(1)
    errors = rng.normal(0, 5, size=(50, 4, 7))
    model = calibrate_intervals(errors)

    low, high = model.intervals(np.full((50, 7), 2.0), error_scale(errors))

    assert (high[1] - low[1] >= high[0] - low[0]).all()
    assert (low >= 0).all()


# --- in-sample one-step error, the seasonal period, near-tie selection ----------------------


def previous_day(y: np.ndarray, horizon: int) -> Fit:
    """f[t] = y[t-1] in sample; the last value repeated."""
    fitted = np.hstack([np.full((len(y), 1), np.nan), y[:, :-1]])
    return Fit("previous_day", fitted, np.repeat(y[:, -1:], horizon, axis=1))


def test_one_step_is_the_in_sample_mase_of_the_fit_at_the_last_origin() -> None:
    y = np.array([[1.0, 3, 2, 6, 4, 8, 5, 9, 7, 12, 10, 11]])
    config = BacktestConfig(origins=2, step=2, horizon=3)  # cuts at 7 and 9

    score = backtest(y, {"previous_day": previous_day}, config, period=2)["previous_day"]

    history = y[0, :9]
    one_step_mae = np.abs(np.diff(history)).mean()  # days 1..8 against the day before
    naive_mae = np.abs(history[2:] - history[:-2]).mean()  # period 2
    assert score.one_step[0] == pytest.approx(one_step_mae / naive_mae)
    # methods without in-sample forecasts have none
    assert np.isnan(backtest(y, {"last_value": last_value}, config)["last_value"].one_step).all()


def test_mase_is_scaled_by_the_seasonal_naive_of_the_given_period() -> None:
    y = np.tile([2.0, 8.0, 5.0], 10)[None, :] + np.arange(30)[None, :] * 0.5
    config = BacktestConfig(origins=1, horizon=4)  # one cut at day 26
    weekly = backtest(y, {"last_value": last_value}, config)["last_value"]
    every_third = backtest(y, {"last_value": last_value}, config, period=3)["last_value"]

    mae = np.abs(weekly.errors).mean()
    history = y[0, :26]
    assert weekly.mase[0] == pytest.approx(mae / np.abs(history[7:] - history[:-7]).mean())
    assert every_third.mase[0] == pytest.approx(mae / np.abs(history[3:] - history[:-3]).mean())


def test_fitted_values_of_the_wrong_shape_are_refused() -> None:
    def short_fitted(y: np.ndarray, horizon: int) -> Fit:
        return Fit("short", y[:, 1:], np.zeros((len(y), horizon)))

    with pytest.raises(EngineInputError, match="fitted values"):
        backtest(WEEKLY, {"short": short_fitted}, BacktestConfig(origins=2, horizon=7))


def scored(mase: list[float], one_step: list[float]) -> MethodScore:
    n = len(mase)
    return MethodScore(
        wape=np.zeros(n),
        mase=np.array(mase),
        bias=np.zeros(n),
        errors=np.zeros((n, 1, 1)),
        one_step=np.array(one_step),
    )


def test_a_near_tie_in_the_backtest_goes_to_the_lower_one_step_error() -> None:
    scores = {
        "first": scored([0.80, 0.80, 0.0], [0.90, 0.90, 0.5]),
        "second": scored([0.90, 0.95, 0.0], [0.60, 0.60, 0.2]),  # 12.5 % and 18.75 % worse
        "third": scored([0.85, 0.85, 0.1], [np.nan, np.nan, np.nan]),
    }

    champions = select_champions(scores)

    # within 15 %: the lower one-step error wins; beyond it, the backtest decides; a method
    # without one-step values never wins a near tie; a perfect backtest ties only with equals
    assert list(champions) == ["second", "first", "second"]
    # band 0: only exact ties, still broken by the one-step error
    assert list(select_champions(scores, band=0.0)) == ["first", "first", "second"]
    assert list(select_champions(scores, band=0.3)) == ["second", "second", "second"]


def test_without_one_step_values_the_lowest_backtest_wins() -> None:
    scores = {
        "first": scored([0.80], [np.nan]),
        "second": scored([0.78], [np.nan]),
    }
    assert list(select_champions(scores)) == ["second"]


def test_the_band_respects_allowed_methods() -> None:
    scores = {
        "first": scored([0.80, 0.80], [0.90, 0.90]),
        "second": scored([0.85, 0.85], [0.10, 0.10]),
    }
    allowed = {"second": np.array([True, False])}
    assert list(select_champions(scores, allowed)) == ["second", "first"]


def test_a_negative_band_is_refused() -> None:
    with pytest.raises(EngineInputError, match="band"):
        select_champions({"first": scored([1.0], [1.0])}, band=-0.1)
