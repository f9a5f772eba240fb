"""Safety stock: the normal loss function and its inverse against numerical integration and
root finding, sigma over the protection period, simulation of periodic review, properties and
input checks."""

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
    protection_std,
    safety_stock,
)
from optimization.engine.types import EngineInputError

SQRT_2PI = math.sqrt(2.0 * math.pi)
PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
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
