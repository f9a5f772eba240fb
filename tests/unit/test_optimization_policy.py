"""Policy parameters per SKU-site: hand-computed rows, the service matrix, missing lead-time
data, edge cases, properties over random inputs and input checks."""

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
from optimization.engine.safety_stock import fill_rate, normal_loss
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
    # sigma_L = sqrt(10 * 64 + 400 * 4) = sqrt(2240); z(0.99) = 2.3263
    sigma = np.sqrt(2240.0)
    z = stats.norm.ppf(0.99)
    assert policies.service_kind[1] == "cycle_service"
    assert_allclose(policies.lead_time_demand_std[1], sigma)
    assert_allclose(policies.safety_stock[1], z * sigma)
    assert_allclose(policies.reorder_point[1], 20 * 10 + z * sigma)
    # periodic: sigma_{L+R} = sqrt(17 * 64 + 1600) = sqrt(2688); S = 20 * 17 + z sigma
    assert_allclose(policies.review_demand_std[1], np.sqrt(2688.0))
    assert_allclose(policies.order_up_to[1], 340 + z * np.sqrt(2688.0))


def test_a_fill_rate_row_delivers_its_target() -> None:
    policies = compute_policies(inputs())
    # EOQ: sqrt(2 * 7300 * 60 / (0.25 * 12)) = sqrt(292,000) = 540.37 -> 540 units
    assert policies.service_kind[0] == "fill_rate"
    assert policies.order_quantity[0] == 540.0
    k = policies.safety_factor[0]
    sigma = policies.lead_time_demand_std[0]
    assert_allclose(sigma * normal_loss(k), 0.01 * 540.0)
    assert_allclose(policies.safety_stock[0], k * sigma)
    # periodic review: expected demand per review 140 over sigma_{L+R}
    k_review = policies.safety_factor_periodic[0]
    assert_allclose(fill_rate(k_review, 140.0, policies.review_demand_std[0]), [0.99])


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
    assert_allclose(policies.safety_factor, stats.norm.ppf(0.999))
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


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
