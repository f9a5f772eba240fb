"""Safety stock: the normal loss functions and the inverse against numerical integration and
root finding, sigma over the protection period (with lead-time spread and a forecast level
error), the exact (R, s, nQ) fill rate and its reorder point against a direct scipy solution,
simulation of periodic review, properties and input checks."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import integrate, optimize, stats

from optimization.engine.safety_stock import (
    cycle_service_factor,
    fill_rate,
    fill_rate_factor,
    inverse_normal_loss,
    normal_loss,
    periodic_review_fill_rate,
    periodic_review_reorder_point,
    protection_std,
    safety_stock,
    second_order_loss,
)
from optimization.engine.types import EngineInputError

SQRT_2PI = math.sqrt(2.0 * math.pi)
PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# The (R, s, nQ) solver runs ~20 vectorised steps per call: fewer examples keep these quick.
SOLVER_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def integrated_loss(k: float) -> float:
    """E[(X - k)+] for X ~ N(0, 1), by numerical integration of (x - k) phi(x) over x > k
    (from -12 when k is lower: the density below -12 is under 1e-32)."""
    start = max(k, -12.0)
    value, _ = integrate.quad(
        lambda x: (x - k) * math.exp(-0.5 * x * x) / SQRT_2PI,
        start,
        np.inf,
        epsabs=0.0,
        epsrel=1e-12,
        limit=200,
    )
    return value


# --- the loss function -----------------------------------------------------------------------


@pytest.mark.parametrize("k", [-6.0, -2.0, -0.5, 0.0, 0.3, 1.0, 1.7, 2.5, 3.5, 5.0, 8.0])
def test_normal_loss_matches_numerical_integration(k: float) -> None:
    assert_allclose(normal_loss(k), integrated_loss(k), rtol=1e-10)


def test_normal_loss_matches_the_printed_table() -> None:
    """Standard normal loss table (e.g. Silver, Pyke & Thomas, Inventory and Production
    Management in Supply Chains, 4th ed., Appendix): G(0) = 0.3989, G(0.5) = 0.1978,
    G(1) = 0.0833, G(1.5) = 0.0293, G(2) = 0.0085, G(2.5) = 0.0020, G(3) = 0.0004."""
    table = {0.0: 0.3989, 0.5: 0.1978, 1.0: 0.0833, 1.5: 0.0293, 2.0: 0.0085, 2.5: 0.0020}
    for k, value in table.items():
        assert round(float(normal_loss(k)), 4) == value
    assert round(float(normal_loss(3.0)), 4) == 0.0004


@PROPERTY_SETTINGS
@given(y=st.floats(1e-200, 1e9))
@example(y=float(stats.norm.pdf(0.0)))
def test_inverse_normal_loss_inverts_it(y: float) -> None:
    k = inverse_normal_loss(y)
    assert_allclose(normal_loss(k), y, rtol=1e-11)


# --- fill rate against a direct numerical solution -------------------------------------------

FILL_CASES = st.tuples(
    st.floats(0.5, 0.9999),  # beta
    st.floats(1.0, 5_000.0),  # Q, units per cycle
    st.floats(0.5, 2_000.0),  # sigma, units
)


@PROPERTY_SETTINGS
@given(case=FILL_CASES)
@example(case=(0.95, 500.0, 100.0))
@example(case=(0.99, 50.0, 400.0))
@example(case=(0.6, 3000.0, 10.0))
def test_fill_rate_factor_solves_the_expected_shortage_equation(
    case: tuple[float, float, float],
) -> None:
    """sigma * G(k) = (1 - beta) * Q solved by brentq with G integrated numerically."""
    beta, quantity, sigma = case
    target = (1.0 - beta) * quantity

    def shortage(k: float) -> float:
        return sigma * integrated_loss(k) - target

    reference = optimize.brentq(shortage, -target / sigma - 1.0, 40.0, xtol=1e-13, rtol=1e-13)
    ours = fill_rate_factor(beta, quantity, sigma)
    assert_allclose(ours, [reference], rtol=1e-8, atol=1e-9)
    assert_allclose(fill_rate(ours, quantity, sigma), [beta], rtol=1e-9)


def test_fill_rate_textbook_case() -> None:
    # Q = 500, sigma_L = 100, beta = 0.98: G(k) = 0.02 * 500 / 100 = 0.1 -> k = 0.9023
    # (G(0.90) = 0.1004, G(0.91) = 0.0986 in the table).
    assert_allclose(fill_rate_factor(0.98, 500.0, 100.0), [0.90235], atol=5e-5)


def test_fill_rate_edges_no_uncertainty_and_no_demand() -> None:
    # sigma 0: no safety stock needed. Q = 0 with sigma > 0: the level as a cycle service level.
    factor = fill_rate_factor(0.95, np.array([100.0, 0.0, 0.0]), np.array([0.0, 10.0, 0.0]))
    assert_allclose(factor, [0.0, stats.norm.ppf(0.95), 0.0])


# --- cycle service and sigma over the protection period ---------------------------------------


def test_cycle_service_factor_is_the_normal_quantile() -> None:
    assert_allclose(
        cycle_service_factor([0.5, 0.9, 0.95, 0.99]), [0.0, 1.28155, 1.64485, 2.32635], atol=1e-5
    )


def test_protection_std_formula_and_the_seeds_special_case() -> None:
    # d = 100, sigma_d = 20, L = 10, sigma_L = 3: sqrt(10 * 400 + 100^2 * 9) = sqrt(94,000)
    assert_allclose(protection_std(100.0, 20.0, 10.0, 3.0), [np.sqrt(94_000.0)])
    # sigma_L = 0 gives the seed's sqrt(L) * sigma_d; a review period adds R to L.
    assert_allclose(protection_std(100.0, 20.0, 10.0, 0.0), [np.sqrt(10.0) * 20.0])
    assert_allclose(protection_std(100.0, 20.0, 10.0, 0.0, 7.0), [np.sqrt(17.0) * 20.0])


def test_the_seed_formula_understates_safety_stock_several_fold_when_lead_times_vary() -> None:
    z = cycle_service_factor(0.95)
    full = safety_stock(z, protection_std(100.0, 20.0, 10.0, 3.0))
    seed = z * np.sqrt(10.0) * 20.0
    assert full[0] / seed[0] > 4.5  # 306.6 / 63.2 = 4.85


def test_protection_std_is_the_std_of_demand_over_a_random_lead_time() -> None:
    """Monte Carlo: the sum of L daily demands (sd 20 around 100) with L binomial(20, 0.5)
    days (mean 10, variance 5) has variance 10 * 400 + 100^2 * 5."""
    rng = np.random.default_rng(11)
    lead = rng.binomial(20, 0.5, 200_000)
    days = rng.normal(100.0, 20.0, (200_000, 20))
    totals = np.where(np.arange(20)[None, :] < lead[:, None], days, 0.0).sum(axis=1)
    expected = protection_std(100.0, 20.0, 10.0, np.sqrt(5.0))[0]
    assert abs(totals.std() / expected - 1.0) < 0.01
    # 95 % cycle service: demand over the lead time stays under d L + SS in about 95 % of
    # cycles (the normal approximation; this lead-time distribution is close to normal).
    covered = np.mean(totals <= 1000.0 + safety_stock(cycle_service_factor(0.95), expected)[0])
    assert abs(covered - 0.95) < 0.01


# --- periodic review by simulation -----------------------------------------------------------


def simulated_fill_rate(
    order_up_to: float, demand: float, sd: float, lead: int, review: int, *, seed: int = 5
) -> float:
    """Units served from stock over units asked, for an order-up-to policy reviewed every
    `review` days, orders arriving `lead` days after the review, backorders filled later;
    normal daily demand (negative draws count as 0), 2,000 runs of 400 days after a warm-up."""
    rng = np.random.default_rng(seed)
    runs, days, warm_up = 2000, 400, 60
    net = np.full(runs, order_up_to)  # on hand minus backorders
    position = net.copy()
    arrivals = np.zeros((runs, lead + 1))  # arrivals[:, i]: due at the start of day t + 1 + i
    served = asked = 0.0
    for day in range(warm_up + days):
        net += arrivals[:, 0]
        arrivals = np.roll(arrivals, -1, axis=1)
        arrivals[:, -1] = 0.0
        asked_today = np.maximum(rng.normal(demand, sd, runs), 0.0)
        if day >= warm_up:
            served += np.clip(net, 0.0, asked_today).sum()
            asked += asked_today.sum()
        net -= asked_today
        position -= asked_today
        if day % review == review - 1:
            arrivals[:, lead] += order_up_to - position  # usable from day t + lead + 1
            position[:] = order_up_to
    return served / asked


def test_a_fill_rate_sized_over_lead_time_plus_review_delivers_it() -> None:
    """(R, S) review every 7 days, lead time 2 days, 100 +/- 50 a day, target 95 %: sizing over
    L + R delivers 95 %; sizing over L alone (the mistake) delivers about 91 %."""
    demand, sd, lead, review, beta = 100.0, 50.0, 2, 7, 0.95
    sigma_right = protection_std(demand, sd, lead, 0.0, review)
    sigma_wrong = protection_std(demand, sd, lead, 0.0)
    right = fill_rate_factor(beta, demand * review, sigma_right)
    wrong = fill_rate_factor(beta, demand * review, sigma_wrong)
    base = demand * (lead + review)

    delivered = simulated_fill_rate(
        base + safety_stock(right, sigma_right)[0], demand, sd, lead, review
    )
    short = simulated_fill_rate(
        base + safety_stock(wrong, sigma_wrong)[0], demand, sd, lead, review
    )
    assert abs(delivered - beta) < 0.005
    assert short < 0.925


# --- properties ------------------------------------------------------------------------------

LEVELS = st.lists(st.floats(0.5, 0.999), min_size=2, max_size=6).map(sorted)


@PROPERTY_SETTINGS
@given(
    levels=LEVELS,
    quantity=st.floats(0.0, 5_000.0),
    demand=st.floats(0.0, 500.0),
    error=st.floats(0.0, 200.0),
    lead=st.floats(0.0, 60.0),
    lead_std=st.floats(0.0, 20.0),
)
def test_safety_stock_grows_with_the_service_target(
    *,
    levels: list[float],
    quantity: float,
    demand: float,
    error: float,
    lead: float,
    lead_std: float,
) -> None:
    sigma = protection_std(demand, error, lead, lead_std)[0]
    levels_array = np.array(levels)
    cycle = safety_stock(cycle_service_factor(levels_array), sigma)
    fill = safety_stock(fill_rate_factor(levels_array, quantity, sigma), sigma)
    for stock in (cycle, fill):
        assert np.isfinite(stock).all() and (stock >= 0).all()
        assert (np.diff(stock) >= -1e-9 * max(1.0, stock.max())).all()


@PROPERTY_SETTINGS
@given(
    level=st.floats(0.5, 0.999),
    quantity=st.floats(1.0, 5_000.0),
    demand=st.floats(0.0, 500.0),
    error=st.floats(0.0, 200.0),
    lead=st.floats(0.0, 60.0),
    lead_stds=st.lists(st.floats(0.0, 30.0), min_size=2, max_size=6).map(sorted),
)
def test_safety_stock_grows_with_lead_time_variability(
    *,
    level: float,
    quantity: float,
    demand: float,
    error: float,
    lead: float,
    lead_stds: list[float],
) -> None:
    sigma = protection_std(demand, error, lead, np.array(lead_stds))
    cycle = safety_stock(cycle_service_factor(np.full(sigma.size, level)), sigma)
    fill = safety_stock(fill_rate_factor(level, quantity, sigma), sigma)
    for stock in (cycle, fill):
        assert np.isfinite(stock).all() and (stock >= 0).all()
        assert (np.diff(stock) >= -1e-9 * max(1.0, stock.max())).all()


def test_no_demand_and_no_variance_need_no_safety_stock() -> None:
    sigma = protection_std(np.array([0.0, 50.0]), 0.0, 10.0, 0.0)
    assert_allclose(sigma, [0.0, 0.0])
    assert_allclose(safety_stock(cycle_service_factor([0.99, 0.99]), sigma), [0.0, 0.0])
    assert_allclose(safety_stock(fill_rate_factor(0.99, 100.0, sigma), sigma), [0.0, 0.0])


# --- input checks ----------------------------------------------------------------------------


@pytest.mark.parametrize("level", [0.0, 1.0, 1.2, -0.1, np.nan])
def test_service_targets_outside_zero_one_are_refused(level: float) -> None:
    with pytest.raises(EngineInputError, match=r"between 0 and 1|missing"):
        cycle_service_factor(level)
    with pytest.raises(EngineInputError, match=r"between 0 and 1|missing"):
        fill_rate_factor(level, 100.0, 10.0)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((-1.0, 10.0, 5.0, 1.0), "Demand mean must be >= 0"),
        ((10.0, -1.0, 5.0, 1.0), "forecast-error standard deviation must be >= 0"),
        ((10.0, 1.0, -5.0, 1.0), "Lead time must be >= 0"),
        ((10.0, 1.0, 5.0, -1.0), "Lead-time standard deviation must be >= 0"),
        ((10.0, 1.0, np.nan, 1.0), "Lead time is missing"),
    ],
)
def test_protection_std_refuses_impossible_input(arguments: tuple, message: str) -> None:
    with pytest.raises(EngineInputError, match=message):
        protection_std(*arguments)


def test_inverse_normal_loss_refuses_values_without_a_root() -> None:
    with pytest.raises(EngineInputError):
        inverse_normal_loss(np.array([0.1, 0.0]))


# --- the forecast level error -----------------------------------------------------------------


def test_protection_std_with_a_level_error_by_hand_and_by_monte_carlo() -> None:
    # d = 100, sigma_d = 20, L = 10, sigma_L = 3, sigma_b = 5:
    # 10 * 400 + (100 + 9 - 10) * 25 + 100^2 * 9 = 4,000 + 2,475 + 90,000
    assert_allclose(
        protection_std(100.0, 20.0, 10.0, 3.0, level_error_std=5.0), [np.sqrt(96_475.0)]
    )
    assert_allclose(
        protection_std(100.0, 20.0, 10.0, 3.0, level_error_std=0.0),
        protection_std(100.0, 20.0, 10.0, 3.0),
    )
    # Each day's error is a level b shared by the period (sd 12) plus an independent rest
    # (sd 16): daily sd 20. Over L + 7 days with L binomial(20, 0.5) (mean 10, variance 5).
    rng = np.random.default_rng(12)
    runs = 200_000
    lead = rng.binomial(20, 0.5, runs) + 7
    level = rng.normal(0.0, 12.0, runs)
    days = 100.0 + level[:, None] + rng.normal(0.0, 16.0, (runs, 27))
    totals = np.where(np.arange(27)[None, :] < lead[:, None], days, 0.0).sum(axis=1)
    expected = protection_std(100.0, 20.0, 10.0, np.sqrt(5.0), 7.0, level_error_std=12.0)[0]
    assert abs(totals.std() / expected - 1.0) < 0.01


def test_a_level_error_larger_than_the_daily_error_is_refused() -> None:
    with pytest.raises(EngineInputError, match="level-error standard deviation is part of"):
        protection_std(10.0, 2.0, 5.0, 1.0, level_error_std=np.array([1.0, 3.0]))
    with pytest.raises(EngineInputError, match="level-error standard deviation must be >= 0"):
        protection_std(10.0, 2.0, 5.0, 1.0, level_error_std=-1.0)


# --- the exact fill rate of periodic review, (R, s, nQ) and (R, S) ------------------------------


def loss(k: float) -> float:
    return float(stats.norm.pdf(k) - k * stats.norm.sf(k))


def second_loss(k: float) -> float:
    """G2 by its closed form, with scipy (an implementation independent of the engine's)."""
    return float(0.5 * ((k * k + 1.0) * stats.norm.sf(k) - k * stats.norm.pdf(k)))


@pytest.mark.parametrize("k", [-30.0, -6.0, -2.0, -0.5, 0.0, 0.3, 1.0, 2.5, 5.0, 9.0])
def test_second_order_loss_is_the_integral_of_the_loss(k: float) -> None:
    value, _ = integrate.quad(integrated_loss, k, max(k, 0.0) + 40.0, epsabs=0.0, epsrel=1e-11)
    assert_allclose(second_order_loss(k), value, rtol=1e-9)
    assert_allclose(second_order_loss(k), second_loss(k), rtol=1e-9)


def reference_fill(s: float, case: dict[str, float]) -> float:
    """The exact (R, s, nQ) fill rate written out with scipy (see the engine's docstring):
    1 - (1/Q) [I(L + R, s) - I(L, s)] / (d R), I(n, s) = sigma_n^2 (G2(a) - G2(b)); the
    limit E(D_{L+R} - s)+ - E(D_L - s)+ when Q = 0."""
    d, q, review = case["d"], case["q"], case["review"]
    b2 = case.get("level", 0.0) ** 2

    def shortage(days: float) -> float:
        mu = d * days
        var = days * case["sd"] ** 2 + (days**2 + case["lead_sd"] ** 2 - days) * b2
        sigma = math.sqrt(var + d**2 * case["lead_sd"] ** 2)
        if sigma == 0.0:  # demand over the period is exactly mu
            if q == 0.0:
                return max(mu - s, 0.0)
            return (max(mu - s, 0.0) ** 2 - max(mu - s - q, 0.0) ** 2) / (2.0 * q)
        if q == 0.0:
            return sigma * loss((s - mu) / sigma)
        return sigma**2 * (second_loss((s - mu) / sigma) - second_loss((s + q - mu) / sigma)) / q

    lead = case["lead"]
    return 1.0 - (shortage(lead + review) - shortage(lead)) / (d * review)


def engine_keywords(case: dict[str, float]) -> dict[str, float]:
    return {
        "demand_mean": case["d"],
        "demand_error_std": case["sd"],
        "lead_time_mean": case["lead"],
        "lead_time_std": case["lead_sd"],
        "review_period": case["review"],
        "level_error_std": case.get("level", 0.0),
    }


REVIEW_CASES = st.fixed_dictionaries(
    {
        "beta": st.floats(0.5, 0.9995),
        "q": st.one_of(st.just(0.0), st.floats(0.5, 5_000.0)),
        "d": st.floats(0.05, 500.0),
        "sd": st.floats(0.5, 300.0),
        # (the scipy reference overflows for lead times near the smallest double)
        "lead": st.one_of(st.just(0.0), st.floats(1e-6, 60.0)),
        "lead_sd": st.one_of(st.just(0.0), st.floats(0.0, 20.0)),
        "review": st.sampled_from([1.0, 1.0, 7.0]),
        "share": st.floats(0.0, 1.0),  # the level error as a share of sigma_d
    }
).map(lambda case: {**case, "level": case["share"] * case["sd"] * 0.9})


@SOLVER_SETTINGS
@given(case=REVIEW_CASES)
@example(
    case={
        "beta": 0.95,
        "q": 500.0,
        "d": 100.0,
        "sd": 30.0,
        "lead": 5.0,
        "lead_sd": 0.0,
        "review": 1.0,
        "level": 0.0,
    }
)
@example(
    case={
        "beta": 0.99,
        "q": 1.0,
        "d": 0.2,
        "sd": 1.5,
        "lead": 30.0,
        "lead_sd": 9.0,
        "review": 1.0,
        "level": 0.5,
    }
)
def test_the_solved_reorder_point_meets_the_exact_fill_rate(case: dict[str, float]) -> None:
    """Against brentq on the scalar formula written out with scipy: the smallest s >= d L with
    fill rate >= beta."""
    beta, low = case["beta"], case["d"] * case["lead"]
    ours = float(periodic_review_reorder_point(beta, case["q"], **engine_keywords(case))[0])
    fill = float(periodic_review_fill_rate(ours, case["q"], **engine_keywords(case))[0])
    assert fill >= beta - 1e-9
    assert_allclose(fill, reference_fill(ours, case), atol=1e-8)
    if reference_fill(low, case) >= beta:
        assert ours == low  # lots alone reach the target: no safety stock
        return
    scale = case["d"] * (case["lead"] + case["review"]) + case["sd"] * math.sqrt(case["lead"] + 1)
    high = low + 50.0 * scale + 10.0 * case["d"] * case["lead_sd"]
    for _ in range(60):  # widen the bracket until the target lies inside it
        if reference_fill(high, case) >= beta:
            break
        high = low + 2.0 * (high - low)
    reference = optimize.brentq(
        lambda s: reference_fill(s, case) - beta, low, high, xtol=1e-12 * scale, rtol=1e-13
    )
    assert_allclose(ours, reference, rtol=1e-7, atol=1e-8 * scale)


def test_the_daily_review_textbook_case() -> None:
    # The simulator's calibration case: d = 100, sigma_d = 30, L = 5, Q = 500, 95 %: s = 565.9
    # (the continuous-review formula gives 503.6 and delivers 87.6 % under daily review).
    keywords = {"demand_mean": 100.0, "demand_error_std": 30.0, "lead_time_mean": 5.0}
    s = periodic_review_reorder_point(0.95, 500.0, lead_time_std=0.0, **keywords)
    assert_allclose(s, [565.89], atol=0.01)
    assert_allclose(periodic_review_fill_rate(s, 500.0, lead_time_std=0.0, **keywords), [0.95])


def test_deterministic_demand_has_a_closed_form() -> None:
    # sigma = 0: the position after a review is uniform on (s, s + Q], a day's demand d crosses
    # s at a uniform point, and the day's shortage is (d (L + 1) - y)+ on (s, s + d]: for
    # d L <= s <= d (L + 1) the fill rate is 1 - (d (L + 1) - s)^2 / (2 Q d).
    keywords = {"demand_mean": 20.0, "demand_error_std": 0.0, "lead_time_mean": 10.0}
    s = periodic_review_reorder_point(0.99, 540.0, lead_time_std=0.0, **keywords)
    assert_allclose(s, [220.0 - np.sqrt(2 * 0.01 * 540.0 * 20.0)])
    assert_allclose(periodic_review_fill_rate(220.0, 540.0, lead_time_std=0.0, **keywords), [1.0])
    # lots so large that ordering at d L already meets the target
    assert_allclose(
        periodic_review_reorder_point(0.9, 5_000.0, lead_time_std=0.0, **keywords), [200.0]
    )


def test_a_vanishing_order_quantity_tends_to_the_order_up_to_policy() -> None:
    keywords = {
        "demand_mean": np.full(4, 50.0),
        "demand_error_std": 20.0,
        "lead_time_mean": 8.0,
        "lead_time_std": 2.0,
        "review_period": np.array([1.0, 1.0, 7.0, 7.0]),
    }
    limit = periodic_review_reorder_point(0.97, 0.0, **keywords)
    tiny = periodic_review_reorder_point(0.97, np.array([1e-12, 1e-4, 1e-12, 1e-4]), **keywords)
    assert np.isfinite(tiny).all()
    assert_allclose(tiny, limit, rtol=1e-6)
    # and Q = 0 with R = 7 is the exact (R, S) policy: a touch below DOMAIN.md's S, which
    # leaves out E(D_L - S)+
    sigma = protection_std(50.0, 20.0, 8.0, 2.0, 7.0)
    domain = 50.0 * 15 + fill_rate_factor(0.97, 350.0, sigma) * sigma
    assert limit[3] <= domain[0] + 1e-9
    assert limit[3] > domain[0] - 0.02 * sigma[0]


def test_no_demand_uses_the_level_as_a_cycle_service_level() -> None:
    keywords = {"demand_error_std": np.array([0.0, 3.0]), "lead_time_mean": 10.0}
    s = periodic_review_reorder_point(0.95, 10.0, demand_mean=0.0, lead_time_std=0.0, **keywords)
    assert_allclose(s, [0.0, stats.norm.ppf(0.95) * 3.0 * np.sqrt(11.0)])
    fill = periodic_review_fill_rate(s, 10.0, demand_mean=0.0, lead_time_std=0.0, **keywords)
    assert_allclose(fill, [1.0, 1.0])


REVIEW_FIXED = st.fixed_dictionaries(
    {
        "d": st.floats(0.05, 500.0),
        "sd": st.floats(0.0, 300.0),
        "lead": st.floats(0.0, 60.0),
        "review": st.sampled_from([1.0, 7.0]),
    }
)


@SOLVER_SETTINGS
@given(
    case=REVIEW_FIXED,
    levels=LEVELS,
    quantities=st.lists(st.floats(0.0, 5_000.0), min_size=2, max_size=6).map(sorted),
    lead_stds=st.lists(st.floats(0.0, 20.0), min_size=2, max_size=6).map(sorted),
)
def test_the_reorder_point_grows_with_the_target_and_lead_time_spread_and_falls_with_q(
    *,
    case: dict[str, float],
    levels: list[float],
    quantities: list[float],
    lead_stds: list[float],
) -> None:
    keywords = {
        "demand_mean": case["d"],
        "demand_error_std": case["sd"],
        "lead_time_mean": case["lead"],
        "review_period": case["review"],
    }
    by_level = periodic_review_reorder_point(np.array(levels), 100.0, lead_time_std=2.0, **keywords)
    by_spread = periodic_review_reorder_point(
        0.95, 100.0, lead_time_std=np.array(lead_stds), **keywords
    )
    by_size = periodic_review_reorder_point(
        0.95, np.array(quantities), lead_time_std=2.0, **keywords
    )
    for points, sign in ((by_level, 1.0), (by_spread, 1.0), (by_size, -1.0)):
        assert np.isfinite(points).all()
        assert (points >= case["d"] * case["lead"] - 1e-9).all()
        assert (sign * np.diff(points) >= -1e-9 * max(1.0, points.max())).all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quantity": -1.0}, "Order quantity must be >= 0"),
        ({"level": 1.0}, "strictly between 0 and 1"),
        ({"demand_mean": np.nan}, "Demand mean is missing"),
        ({"review_period": 0.0}, "Review period must be > 0"),
        ({"level_error_std": 50.0}, "cannot exceed it"),
    ],
)
def test_the_exact_formulas_refuse_impossible_input(change: dict, message: str) -> None:  # type: ignore[type-arg]
    arguments = {
        "level": 0.95,
        "quantity": 100.0,
        "demand_mean": 10.0,
        "demand_error_std": 4.0,
        "lead_time_mean": 5.0,
        "lead_time_std": 1.0,
    } | change
    with pytest.raises(EngineInputError, match=message):
        periodic_review_reorder_point(**arguments)
