"""The vectorised forecasting methods: hand-computed answers, statsmodels, properties, input checks."""

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from forecasting.engine.methods import (
    HOLT_ALPHAS,
    METHODS,
    SES_ALPHAS,
    croston,
    holt,
    holt_winters,
    holt_winters_recursion,
    moving_average,
    sba,
    seasonal_es,
    seasonal_naive,
    ses,
    tsb,
)
from forecasting.engine.types import EngineInputError

NAN = np.nan
INTERMITTENT = np.array([[0.0, 3.0, 0.0, 0.0, 5.0, 0.0]])


def row(*values: float) -> np.ndarray:
    return np.array([values], dtype=np.float64)


# --- known answers ---------------------------------------------------------------------------


def test_ses_with_one_alpha_matches_hand_arithmetic() -> None:
    # init_days=2: level = (2 + 4) / 2 = 3 after the warm-up, whose fitted values are NaN.
    # day 2: f = 3,    level = 0.5*6 + 0.5*3    = 4.5
    # day 3: f = 4.5,  level = 0.5*5 + 0.5*4.5  = 4.75
    # day 4: f = 4.75, level = 0.5*3 + 0.5*4.75 = 3.875 -> flat forecast 3.875
    fit = ses(row(2, 4, 6, 5, 3), 3, alphas=[0.5], init_days=2)
    assert_allclose(fit.fitted, [[NAN, NAN, 3.0, 4.5, 4.75]])
    assert_allclose(fit.forecast, [[3.875, 3.875, 3.875]])
    assert_array_equal(fit.params["alpha"], [0.5])


def test_holt_with_fixed_alpha_and_beta_matches_hand_arithmetic() -> None:
    # init_days=1: level 1, trend 0. alpha = beta = 0.5.
    # day 1: f = 1 + 0 = 1;       level = 0.5*3 + 0.5*1 = 2;        trend = 0.5*(2 - 1) + 0.5*0 = 0.5
    # day 2: f = 2 + 0.5 = 2.5;   level = 0.5*4 + 0.5*2.5 = 3.25;   trend = 0.5*1.25 + 0.5*0.5 = 0.875
    # day 3: f = 3.25 + 0.875 = 4.125; level = 0.5*6 + 0.5*4.125 = 5.0625;
    #        trend = 0.5*(5.0625 - 3.25) + 0.5*0.875 = 1.34375
    # forecast h: 5.0625 + h*1.34375 -> 6.40625, 7.75
    fit = holt(row(1, 3, 4, 6), 2, alphas=[0.5], betas=[0.5], init_days=1)
    assert_allclose(fit.fitted, [[NAN, 1.0, 2.5, 4.125]])
    assert_allclose(fit.forecast, [[6.40625, 7.75]])


def test_damped_holt_damps_the_trend_by_powers_of_phi() -> None:
    # init_days=1: level 1, trend 0; alpha = beta = phi = 0.5.
    # day 1: f = 1 + 0.5*0 = 1; error 2; level = 1 + 0 + 0.5*2 = 2; trend = 0.5*0 + 0.25*2 = 0.5
    # forecast h=1: 2 + 0.5*0.5 = 2.25; h=2: 2 + (0.5 + 0.25)*0.5 = 2.375
    fit = holt(row(1, 3), 2, damped=True, alphas=[0.5], betas=[0.5], phis=[0.5], init_days=1)
    assert fit.method == "damped_holt"
    assert_allclose(fit.forecast, [[2.25, 2.375]])


def test_croston_matches_hand_arithmetic() -> None:
    # alpha 0.5 on [0, 3, 0, 0, 5, 0]:
    # day 0: no history -> NaN; day 1: no demand seen yet -> 0; demand 3 on day 1: z = 3, p = 2
    # days 2-4 forecast 3/2 = 1.5; demand 5 after an interval of 3 days:
    #   z = 3 + 0.5*(5 - 3) = 4, p = 2 + 0.5*(3 - 2) = 2.5 -> 4/2.5 = 1.6 from day 5 on
    fit = croston(INTERMITTENT, 2, alpha=0.5)
    assert_allclose(fit.fitted, [[NAN, 0.0, 1.5, 1.5, 1.5, 1.6]])
    assert_allclose(fit.forecast, [[1.6, 1.6]])


def test_sba_is_croston_times_one_minus_half_alpha() -> None:
    # Croston above times (1 - 0.5/2) = 0.75: 1.5 -> 1.125, 1.6 -> 1.2
    fit = sba(INTERMITTENT, 2, alpha=0.5)
    assert_allclose(fit.fitted, [[NAN, 0.0, 1.125, 1.125, 1.125, 1.2]])
    assert_allclose(fit.forecast, [[1.2, 1.2]])


def test_tsb_matches_hand_arithmetic() -> None:
    # alpha = beta = 0.5 on [0, 3, 0, 0, 5, 0]; first demand on day 1: z = 3, d = 1/(1+1) = 0.5
    # day 2: f = 0.5*3 = 1.5;   no demand: d = 0.5 + 0.5*(0 - 0.5) = 0.25
    # day 3: f = 0.75;          d = 0.125
    # day 4: f = 0.375;         demand 5: d = 0.125 + 0.5*(1 - 0.125) = 0.5625, z = 3 + 0.5*2 = 4
    # day 5: f = 0.5625*4 = 2.25; no demand: d = 0.28125 -> forecast 0.28125*4 = 1.125
    fit = tsb(INTERMITTENT, 2, alpha=0.5, beta=0.5)
    assert_allclose(fit.fitted, [[NAN, 0.0, 1.5, 0.75, 0.375, 2.25]])
    assert_allclose(fit.forecast, [[1.125, 1.125]])


def test_seasonal_naive_repeats_the_last_period() -> None:
    # Days 1..10, period 7: f[t] = y[t-7]; forecast repeats days 4..10, then 4, 5 again.
    fit = seasonal_naive(np.arange(1.0, 11.0)[None], 9)
    assert_allclose(fit.fitted, [[NAN] * 7 + [1.0, 2.0, 3.0]])
    assert_allclose(fit.forecast, [[4, 5, 6, 7, 8, 9, 10, 4, 5]])


def test_seasonal_naive_forecasts_the_mean_of_a_series_shorter_than_a_period() -> None:
    fit = seasonal_naive(row(2, 4), 3)  # (2 + 4) / 2
    assert_allclose(fit.forecast, [[3.0, 3.0, 3.0]])


def test_moving_average_matches_hand_arithmetic() -> None:
    # window 3: f[1] = 1, f[2] = (1+2)/2, f[3] = (1+2+3)/3, f[4] = (2+3+4)/3; forecast (3+4+5)/3
    fit = moving_average(row(1, 2, 3, 4, 5), 2, window=3)
    assert_allclose(fit.fitted, [[NAN, 1.0, 1.5, 2.0, 3.0]])
    assert_allclose(fit.forecast, [[4.0, 4.0]])


def test_ses_picks_per_series_the_alpha_with_least_squared_error() -> None:
    rng = np.random.default_rng(7)
    shift = np.r_[np.full(30, 10.0), np.full(30, 30.0)] + rng.normal(0, 0.5, 60)
    noise = 20 + rng.normal(0, 5, 60)
    y = np.vstack([shift, noise])
    grid = [0.05, 0.2, 0.5]
    fit = ses(y, 1, alphas=grid, refine=0)  # the grid alone
    sse = np.array(
        [np.nansum((y - ses(y, 1, alphas=[alpha]).fitted) ** 2, axis=1) for alpha in grid]
    )
    assert_array_equal(fit.params["alpha"], np.array(grid)[sse.argmin(axis=0)])
    assert fit.params["alpha"][0] > fit.params["alpha"][1]  # a level shift wants a fast alpha


# --- Holt-Winters against statsmodels ---------------------------------------------------------

PERIOD = 7
HW_PARAMETERS = [  # alpha, beta, gamma, phi (1.0: no damping)
    (0.3, 0.1, 0.2, 1.0),
    (0.6, 0.02, 0.05, 1.0),
    (0.5, 0.05, 0.1, 0.9),
    (0.1, 0.3, 0.4, 0.95),
]


def _seasonal_series(seed: int, n_series: int = 3, days: int = 63) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    phase = rng.uniform(0, 2 * np.pi, (n_series, 1))
    slope = rng.normal(0, 0.1, (n_series, 1))
    return (
        50
        + 8 * np.sin(2 * np.pi * t / PERIOD + phase)
        + slope * t
        + rng.normal(0, 2, (n_series, days))
    )


def _statsmodels_fit(y: np.ndarray, params: tuple, level: float, trend: float, season: np.ndarray):  # type: ignore[no-untyped-def]
    alpha, beta, gamma, phi = params
    model = ExponentialSmoothing(
        y,
        trend="add",
        seasonal="add",
        seasonal_periods=PERIOD,
        damped_trend=phi != 1.0,
        initialization_method="known",
        initial_level=level,
        initial_trend=trend,
        initial_seasonal=season,
    )
    damping = {"damping_trend": phi} if phi != 1.0 else {}
    return model.fit(
        smoothing_level=alpha,
        smoothing_trend=beta,
        smoothing_seasonal=gamma,
        optimized=False,
        **damping,
    )


def _recursion_and_statsmodels(params: tuple, seed: int, horizon: int):  # type: ignore[no-untyped-def]
    y = _seasonal_series(seed)
    rng = np.random.default_rng(seed + 100)
    level = y[:, :PERIOD].mean(axis=1)
    trend = rng.normal(0, 0.2, len(y))
    season = rng.normal(0, 5, (len(y), PERIOD))
    alpha, beta, gamma, phi = params
    ours = holt_winters_recursion(
        y,
        horizon,
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        initial_level=level,
        initial_trend=trend,
        initial_seasonal=season,
        period=PERIOD,
        phi=phi,
    )
    theirs = [_statsmodels_fit(y[i], params, level[i], trend[i], season[i]) for i in range(len(y))]
    return ours, theirs


@pytest.mark.parametrize("params", HW_PARAMETERS)
@pytest.mark.parametrize("seed", [1, 2])
def test_holt_winters_recursion_matches_statsmodels(params: tuple, seed: int) -> None:
    horizon = 20
    ours, theirs = _recursion_and_statsmodels(params, seed, horizon)
    off_season = np.arange(1, horizon + 1) % PERIOD != 0  # h = 7, 14: see the next test
    for i, result in enumerate(theirs):
        assert_allclose(ours.fitted[i], result.fittedvalues, rtol=0, atol=1e-6)
        assert_allclose(
            ours.forecast[i, off_season], result.forecast(horizon)[off_season], atol=1e-6
        )


@pytest.mark.parametrize("params", HW_PARAMETERS)
def test_holt_winters_forecast_at_whole_periods_uses_the_last_updated_seasonal(
    params: tuple,
) -> None:
    # statsmodels 0.15 forecasts h = m, 2m, ... with the seasonal term before its last update
    # (statsmodels issue #9538); the formula l[n-1] + (phi + ... + phi^h) b[n-1] + s[n-1] is
    # checked here against statsmodels' own final states.
    horizon = 14
    ours, theirs = _recursion_and_statsmodels(params, 3, horizon)
    phi = params[3]
    damping = np.cumsum(phi ** np.arange(1, horizon + 1))
    phases = np.arange(horizon) % PERIOD
    for i, result in enumerate(theirs):
        expected = result.level[-1] + damping * result.trend[-1] + result.season[-PERIOD:][phases]
        assert_allclose(ours.forecast[i], expected, atol=1e-6)


def test_holt_winters_is_the_recursion_after_a_two_week_warm_up() -> None:
    y = _seasonal_series(5, days=40)
    fit = holt_winters(y, 10, alphas=[0.2], betas=[0.05], gammas=[0.1])
    warm = y[:, :14]
    level = warm.mean(axis=1)
    season = warm.reshape(len(y), 2, PERIOD).mean(axis=1) - level[:, None]
    recursion = holt_winters_recursion(
        y[:, 14:],
        10,
        alpha=0.2,
        beta=0.05,
        gamma=0.1,
        initial_level=level,
        initial_trend=0.0,
        initial_seasonal=season,
    )
    assert np.isnan(fit.fitted[:, :14]).all()
    assert_allclose(fit.fitted[:, 14:], recursion.fitted, rtol=1e-12)
    assert_allclose(fit.forecast, recursion.forecast, rtol=1e-12)


def _trend_free_series(seed: int, n_series: int = 3, days: int = 63) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    phase = rng.uniform(0, 2 * np.pi, (n_series, 1))
    return 40 + 6 * np.sin(2 * np.pi * t / PERIOD + phase) + rng.normal(0, 2, (n_series, days))


SEASONAL_ES_PARAMETERS = [(0.3, 0.2), (0.05, 0.5), (0.8, 0.1)]  # alpha, gamma


def _seasonal_es_and_statsmodels(params: tuple, seed: int, horizon: int):  # type: ignore[no-untyped-def]
    y = _trend_free_series(seed)
    rng = np.random.default_rng(seed + 200)
    level = y[:, :PERIOD].mean(axis=1)
    season = rng.normal(0, 4, (len(y), PERIOD))
    alpha, gamma = params
    ours = holt_winters_recursion(
        y,
        horizon,
        alpha=alpha,
        gamma=gamma,
        initial_level=level,
        initial_seasonal=season,
        period=PERIOD,
    )
    theirs = []
    for i in range(len(y)):
        model = ExponentialSmoothing(
            y[i],
            trend=None,
            seasonal="add",
            seasonal_periods=PERIOD,
            initialization_method="known",
            initial_level=level[i],
            initial_seasonal=season[i],
        )
        theirs.append(model.fit(smoothing_level=alpha, smoothing_seasonal=gamma, optimized=False))
    return ours, theirs


@pytest.mark.parametrize("params", SEASONAL_ES_PARAMETERS)
@pytest.mark.parametrize("seed", [1, 2])
def test_trend_free_recursion_matches_statsmodels(params: tuple, seed: int) -> None:
    horizon = 20
    ours, theirs = _seasonal_es_and_statsmodels(params, seed, horizon)
    off_season = np.arange(1, horizon + 1) % PERIOD != 0  # h = 7, 14: as for Holt-Winters
    assert ours.method == "seasonal_es"
    assert "beta" not in ours.params and "initial_trend" not in ours.params
    for i, result in enumerate(theirs):
        assert_allclose(ours.fitted[i], result.fittedvalues, rtol=0, atol=1e-6)
        assert_allclose(
            ours.forecast[i, off_season], result.forecast(horizon)[off_season], atol=1e-6
        )
        # every horizon: the last level plus the last updated seasonal term of the phase
        phases = np.arange(horizon) % PERIOD
        expected = result.level[-1] + result.season[-PERIOD:][phases]
        assert_allclose(ours.forecast[i], expected, atol=1e-6)


def test_seasonal_es_is_the_trend_free_recursion_after_a_two_cycle_warm_up() -> None:
    y = _trend_free_series(6, days=40)
    fit = seasonal_es(y, 10, alphas=[0.2], gammas=[0.1])
    warm = y[:, :14]
    level = warm.mean(axis=1)
    season = warm.reshape(len(y), 2, PERIOD).mean(axis=1) - level[:, None]
    recursion = holt_winters_recursion(
        y[:, 14:], 10, alpha=0.2, gamma=0.1, initial_level=level, initial_seasonal=season
    )
    assert fit.method == "seasonal_es"
    assert np.isnan(fit.fitted[:, :14]).all()
    assert_allclose(fit.fitted[:, 14:], recursion.fitted, rtol=1e-12)
    assert_allclose(fit.forecast, recursion.forecast, rtol=1e-12)


def test_damped_holt_winters_is_the_damped_recursion_after_the_warm_up() -> None:
    y = _seasonal_series(8, days=45)
    fit = METHODS["damped_holt_winters"](y, 9)
    params = {name: fit.params[name] for name in ("alpha", "beta", "gamma", "phi")}
    warm = y[:, :14]
    level = warm.mean(axis=1)
    season = warm.reshape(len(y), 2, PERIOD).mean(axis=1) - level[:, None]
    recursion = holt_winters_recursion(
        y[:, 14:],
        9,
        initial_level=level,
        initial_trend=0.0,
        initial_seasonal=season,
        **params,
    )
    assert fit.method == "damped_holt_winters"
    assert ((fit.params["phi"] >= 0.8) & (fit.params["phi"] <= 0.98)).all()
    assert_allclose(fit.fitted[:, 14:], recursion.fitted, rtol=1e-12)
    assert_allclose(fit.forecast, recursion.forecast, rtol=1e-12)


def test_seasonal_methods_use_the_period_they_are_given() -> None:
    # Monthly data with a yearly profile: period 12 learns it, and the warm-up is two years.
    rng = np.random.default_rng(4)
    profile = np.array([5.0, 3, 4, 8, 12, 15, 18, 17, 12, 9, 6, 10])
    y = (100 + np.tile(profile, 8) + rng.normal(0, 0.5, 96))[None]
    truth = 100 + profile[:6]
    for method in (seasonal_es, holt_winters, METHODS["damped_holt_winters"]):
        fit = method(y, 6, period=12)
        assert np.isnan(fit.fitted[0, :24]).all() and np.isfinite(fit.fitted[0, 24:]).all()
        assert_allclose(fit.forecast[0], truth, atol=1.5)
    assert_allclose(seasonal_naive(y, 6, period=12).forecast[0], y[0, 84:90])


# --- the parameter search: grid, then compass search ------------------------------------------


def _sse(fit, y: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.nansum((y - fit.fitted) ** 2, axis=1)


SEARCHED = {
    "ses": ses,
    "holt": holt,
    "damped_holt": METHODS["damped_holt"],
    "seasonal_es": seasonal_es,
    "holt_winters": holt_winters,
    "damped_holt_winters": METHODS["damped_holt_winters"],
}


@pytest.mark.parametrize("name", list(SEARCHED))
def test_the_compass_search_never_ends_above_the_best_grid_point(name: str) -> None:
    rng = np.random.default_rng(11)
    y = np.vstack(
        [
            _seasonal_series(12, n_series=2, days=120),
            np.cumsum(rng.normal(0, 3, (2, 120)), axis=1) + 200,  # random walks
            rng.poisson(20, (2, 120)).astype(float),  # noise around a fixed level
        ]
    )
    method = SEARCHED[name]
    grid_only, searched = method(y, 7, refine=0), method(y, 7)
    assert (_sse(searched, y) <= _sse(grid_only, y) * (1 + 1e-5)).all()


def test_the_compass_search_reaches_parameters_beyond_the_grid() -> None:
    rng = np.random.default_rng(5)
    walk = np.cumsum(rng.normal(0, 5, 700)) + 500  # best forecast: the last value, alpha -> 1
    noise = rng.normal(100, 5, 700)  # best forecast: the fixed mean, alpha -> 0
    noise[:7] = 100.0  # the warm-up gives the level exactly
    fit = ses(np.vstack([walk, noise]), 3)
    assert fit.params["alpha"][0] > max(SES_ALPHAS)
    assert fit.params["alpha"][1] < min(SES_ALPHAS)
    trend = 10 + np.arange(120.0) * 2 + rng.normal(0, 0.3, 120)  # a clean line
    assert holt(trend[None], 3).params["alpha"][0] > max(HOLT_ALPHAS)


def test_a_parameter_with_a_one_value_grid_stays_fixed() -> None:
    y = _seasonal_series(13, days=80)
    fit = holt_winters(y, 5, alphas=[0.3], gammas=[0.1], betas=[0.01, 0.05, 0.2])
    assert_array_equal(fit.params["alpha"], 0.3)
    assert_array_equal(fit.params["gamma"], 0.1)
    assert not np.isin(fit.params["beta"], [0.01, 0.05, 0.2]).all()  # beta was searched


# --- properties over every method ------------------------------------------------------------

AMOUNTS = st.one_of(
    st.just(0.0),
    st.integers(0, 40).map(float),
    st.floats(0.0, 1e4, allow_nan=False, allow_infinity=False),
)
DEMAND = arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 45)), elements=AMOUNTS)
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(y=DEMAND, horizon=st.integers(1, 20))
@example(y=np.zeros((2, 30)), horizon=5)
@example(y=np.array([[4.0]]), horizon=3)
@example(y=np.array([[0.0]]), horizon=1)
def test_every_method_forecasts_finite_non_negative_values(y: np.ndarray, horizon: int) -> None:
    for name, method in METHODS.items():
        fit = method(y, horizon)
        assert fit.forecast.shape == (y.shape[0], horizon), name
        assert fit.fitted.shape == y.shape, name
        assert np.isfinite(fit.forecast).all(), name
        assert (fit.forecast >= 0).all(), name
        assert not (fit.fitted < 0).any(), name  # NaN allowed at the start, never negative


@PROPERTY_SETTINGS
@given(y=DEMAND, horizon=st.integers(1, 10))
def test_every_method_treats_each_series_of_a_batch_as_if_alone(
    y: np.ndarray, horizon: int
) -> None:
    for name, method in METHODS.items():
        batch = method(y, horizon)
        for i in range(y.shape[0]):
            alone = method(y[i : i + 1], horizon)
            assert_array_equal(batch.forecast[i : i + 1], alone.forecast, err_msg=name)
            assert_array_equal(batch.fitted[i : i + 1], alone.fitted, err_msg=name)
            for key, values in alone.params.items():
                assert_array_equal(batch.params[key][i : i + 1], values, err_msg=f"{name} {key}")


def test_a_series_without_demand_forecasts_zero_with_every_method() -> None:
    y = np.vstack([np.zeros(60), np.r_[np.zeros(59), 4.0]])
    for name, method in METHODS.items():
        assert_array_equal(method(y, 7).forecast[0], np.zeros(7), err_msg=name)


# --- input checks ----------------------------------------------------------------------------

BAD_INPUTS = {
    "nan": (row(1, NAN, 2), 3),
    "negative": (row(1, -1, 2), 3),
    "one-dimensional": (np.array([1.0, 2.0, 3.0]), 3),
    "zero horizon": (row(1, 2, 3), 0),
}


@pytest.mark.parametrize("name", list(METHODS))
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_methods_refuse_bad_demand_and_horizon(name: str, case: str) -> None:
    y, horizon = BAD_INPUTS[case]
    with pytest.raises(EngineInputError):
        METHODS[name](y, horizon)


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_holt_winters_recursion_refuses_bad_demand_and_horizon(case: str) -> None:
    y, horizon = BAD_INPUTS[case]
    with pytest.raises(EngineInputError):
        holt_winters_recursion(
            y,
            horizon,
            alpha=0.2,
            beta=0.1,
            gamma=0.1,
            initial_level=1.0,
            initial_trend=0.0,
            initial_seasonal=np.zeros(PERIOD),
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda y: moving_average(y, 3, window=0),
        lambda y: seasonal_naive(y, 3, period=0),
        lambda y: ses(y, 3, alphas=[0.0]),
        lambda y: ses(y, 3, alphas=[]),
        lambda y: holt(y, 3, betas=[1.5]),
        lambda y: ses(y, 3, refine=-1),
        lambda y: seasonal_es(y, 3, period=0),
        lambda y: seasonal_es(y, 3, gammas=[0.0]),
        lambda y: holt_winters(y, 3, refine=1.5),
        lambda y: holt_winters_recursion(
            y, 3, alpha=0.2, beta=0.1, gamma=0.1, initial_level=1.0, initial_seasonal=np.zeros(7)
        ),
        lambda y: croston(y, 3, alpha=0.0),
        lambda y: tsb(y, 3, beta=2.0),
        lambda y: holt_winters_recursion(
            y,
            3,
            alpha=0.2,
            beta=0.1,
            gamma=0.1,
            initial_level=1.0,
            initial_trend=0.0,
            initial_seasonal=np.zeros(3),
        ),
    ],
)
def test_methods_refuse_bad_options(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EngineInputError):
        call(row(1, 2, 3, 4, 5, 6, 7, 8))
