"""The pipeline with two simple methods in each family (the real ones have their own tests)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.engine.backtest import BacktestConfig
from forecasting.engine.pipeline import EngineConfig, _extend, run
from forecasting.engine.types import Fit


def repeat_last_week(y: np.ndarray, horizon: int) -> Fit:
    week = y[:, -7:] if y.shape[1] >= 7 else np.repeat(y[:, -1:], 7, axis=1)
    return Fit(
        "seasonal_naive", np.full_like(y, np.nan), np.tile(week, (1, horizon // 7 + 1))[:, :horizon]
    )


def mean_of_history(y: np.ndarray, horizon: int) -> Fit:
    return Fit(
        "ses", np.full_like(y, np.nan), np.repeat(y.mean(axis=1, keepdims=True), horizon, axis=1)
    )


def rate_of_history(y: np.ndarray, horizon: int) -> Fit:
    return Fit(
        "croston",
        np.full_like(y, np.nan),
        np.repeat(y.mean(axis=1, keepdims=True) * 0.9, horizon, axis=1),
    )


METHODS = {"seasonal_naive": repeat_last_week, "ses": mean_of_history, "croston": rate_of_history}
CONFIG = EngineConfig(horizon=60, backtest=BacktestConfig(origins=3, step=7, horizon=14))


def demand() -> np.ndarray:
    rng = np.random.default_rng(3)
    weekly = np.tile([20.0, 22, 25, 40, 30, 5, 5], 20)  # strongly weekly, smooth
    noisy = rng.poisson(12, 140).astype(float)  # smooth, no weekly pattern
    sparse = np.where(rng.random(140) < 0.15, rng.integers(1, 6, 140), 0).astype(float)
    return np.vstack([weekly, noisy, sparse])


def test_each_series_gets_an_allowed_champion() -> None:
    result = run(demand(), CONFIG, METHODS)

    assert list(result.pattern) == ["smooth", "smooth", "intermittent"]
    assert result.method[0] == "seasonal_naive"  # the weekly pattern repeats exactly
    assert result.method[2] in {"croston", "seasonal_naive"}
    assert result.method[0] != "croston" and result.method[1] != "croston"


def test_shapes_and_units() -> None:
    result = run(demand(), CONFIG, METHODS)

    assert result.forecast.shape == (3, 60)
    assert result.lower.shape == result.upper.shape == (2, 3, 60)
    assert (result.error_std >= 0).all()


def test_intervals_contain_the_forecast_and_the_wider_level_is_wider() -> None:
    result = run(demand(), CONFIG, METHODS)

    assert (result.lower <= result.forecast[None] + 1e-9).all()
    assert (result.upper >= result.forecast[None] - 1e-9).all()
    assert (result.upper[1] - result.lower[1] >= result.upper[0] - result.lower[0] - 1e-9).all()


def test_interval_offsets_never_narrow_and_grow_with_sqrt_horizon_past_calibration() -> None:
    upper = np.array([[1.0, 3.0, 2.0, 4.0]])  # calibrated on 4 days, not monotone

    extended = _extend(upper, 16, widen=np.maximum)

    assert extended[0, :4].tolist() == [1.0, 3.0, 3.0, 4.0]
    assert extended[0, 15] == 4.0 * np.sqrt(16 / 4)
    assert (np.diff(extended[0]) >= 0).all()


def test_the_champions_scores_are_reported() -> None:
    result = run(demand(), CONFIG, METHODS)

    assert result.mase[0] == result.scores["seasonal_naive"].mase[0] == 0
    assert set(result.scores) == set(METHODS)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 3), st.integers(31, 90))
def test_no_nan_and_no_negative_forecasts_even_for_empty_series(zeros, days) -> None:  # type: ignore[no-untyped-def]
    y = np.vstack([np.zeros((zeros, days)), np.ones((1, days))])

    result = run(y, CONFIG, METHODS)

    for values in (result.forecast, result.lower, result.upper, result.error_std):
        assert np.isfinite(values).all() and (values >= 0).all()


# --- the seasonal period ---------------------------------------------------------------------


def test_the_period_reaches_every_method_that_takes_one() -> None:
    seen: list[int] = []

    def repeat_last_cycle(y: np.ndarray, horizon: int, *, period: int = 7) -> Fit:
        seen.append(period)
        cycle = y[:, -period:]
        forecast = np.tile(cycle, (1, horizon // period + 1))[:, :horizon]
        return Fit("seasonal_naive", np.full_like(y, np.nan), forecast)

    methods = {"seasonal_naive": repeat_last_cycle, "ses": mean_of_history}
    y = np.tile([3.0, 9.0, 6.0, 12.0, 5.0], 30)[None, :]  # repeats every 5 days
    config = EngineConfig(horizon=10, backtest=BacktestConfig(origins=2, step=5, horizon=5))

    weekly = run(y, config, methods)
    assert set(seen) == {7}
    seen.clear()
    five = run(y, EngineConfig(horizon=10, backtest=config.backtest, period=5), methods)

    assert set(seen) == {5}
    assert five.method[0] == "seasonal_naive" and five.mase[0] == 0
    assert five.forecast[0].tolist() == y[0, :10].tolist()
    assert weekly.mase[0] > 0


def test_real_methods_with_a_monthly_period_forecast_a_yearly_profile() -> None:
    from forecasting.engine.methods import METHODS as REAL

    rng = np.random.default_rng(9)
    profile = np.array([5.0, 3, 4, 8, 12, 15, 18, 17, 12, 9, 6, 10])
    months = np.arange(120)
    y = np.vstack(
        [
            100 + np.tile(profile, 10) + rng.normal(0, 1, 120),  # season on a level
            100 + np.tile(profile, 10) + 0.5 * months + rng.normal(0, 1, 120),  # and a trend
        ]
    )
    config = EngineConfig(
        horizon=12, backtest=BacktestConfig(origins=3, step=3, horizon=12), period=12
    )

    result = run(y[:, :-12], config, REAL)

    assert set(result.method) <= {"seasonal_es", "holt_winters", "damped_holt_winters"}
    assert np.abs(result.forecast - y[:, -12:]).mean() < 3.0
    assert set(result.scores) == set(REAL)


def test_a_bad_period_is_refused() -> None:
    import pytest

    from forecasting.engine.types import EngineInputError

    for period in (0, 2.5, True):
        with pytest.raises(EngineInputError, match="period"):
            run(demand(), EngineConfig(horizon=7, backtest=CONFIG.backtest, period=period), METHODS)  # type: ignore[arg-type]
