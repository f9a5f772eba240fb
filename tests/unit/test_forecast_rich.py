"""Per-series rich models (statsmodels ETS, SARIMAX, Prophet) and how the pipeline lets them
compete: real models on a few short series, cheap stand-ins for the pipeline rules."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

from forecasting.engine import rich
from forecasting.engine.backtest import BacktestConfig
from forecasting.engine.methods import METHODS, seasonal_naive
from forecasting.engine.pipeline import EngineConfig, allowed_methods, run
from forecasting.engine.rich import (
    RICH_METHODS,
    prophet_method,
    rich_methods,
    sarimax,
    statsmodels_ets,
)
from forecasting.engine.types import EngineInputError, Fit

START = date(2025, 3, 3)  # a Monday
DAYS = 120
HORIZON = 14


def weekly_demand(n_series: int = 3, days: int = DAYS, seed: int = 7) -> np.ndarray:
    """Smooth daily demand with a weekly cycle and a slow trend, one level per series."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    levels = np.linspace(8.0, 30.0, n_series)[:, None]
    mean = levels * (1 + 0.4 * np.sin(2 * np.pi * t / 7)) + 0.02 * t
    return rng.poisson(mean).astype(np.float64)


# --- each method -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method",
    [statsmodels_ets, sarimax, prophet_method(START)],
    ids=["statsmodels_ets", "sarimax", "prophet"],
)
def test_forecasts_have_the_right_shape_and_are_finite_and_non_negative(method) -> None:  # type: ignore[no-untyped-def]
    y = weekly_demand()

    fit = method(y, HORIZON)

    assert fit.forecast.shape == (3, HORIZON)
    assert fit.fitted.shape == (3, DAYS)
    assert np.isfinite(fit.forecast).all() and (fit.forecast >= 0).all()
    assert (fit.fitted[np.isfinite(fit.fitted)] >= 0).all()
    assert_array_equal(fit.params["fallback"], [False, False, False])


def test_statsmodels_ets_equals_a_direct_statsmodels_fit() -> None:
    series = weekly_demand(1)[0]

    fit = statsmodels_ets(series[None], HORIZON)

    direct = ETSModel(
        series, error="add", trend="add", damped_trend=True, seasonal="add", seasonal_periods=7
    ).fit(disp=False)
    assert_allclose(fit.forecast[0], np.maximum(direct.forecast(HORIZON), 0), rtol=0, atol=1e-6)
    assert_allclose(fit.fitted[0], np.maximum(direct.fittedvalues, 0), rtol=0, atol=1e-6)
    assert_allclose(fit.params["phi"][0], direct.damping_trend, rtol=0, atol=1e-6)


def test_statsmodels_ets_drops_the_season_with_less_than_two_weeks() -> None:
    fit = statsmodels_ets(weekly_demand(1, days=12), 3)

    assert not fit.params["fallback"][0]
    assert np.isnan(fit.params["gamma"][0])
    assert np.isfinite(fit.params["phi"][0])


def test_sarimax_undoes_the_seasonal_difference() -> None:
    # The same coefficients in statsmodels' full state space (no simple differencing) give
    # the same forecasts and one-step predictions, up to its start-up on the first weeks.
    series = weekly_demand(1)[0]

    fit = sarimax(series[None], HORIZON)

    coefficients = [fit.params[name][0] for name in ("ar", "ma", "seasonal_ma")]
    full = SARIMAX(
        series, order=(1, 0, 1), seasonal_order=(0, 1, 1, 7), concentrate_scale=True
    ).filter(coefficients)
    assert_allclose(fit.forecast[0], np.maximum(full.forecast(HORIZON), 0), atol=1e-3)
    assert_allclose(fit.fitted[0, 28:], np.maximum(full.fittedvalues[28:], 0), atol=1e-3)
    assert np.isnan(fit.fitted[0, :7]).all()


def test_prophet_fits_on_the_dates_from_start_and_forecasts_the_days_after(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from prophet import Prophet

    seen: dict[str, pd.Series] = {}
    fit_prophet, predict_prophet = Prophet.fit, Prophet.predict

    def spy_fit(self, df, **kwargs):  # type: ignore[no-untyped-def]
        seen["history"] = df["ds"]
        return fit_prophet(self, df, **kwargs)

    def spy_predict(self, df=None, **kwargs):  # type: ignore[no-untyped-def]
        seen["future"] = df["ds"]
        return predict_prophet(self, df, **kwargs)

    monkeypatch.setattr(Prophet, "fit", spy_fit)
    monkeypatch.setattr(Prophet, "predict", spy_predict)

    fit = prophet_method(START)(weekly_demand(1, days=60), 10)

    assert fit.forecast.shape == (1, 10)
    assert seen["history"].iloc[0].date() == START
    assert seen["history"].iloc[-1].date() == START + timedelta(days=59)
    expected = [START + timedelta(days=60 + k) for k in range(10)]
    assert [day.date() for day in seen["future"]] == expected
    assert np.isnan(fit.fitted).all()  # Prophet's in-sample curve is not a one-step forecast


def test_prophet_follows_the_weekdays_of_the_dates() -> None:
    # Closed at weekends: day 0 is a Monday, so days 5 and 6 of each week are 0.
    weekdays = np.tile([30.0, 30, 30, 30, 30, 0, 0], 10)
    fit = prophet_method(START, yearly=False)(weekdays[None], 7)

    first = START + timedelta(days=70)  # the forecast starts on a Monday again
    weekend = [k for k in range(7) if (first + timedelta(days=k)).weekday() >= 5]
    assert weekend == [5, 6]
    assert fit.forecast[0, weekend].max() < 3
    assert fit.forecast[0, :5].min() > 27


def test_prophet_adds_the_country_holidays(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from prophet import Prophet

    countries = []
    add = Prophet.add_country_holidays

    def spy(self, country_name):  # type: ignore[no-untyped-def]
        countries.append(country_name)
        return add(self, country_name)

    monkeypatch.setattr(Prophet, "add_country_holidays", spy)

    fit = prophet_method(START, country_holidays="DE")(weekly_demand(1, days=60), 5)

    assert countries == ["DE"]
    assert not fit.params["fallback"][0]


@pytest.mark.parametrize(
    "options",
    [{"country_holidays": "Atlantis"}, {"seasonality_mode": "cubic"}, {"yearly": "sometimes"}],
)
def test_prophet_refuses_unknown_options(options) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EngineInputError):
        prophet_method(START, **options)


# --- fallback --------------------------------------------------------------------------------


def test_a_series_whose_fit_raises_gets_the_seasonal_naive(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    y = weekly_demand()
    y[1] *= 100  # the series the broken fit refuses
    real_fit = ETSModel.fit

    def fit_or_raise(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.endog.max() > 500:
            raise np.linalg.LinAlgError("forced failure")
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(ETSModel, "fit", fit_or_raise)

    fit = statsmodels_ets(y, HORIZON)

    naive = seasonal_naive(y, HORIZON)
    assert_array_equal(fit.params["fallback"], [False, True, False])
    assert_array_equal(fit.forecast[1], naive.forecast[1])
    assert_array_equal(fit.fitted[1], naive.fitted[1])
    assert np.isnan(fit.params["alpha"][1]) and np.isfinite(fit.params["alpha"][[0, 2]]).all()


def test_a_non_finite_forecast_gets_the_seasonal_naive(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    y = weekly_demand(2)
    real_forecast = rich._ets_one

    def nan_forecast(series, horizon):  # type: ignore[no-untyped-def]
        one = real_forecast(series, horizon)
        return rich._SeriesFit(one.fitted, np.full(horizon, np.nan), one.params)

    monkeypatch.setattr(rich, "_ets_one", nan_forecast)

    fit = statsmodels_ets(y, HORIZON)

    assert fit.params["fallback"].all()
    assert_array_equal(fit.forecast, seasonal_naive(y, HORIZON).forecast)


def test_all_zero_and_too_short_series_still_get_a_forecast() -> None:
    zeros = np.zeros((1, 60))
    short = weekly_demand(1, days=14)  # SARIMAX needs three weeks

    for fit in (sarimax(zeros, 7), statsmodels_ets(zeros, 7)):
        assert_array_equal(fit.forecast, np.zeros((1, 7)))
    assert sarimax(short, 7).params["fallback"][0]
    assert_array_equal(sarimax(short, 7).forecast, seasonal_naive(short, 7).forecast)


def test_rich_methods_builds_the_named_set_and_refuses_unknown_names() -> None:
    built = rich_methods(START, names=["sarimax", "prophet"])

    assert list(built) == ["sarimax", "prophet"]
    assert built["sarimax"] is sarimax
    assert list(rich_methods(START)) == list(RICH_METHODS)
    with pytest.raises(EngineInputError, match="arima"):
        rich_methods(START, names=["arima"])


# --- in the pipeline, with cheap stand-ins ---------------------------------------------------

CONFIG = EngineConfig(horizon=21, backtest=BacktestConfig(origins=3, step=7, horizon=14))


def pipeline_demand() -> np.ndarray:
    rng = np.random.default_rng(3)
    weekly = np.tile([20.0, 22, 25, 40, 30, 5, 5], 20)  # smooth, repeats exactly
    noisy = rng.poisson(12, 140).astype(float)  # smooth
    sparse = np.where(rng.random(140) < 0.15, rng.integers(1, 6, 140), 0).astype(float)
    noisy_too = rng.poisson(30, 140).astype(float)  # smooth
    return np.vstack([weekly, noisy, sparse, noisy_too])


def oracle(full: np.ndarray, *, refit_falls_back: bool = False):  # type: ignore[no-untyped-def]
    """A stand-in rich method that knows `full`: in a backtest it forecasts the true future;
    on a full history (nothing left to know) it forecasts the last value."""
    calls = []

    def method(y: np.ndarray, horizon: int) -> Fit:
        calls.append(y.shape)
        n_days = y.shape[1]
        rows = [int(np.flatnonzero((full[:, :n_days] == history).all(axis=1))[0]) for history in y]
        if n_days + horizon <= full.shape[1]:
            forecast = full[rows, n_days : n_days + horizon]
        else:
            forecast = np.repeat(y[:, -1:], horizon, axis=1)
        fallback = np.full(len(y), refit_falls_back and n_days == full.shape[1])
        return Fit("oracle", np.full(y.shape, np.nan), forecast, {"fallback": fallback})

    method.calls = calls  # type: ignore[attr-defined]
    return method


def test_a_perfect_rich_method_wins_only_selected_continuous_rows() -> None:
    y = pipeline_demand()
    selected = np.array([True, True, True, False])
    perfect = oracle(y)

    result = run(y, CONFIG, METHODS, rich_methods={"oracle": perfect}, rich_rows=selected)

    assert list(result.pattern) == ["smooth", "smooth", "intermittent", "smooth"]
    assert result.method[0] == "seasonal_naive"  # also perfect: a tie goes to the vectorised one
    assert result.method[1] == "oracle"
    assert result.method[2] != "oracle"  # selected, but intermittent
    assert result.method[3] != "oracle"  # continuous, but not selected
    assert_array_equal(result.forecast[1], np.full(21, y[1, -1]))  # refitted on the full history
    assert result.mase[1] == 0


def test_rich_methods_see_only_the_selected_continuous_rows() -> None:
    y = pipeline_demand()
    perfect = oracle(y)

    run(
        y,
        CONFIG,
        METHODS,
        rich_methods={"oracle": perfect},
        rich_rows=np.array([True, False, True, True]),
    )

    backtest_calls = perfect.calls[: CONFIG.backtest.origins]
    assert all(shape[0] == 2 for shape in backtest_calls)  # rows 0 and 3; row 2 is intermittent


def test_scores_include_the_rich_methods_with_nan_outside_the_selection() -> None:
    y = pipeline_demand()
    selected = np.array([False, True, False, True])

    result = run(y, CONFIG, METHODS, rich_methods={"oracle": oracle(y)}, rich_rows=selected)

    score = result.scores["oracle"]
    assert list(result.scores)[-1] == "oracle"
    assert_array_equal(np.isnan(score.mase), ~selected)
    assert_array_equal(score.mase[selected], [0.0, 0.0])
    assert np.isnan(score.errors[~selected]).all() and (score.errors[selected] == 0).all()
    assert score.errors.shape == result.scores["seasonal_naive"].errors.shape


def test_a_winner_whose_refit_falls_back_gives_the_row_back_to_the_vectorised_champion() -> None:
    y = pipeline_demand()
    without = run(y, CONFIG, METHODS)

    result = run(y, CONFIG, METHODS, rich_methods={"oracle": oracle(y, refit_falls_back=True)})

    assert result.scores["oracle"].mase[1] == 0  # it did win the backtest
    assert_array_equal(result.method, without.method)
    assert_array_equal(result.forecast, without.forecast)


def assert_same_result(one, other) -> None:  # type: ignore[no-untyped-def]
    for name in ("pattern", "method", "forecast", "lower", "upper", "wape", "mase", "bias"):
        assert_array_equal(getattr(one, name), getattr(other, name))
    assert_array_equal(one.error_std, other.error_std)


def test_without_rich_methods_the_result_is_unchanged() -> None:
    y = pipeline_demand()
    before = run(y, CONFIG, METHODS)

    after = run(y, CONFIG, METHODS, rich_methods=None)
    nothing_selected = run(
        y,
        CONFIG,
        METHODS,
        rich_methods={"oracle": oracle(y)},
        rich_rows=np.zeros(4, dtype=bool),
    )

    assert_same_result(after, before)
    assert list(after.scores) == list(before.scores)
    for name, score in before.scores.items():
        assert_array_equal(after.scores[name].errors, score.errors)
    assert_same_result(nothing_selected, before)
    assert np.isnan(nothing_selected.scores["oracle"].mase).all()


def test_the_pipeline_refuses_a_bad_selection_or_a_clashing_name() -> None:
    y = pipeline_demand()

    with pytest.raises(EngineInputError, match="rich_rows"):
        run(y, CONFIG, METHODS, rich_methods={"oracle": oracle(y)}, rich_rows=np.ones(3, bool))
    with pytest.raises(EngineInputError, match="clash"):
        run(y, CONFIG, METHODS, rich_methods={"ses": oracle(y)})


@settings(max_examples=20, deadline=None)
@given(st.lists(st.booleans(), min_size=4, max_size=4))
def test_a_rich_champion_is_always_a_selected_continuous_row(mask) -> None:  # type: ignore[no-untyped-def]
    y = pipeline_demand()
    selected = np.array(mask)

    result = run(y, CONFIG, METHODS, rich_methods={"oracle": oracle(y)}, rich_rows=selected)

    won = result.method == "oracle"
    assert not (won & ~selected).any()
    assert not (won & (result.pattern == "intermittent")).any()
    assert np.isfinite(result.forecast).all() and (result.forecast >= 0).all()


def test_allowed_methods_lists_rich_names_only_when_asked_and_only_for_continuous_patterns() -> (
    None
):
    assert allowed_methods("smooth") == (
        "seasonal_naive",
        "moving_average",
        "ses",
        "holt",
        "damped_holt",
        "seasonal_es",
        "holt_winters",
        "damped_holt_winters",
    )
    assert allowed_methods("erratic", rich=["sarimax"])[-1] == "sarimax"
    assert "sarimax" not in allowed_methods("lumpy", rich=["sarimax"])
    assert "sarimax" not in allowed_methods("none", rich=["sarimax"])
