"""Policy parameters per SKU-site: hand-computed rows, the service matrix, missing lead-time
data, the forecast level error, edge cases, properties over random inputs, simulation of the
sized policies with simulate.py and input checks."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from optimization.engine.policy import (
    CRITICALITIES,
    DEFAULT_SERVICE_MATRIX,
    PolicyConfig,
    PolicyInputs,
    ServiceMatrix,
    ServiceTarget,
    compute_policies,
)
from optimization.engine.safety_stock import (
    fill_rate,
    fill_rate_factor,
    periodic_review_fill_rate,
)
from optimization.engine.simulate import LeadTime, Policy, simulate
from optimization.engine.types import EngineInputError

NAN = np.nan


def inputs(**changes: object) -> PolicyInputs:
    """Two SKU-sites: an AX critical one (99 % fill rate) and a CZ critical one (99 % cycle
    service) with the same numbers: 20 a day, error sd 8, lead time 10 +/- 2 days, weekly
    review, $12 a unit, $60 an order, 25 % a year."""
    base = PolicyInputs(
        demand_mean=np.array([20.0, 20.0]),
        demand_error_std=np.array([8.0, 8.0]),
        lead_time_mean=np.array([10.0, 10.0]),
        lead_time_std=np.array([2.0, 2.0]),
        review_period=7.0,
        unit_price=12.0,
        order_cost=60.0,
        abc=np.array(["A", "C"]),
        xyz=np.array(["X", "Z"]),
        criticality="critical",
    )
    return replace(base, **changes)


# --- hand-computed rows ----------------------------------------------------------------------


def test_a_cycle_service_row_by_hand() -> None:
    policies = compute_policies(inputs())
    # Daily review protects L + 1 days: sigma_{L+1} = sqrt(11 * 64 + 400 * 4) = 48,
    # s = 20 * 11 + z(0.99) * 48, safety stock s - d L = 20 + 48 z; DOMAIN.md's sigma_L =
    # sqrt(10 * 64 + 400 * 4) = sqrt(2240) stays the lead-time demand deviation.
    z = stats.norm.ppf(0.99)
    assert policies.service_kind[1] == "cycle_service"
    assert_allclose(policies.protection_demand_std[1], 48.0)
    assert_allclose(policies.reorder_point[1], 220.0 + 48.0 * z)
    assert_allclose(policies.safety_stock[1], 20.0 + 48.0 * z)
    assert_allclose(policies.reorder_point[1], 20 * 10 + policies.safety_stock[1])
    assert_allclose(policies.lead_time_demand_std[1], np.sqrt(2240.0))
    assert_allclose(policies.safety_factor[1], (20.0 + 48.0 * z) / np.sqrt(2240.0))
    # periodic: sigma_{L+R} = sqrt(17 * 64 + 1600) = sqrt(2688); S = 20 * 17 + z sigma
    assert_allclose(policies.review_demand_std[1], np.sqrt(2688.0))
    assert_allclose(policies.order_up_to[1], 340 + z * np.sqrt(2688.0))
    assert_allclose(policies.safety_factor_periodic[1], z)


def test_a_fill_rate_row_meets_its_target_under_daily_review() -> None:
    policies = compute_policies(inputs())
    # EOQ: sqrt(2 * 7300 * 60 / (0.25 * 12)) = sqrt(292,000) = 540.37 -> 540 units
    assert policies.service_kind[0] == "fill_rate"
    assert policies.order_quantity[0] == 540.0
    demand = {
        "demand_mean": 20.0,
        "demand_error_std": 8.0,
        "lead_time_mean": 10.0,
        "lead_time_std": 2.0,
    }
    s = policies.reorder_point[0]
    assert_allclose(periodic_review_fill_rate(s, 540.0, **demand), [0.99], rtol=1e-10)
    assert periodic_review_fill_rate(s - 1e-6 * s, 540.0, **demand)[0] < 0.99
    assert_allclose(policies.expected_fill_rate[0], 0.99, rtol=1e-10)
    assert_allclose(policies.safety_stock[0], s - 200.0)
    sigma = policies.lead_time_demand_std[0]
    assert_allclose(policies.safety_factor[0] * sigma, policies.safety_stock[0])
    # DOMAIN.md's continuous-review factor (sigma_L G(k) = 0.01 Q) holds less: it leaves out
    # the day between reviews and the undershoot of s.
    assert fill_rate_factor(0.99, 540.0, sigma)[0] < policies.safety_factor[0]
    # periodic review: expected demand per review 140 over sigma_{L+R}
    k_review = policies.safety_factor_periodic[0]
    assert_allclose(fill_rate(k_review, 140.0, policies.review_demand_std[0]), [0.99])
    assert 0.99 <= policies.expected_fill_rate_periodic[0] < 0.991


def test_steady_demand_needs_only_the_day_of_review() -> None:
    # sigma_d = sigma_L = 0: a day's demand crosses s at a uniform point, so for a fill rate
    # s = d (L + 1) - sqrt(2 (1 - beta) Q d) = 220 - sqrt(216); a cycle service level covers
    # the whole day, s = d (L + 1) = 220.
    policies = compute_policies(inputs(demand_error_std=0.0, lead_time_std=0.0))
    assert_allclose(policies.reorder_point, [220.0 - np.sqrt(216.0), 220.0])
    assert_allclose(policies.safety_stock, [20.0 - np.sqrt(216.0), 20.0])
    assert_allclose(policies.safety_factor, [0.0, 0.0])  # no deviation to divide by
    assert_allclose(policies.expected_fill_rate, [0.99, 1.0])


def test_lots_use_breaks_moq_multiple_and_the_shelf_life_cap() -> None:
    policies = compute_policies(
        inputs(
            moq=np.array([1.0, 100.0]),
            order_multiple=np.array([1.0, 24.0]),
            break_quantities=np.array([[1000.0], [NAN]]),
            break_prices=np.array([[11.0], [NAN]]),
            remaining_life_days=np.array([np.inf, 30.0]),
            min_usable_life_days=np.array([0.0, 10.0]),
        )
    )
    # Row 0: 1,000 at $11 (80,300 + 438 + 1,375) beats 540 at $12 (87,600 + 811 + 810).
    assert policies.order_quantity[0] == 1000.0
    assert policies.unit_price_paid[0] == 11.0
    # Row 1: cap 20 * (30 - 10) = 400, the EOQ 540 is cut to 384 (a multiple of 24).
    assert policies.shelf_life_cap[1] == 400.0
    assert policies.order_quantity[1] == 384.0
    assert policies.lot_reason.tolist() == ["price_break", "shelf_life"]


# --- service matrix --------------------------------------------------------------------------


def test_default_matrix_targets() -> None:
    kinds, levels = DEFAULT_SERVICE_MATRIX.lookup(
        np.array(["A", "C", "A", "B", "", "C"]),
        np.array(["X", "Z", "Y", "Z", "", "X"]),
        np.array(["critical", "critical", "medium", "low", "medium", "high"]),
    )
    assert kinds.tolist() == [
        "fill_rate",
        "cycle_service",
        "fill_rate",
        "fill_rate",
        "fill_rate",
        "fill_rate",
    ]
    assert_allclose(levels, [0.99, 0.99, 0.95, 0.91, 0.95, 0.99])


def test_default_matrix_covers_every_class_and_criticality() -> None:
    for abc in ("A", "B", "C", ""):
        for xyz in ("X", "Y", "Z", ""):
            kinds, levels = DEFAULT_SERVICE_MATRIX.lookup(
                np.full(len(CRITICALITIES), abc),
                np.full(len(CRITICALITIES), xyz),
                np.array(CRITICALITIES),
            )
            assert ((levels > 0.85) & (levels < 1)).all()
            # more critical never gets a lower target of the same kind
            for earlier, later in zip(range(3), range(1, 4), strict=True):
                if kinds[earlier] == kinds[later]:
                    assert levels[earlier] >= levels[later]


def test_a_custom_matrix_and_a_missing_combination() -> None:
    matrix = ServiceMatrix({("A", "X", "critical"): ServiceTarget("cycle_service", 0.999)})
    policies = compute_policies(inputs(abc="A", xyz="X"), PolicyConfig(matrix=matrix))
    assert_allclose(policies.reorder_point, 220.0 + 48.0 * stats.norm.ppf(0.999))
    assert_allclose(policies.safety_factor_periodic, stats.norm.ppf(0.999))
    with pytest.raises(EngineInputError, match=r"no target for 1 class combination.*'C', 'Z'"):
        compute_policies(inputs(), PolicyConfig(matrix=matrix))


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5, -0.2])
def test_service_targets_outside_zero_one_are_refused(level: float) -> None:
    with pytest.raises(EngineInputError, match="strictly between 0 and 1"):
        ServiceTarget("fill_rate", level)


def test_an_unknown_kind_of_target_is_refused() -> None:
    with pytest.raises(EngineInputError, match="cycle_service or a fill_rate"):
        ServiceTarget("ready_rate", 0.9)  # type: ignore[arg-type]


# --- missing lead-time data and edges --------------------------------------------------------


def test_a_missing_lead_time_std_is_imputed_and_flagged() -> None:
    policies = compute_policies(inputs(lead_time_std=np.array([NAN, 2.0])))
    assert_allclose(policies.lead_time_std, [3.0, 2.0])  # 0.3 * 10 days
    assert policies.lead_time_imputed.tolist() == [True, False]
    assert np.isfinite(policies.reorder_point).all()


def test_a_missing_lead_time_needs_a_default() -> None:
    missing = inputs(lead_time_mean=np.array([10.0, NAN]), lead_time_std=np.array([2.0, NAN]))
    with pytest.raises(
        EngineInputError, match=r"lead time is missing at 1 SKU-site \(first: index 1\)"
    ):
        compute_policies(missing)
    policies = compute_policies(missing, PolicyConfig(default_lead_time_days=14.0))
    assert_allclose(policies.lead_time_mean, [10.0, 14.0])
    assert_allclose(policies.lead_time_std, [2.0, 4.2])
    assert policies.lead_time_imputed.tolist() == [False, True]


def test_zero_demand_and_zero_variance_give_finite_non_negative_policies() -> None:
    policies = compute_policies(
        inputs(
            demand_mean=np.array([0.0, 0.0]),
            demand_error_std=np.array([0.0, 3.0]),
            lead_time_std=0.0,
        )
    )
    for name, values in policies.columns().items():
        if values.dtype.kind == "f":
            assert not np.isnan(values).any() and (values >= 0).all(), name
    assert_array_equal(policies.shelf_life_cap, [np.inf, np.inf])  # not perishable
    assert_array_equal(policies.safety_stock[0], 0.0)
    assert_array_equal(policies.reorder_point[0], 0.0)
    assert policies.safety_stock[1] > 0  # forecast error alone still needs cover


def test_policies_keep_the_inputs_they_used() -> None:
    policies = compute_policies(inputs())
    assert_array_equal(policies.inputs.review_period, [7.0, 7.0])
    assert policies.inputs.criticality.tolist() == ["critical", "critical"]
    assert set(policies.columns()) >= {"order_quantity", "reorder_point", "order_up_to"}
    assert "inputs" not in policies.columns()


# --- properties ------------------------------------------------------------------------------

N = 6


def _vector(low: float, high: float) -> st.SearchStrategy[np.ndarray]:
    element = st.one_of(st.just(low), st.floats(low, high, allow_nan=False))
    return arrays(np.float64, N, elements=element)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    demand=_vector(0.0, 1_000.0),
    error=_vector(0.0, 300.0),
    lead=_vector(0.0, 90.0),
    lead_std=arrays(
        np.float64, N, elements=st.one_of(st.just(NAN), st.floats(0.0, 30.0, allow_nan=False))
    ),
    review=arrays(np.float64, N, elements=st.floats(1.0, 30.0)),
    price=arrays(np.float64, N, elements=st.floats(0.01, 5_000.0)),
    remaining=arrays(np.float64, N, elements=st.one_of(st.just(np.inf), st.floats(0.0, 1_000.0))),
    abc=arrays("<U1", N, elements=st.sampled_from(["A", "B", "C", ""])),
    xyz=arrays("<U1", N, elements=st.sampled_from(["X", "Y", "Z", ""])),
    criticality=arrays("<U8", N, elements=st.sampled_from(list(CRITICALITIES))),
)
def test_policies_are_finite_and_non_negative_for_any_valid_input(
    *,
    demand: np.ndarray,
    error: np.ndarray,
    lead: np.ndarray,
    lead_std: np.ndarray,
    review: np.ndarray,
    price: np.ndarray,
    remaining: np.ndarray,
    abc: np.ndarray,
    xyz: np.ndarray,
    criticality: np.ndarray,
) -> None:
    data = PolicyInputs(
        demand_mean=demand,
        demand_error_std=error,
        lead_time_mean=lead,
        lead_time_std=lead_std,
        review_period=review,
        unit_price=price,
        order_cost=50.0,
        abc=abc,
        xyz=xyz,
        criticality=criticality,
        moq=10.0,
        remaining_life_days=remaining,
        min_usable_life_days=30.0,
    )
    policies = compute_policies(data)
    for name, values in policies.columns().items():
        if values.dtype.kind == "f":
            assert not np.isnan(values).any(), name
            assert (values >= 0).all(), name
            if name != "shelf_life_cap":
                assert np.isfinite(values).all(), name
    assert (policies.reorder_point >= demand * policies.lead_time_mean - 1e-9).all()
    # every row as if alone
    for i in range(N):
        alone = compute_policies(
            PolicyInputs(
                **{
                    key: (value[i : i + 1] if isinstance(value, np.ndarray) else value)
                    for key, value in vars(data).items()
                }
            )
        )
        assert_allclose(alone.reorder_point, policies.reorder_point[i : i + 1], rtol=1e-12)
        assert_allclose(alone.order_up_to, policies.order_up_to[i : i + 1], rtol=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    levels=st.lists(st.floats(0.5, 0.999), min_size=2, max_size=5).map(sorted),
    kind=st.sampled_from(["cycle_service", "fill_rate"]),
    lead_std=st.floats(0.0, 10.0),
)
def test_policy_safety_stock_grows_with_the_target(
    levels: list[float], kind: str, lead_std: float
) -> None:
    stocks = []
    for level in levels:
        matrix = ServiceMatrix({("A", "X", "high"): ServiceTarget(kind, level)})  # type: ignore[arg-type]
        policies = compute_policies(
            inputs(abc="A", xyz="X", criticality="high", lead_time_std=lead_std),
            PolicyConfig(matrix=matrix),
        )
        stocks.append([policies.safety_stock[0], policies.safety_stock_periodic[0]])
    assert (np.diff(np.array(stocks), axis=0) >= -1e-9).all()


def test_safety_stock_grows_with_lead_time_variability() -> None:
    stds = np.array([0.0, 0.5, 1.0, 2.0, 4.0, 8.0])
    n = stds.size
    policies = compute_policies(
        PolicyInputs(
            demand_mean=np.full(2 * n, 20.0),
            demand_error_std=8.0,
            lead_time_mean=10.0,
            lead_time_std=np.r_[stds, stds],
            review_period=7.0,
            unit_price=12.0,
            order_cost=60.0,
            abc=np.array(["B"] * n + ["C"] * n),
            xyz="Y",
            criticality=np.array(["medium"] * n + ["critical"] * n),
        )
    )
    # B-Y medium: 96 % fill rate; C-Y critical: 99.5 % fill rate. With a steady lead time
    # the 540-unit lots alone reach 96 %, so the first rows may hold none.
    for stock in (policies.safety_stock, policies.safety_stock_periodic):
        for rows in (slice(0, n), slice(n, 2 * n)):
            assert (np.diff(stock[rows]) >= 0).all()
            assert stock[rows][-1] > 3 * stock[rows][0]


# --- the forecast level error ----------------------------------------------------------------


def test_a_forecast_level_error_raises_the_stock_and_defaults_to_none() -> None:
    levels = np.array([0.0, 1.0, 2.0, 4.0, 8.0])
    n = levels.size
    policies = compute_policies(
        inputs(
            demand_mean=np.full(n, 20.0),
            demand_error_std=8.0,
            lead_time_mean=10.0,
            lead_time_std=2.0,
            abc="A",
            xyz="X",
            demand_level_error_std=levels,
        )
    )
    for stock in (policies.safety_stock, policies.safety_stock_periodic):
        assert (np.diff(stock) > 0).all()
    assert_allclose(policies.expected_fill_rate, 0.99, rtol=1e-10)
    baseline = compute_policies(inputs())
    assert_allclose(policies.reorder_point[0], baseline.reorder_point[0])
    # sigma_L^2 = 10 * 64 + (100 + 4 - 10) * 64 + 400 * 4 with sigma_b = 8 = sigma_d
    everything = compute_policies(inputs(demand_level_error_std=8.0))
    assert_allclose(everything.lead_time_demand_std, np.sqrt(640.0 + 94 * 64.0 + 1600.0))


# --- simulation: the sized policies deliver their targets ------------------------------------


def normal_demand(means: np.ndarray, stds: np.ndarray, days: int) -> np.ndarray:
    rng = np.random.default_rng(20_261_125)
    return np.maximum(rng.normal(means[:, None], stds[:, None], (means.size, days)), 0.0)


SIMULATED = {
    # (ABC, XYZ): target, d, sigma_d, L, sigma_L
    ("A", "X"): (ServiceTarget("fill_rate", 0.95), 100.0, 30.0, 5.0, 0.0),
    ("B", "X"): (ServiceTarget("fill_rate", 0.98), 20.0, 6.0, 12.0, 0.0),
    ("C", "X"): (ServiceTarget("fill_rate", 0.90), 50.0, 15.0, 3.0, 0.0),
    ("A", "Y"): (ServiceTarget("fill_rate", 0.97), 40.0, 12.0, 8.0, 2.0),
    ("B", "Y"): (ServiceTarget("cycle_service", 0.95), 100.0, 30.0, 5.0, 0.0),
}


def simulated_groups(rows: int) -> tuple[PolicyInputs, np.ndarray, PolicyConfig]:
    keys = list(SIMULATED)
    group = np.repeat(np.arange(len(keys)), rows)
    table = np.array([values[1:] for values in SIMULATED.values()])[group]
    data = PolicyInputs(
        demand_mean=table[:, 0],
        demand_error_std=table[:, 1],
        lead_time_mean=table[:, 2],
        lead_time_std=table[:, 3],
        review_period=7.0,
        unit_price=12.0,
        order_cost=60.0,
        abc=np.array([key[0] for key in keys])[group],
        xyz=np.array([key[1] for key in keys])[group],
        criticality="high",
    )
    matrix = ServiceMatrix({(a, x, "high"): values[0] for (a, x), values in SIMULATED.items()})
    return data, group, PolicyConfig(matrix=matrix)


def test_daily_s_nq_and_periodic_r_s_meet_their_targets_in_simulation() -> None:
    """(s, nQ) reviewed daily and (R, S) reviewed weekly, as sized, on 1,000 days of normal
    demand after a 60-day warm-up (simulate.py's day order: an order placed at the start of
    day t arrives at the start of day t + L): each fill-rate group within 1 point of its
    target (with fixed lead times and with gamma ones, sigma_L = 2 days on 8); the
    cycle-service group, sized over L + 1 days, at least at its level (it is conservative for
    demand steadier than sigma_d = d)."""
    rows = 120
    data, group, config = simulated_groups(rows)
    policies = compute_policies(data, config)
    demand = normal_demand(np.asarray(data.demand_mean), np.asarray(data.demand_error_std), 1060)
    options = {"unit_cost": 1.0, "holding_rate": 0.25, "seed": 3, "warm_up": 60}
    lead_time = LeadTime(np.asarray(data.lead_time_mean), np.asarray(data.lead_time_std))
    daily = simulate(
        demand, Policy.s_q(policies.reorder_point, policies.order_quantity), lead_time, **options
    )
    weekly = simulate(demand, Policy.r_s(7.0, policies.order_up_to), lead_time, **options)
    for index, (target, *_) in enumerate(SIMULATED.values()):
        pick = group == index
        expected = {
            "daily": policies.expected_fill_rate[pick].mean(),
            "weekly": policies.expected_fill_rate_periodic[pick].mean(),
        }
        for name, result in (("daily", daily), ("weekly", weekly)):
            achieved = result.served_units[pick].sum() / result.demand_units[pick].sum()
            if target.kind == "fill_rate":
                assert abs(achieved - expected[name]) < 0.01, (index, name, achieved)
        if index == 2:  # lots of 17 days alone serve more than 90 %: no safety stock
            assert (policies.safety_stock[pick] == 0).all()
            assert expected["daily"] > 0.95
        elif target.kind == "fill_rate":
            assert_allclose(expected["daily"], target.level, rtol=1e-9)
            assert abs(expected["weekly"] - target.level) < 0.005
        else:
            cycles = daily.cycles_without_stockout[pick].sum() / daily.cycles[pick].sum()
            assert target.level - 0.005 < cycles < target.level + 0.04, cycles


# --- input checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"demand_mean": np.array([5.0, -1.0])}, "Demand mean must be >= 0"),
        ({"demand_mean": np.array([5.0, NAN])}, "Demand mean is missing"),
        ({"lead_time_mean": np.array([-2.0, 5.0])}, "Lead time must be >= 0"),
        ({"lead_time_std": np.array([-1.0, 1.0])}, "Lead-time standard deviation must be >= 0"),
        ({"review_period": 0.0}, "Review period must be > 0"),
        ({"unit_price": 0.0}, "Unit price must be > 0"),
        ({"holding_rate": -0.1}, "Holding rate must be > 0"),
        ({"demand_error_std": np.array([1.0, 2.0, 3.0])}, "one value per SKU-site"),
        ({"abc": np.array(["A", "B", "C"])}, "ABC class must be a label or one label per"),
        ({"demand_mean": np.ones((2, 2))}, "1-D array"),
        ({"demand_level_error_std": -1.0}, "level-error standard deviation must be >= 0"),
        ({"demand_level_error_std": 9.0}, "cannot exceed it"),
    ],
)
def test_compute_policies_refuses_impossible_input(changes: dict, message: str) -> None:
    with pytest.raises(EngineInputError, match=message):
        compute_policies(inputs(**changes))


@pytest.mark.parametrize(
    "config",
    [
        {"missing_lead_time_cv": -0.1},
        {"missing_lead_time_cv": NAN},
        {"default_lead_time_days": -3.0},
    ],
)
def test_policy_config_refuses_impossible_values(config: dict) -> None:
    with pytest.raises(EngineInputError):
        PolicyConfig(**config)
