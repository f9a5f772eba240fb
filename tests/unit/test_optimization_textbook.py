"""The seed's textbook policy: known answers, the trailing-year statistics it reads, the
supplier rounding of a stored Q, input checks, and properties of SS."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import norm

from optimization.engine.textbook import placeable_quantity, textbook_policies, textbook_policy
from optimization.engine.types import EngineInputError


def test_safety_stock_and_reorder_point_of_the_textbook_case() -> None:
    """d = 10 units/day, sigma = 3, L = 4 days, z = 1.645: SS = 1.645 * 2 * 3 = 9.87 and
    ROP = 10 * 4 + 9.87 = 49.87."""
    policy = textbook_policy(
        10.0,
        3.0,
        safety_factor=1.645,
        lead_time=4.0,
        order_cost=50.0,
        unit_price=2.0,
        holding_rate=0.25,
    )

    assert_allclose(policy.safety_stock, [9.87])
    assert_allclose(policy.reorder_point, [49.87])


def test_order_quantity_is_the_plain_eoq() -> None:
    """D = 3,650 units/year, S = 50, H = 0.25 * 2 = 0.5: EOQ = sqrt(2 * 3650 * 50 / 0.5) =
    854.4 units."""
    policy = textbook_policy(
        10.0,
        3.0,
        safety_factor=1.645,
        lead_time=4.0,
        order_cost=50.0,
        unit_price=2.0,
        holding_rate=0.25,
    )

    assert_allclose(policy.order_quantity, [np.sqrt(730000.0)])
    assert_allclose(policy.order_quantity, [854.4003745], rtol=1e-9)


def test_a_sku_site_without_demand_orders_one_unit_and_holds_no_safety_stock() -> None:
    policy = textbook_policy(
        0.0,
        0.0,
        safety_factor=2.0,
        lead_time=10.0,
        order_cost=50.0,
        unit_price=2.0,
        holding_rate=0.25,
    )

    assert_array_equal(policy.order_quantity, [1.0])
    assert_array_equal(policy.safety_stock, [0.0])
    assert_array_equal(policy.reorder_point, [0.0])


def test_statistics_come_from_the_trailing_year_of_raw_demand() -> None:
    # An old year of 100 a day, then a year alternating 8 and 12: mean 10, std 2 (population).
    recent = np.tile([8.0, 12.0], 183)[:365]
    history = np.concatenate([np.full(200, 100.0), recent])[None, :]

    policy = textbook_policies(
        history,
        service_level=0.95,
        lead_time=9.0,
        order_cost=50.0,
        unit_price=2.0,
        holding_rate=0.25,
    )

    assert_allclose(policy.demand_mean, [recent.mean()])
    assert_allclose(policy.demand_std, [recent.std()])
    assert_allclose(policy.safety_stock, [1.6448536 * 3.0 * recent.std()], rtol=1e-6)


def test_z_is_read_from_the_service_level_per_sku_site() -> None:
    history = np.tile([8.0, 12.0], (2, 182))  # 364 days, std 2 for both rows

    policy = textbook_policies(
        history,
        service_level=np.array([0.5, 0.975]),
        lead_time=4.0,
        order_cost=50.0,
        unit_price=2.0,
        holding_rate=0.25,
    )

    assert_allclose(policy.safety_stock, [0.0, 1.959964 * 2.0 * 2.0], atol=1e-5)


def test_a_stored_quantity_is_lifted_to_what_the_supplier_accepts() -> None:
    assert_array_equal(
        placeable_quantity(
            [854.4, 854.4, 3.0, 0.5], [0.0, 1000.0, 0.0, 0.0], [1.0, 1.0, 12.0, 1.0]
        ),
        [855.0, 1000.0, 12.0, 1.0],
    )


def test_bad_inputs_are_refused_with_a_message() -> None:
    common = {"lead_time": 4.0, "order_cost": 50.0, "unit_price": 2.0, "holding_rate": 0.25}
    with pytest.raises(EngineInputError, match="2-D"):
        textbook_policies(np.ones(10), service_level=0.95, **common)
    with pytest.raises(EngineInputError, match="not negative"):
        textbook_policies(-np.ones((1, 10)), service_level=0.95, **common)
    with pytest.raises(EngineInputError, match="Service level"):
        textbook_policies(np.ones((1, 10)), service_level=1.0, **common)
    with pytest.raises(EngineInputError, match="Unit price"):
        textbook_policies(np.ones((1, 10)), service_level=0.9, **{**common, "unit_price": 0.0})
    with pytest.raises(EngineInputError, match="Order multiple"):
        placeable_quantity(10.0, 0.0, 0.0)


positive = st.floats(min_value=0.01, max_value=1e4, allow_nan=False)


@settings(deadline=None)
@given(
    mean=st.floats(min_value=0.0, max_value=1e4),
    sigma=positive,
    more_sigma=positive,
    lead=st.floats(min_value=0.5, max_value=365.0),
    more_lead=st.floats(min_value=0.1, max_value=100.0),
    level=st.floats(min_value=0.51, max_value=0.999),
)
def test_safety_stock_grows_with_sigma_and_lead_time_and_nothing_caps_the_order(
    *,
    mean: float,
    sigma: float,
    more_sigma: float,
    lead: float,
    more_lead: float,
    level: float,
) -> None:
    z = float(norm.ppf(level))
    terms = {"order_cost": 50.0, "unit_price": 3.0, "holding_rate": 0.25}
    base = textbook_policy(mean, sigma, safety_factor=z, lead_time=lead, **terms)
    wider = textbook_policy(mean, sigma + more_sigma, safety_factor=z, lead_time=lead, **terms)
    longer = textbook_policy(mean, sigma, safety_factor=z, lead_time=lead + more_lead, **terms)

    assert wider.safety_stock[0] > base.safety_stock[0]
    assert longer.safety_stock[0] > base.safety_stock[0]
    assert_allclose(base.reorder_point, base.demand_mean * lead + base.safety_stock)
    # No shelf-life cap, no price break: Q is the plain EOQ (at least one unit) whatever else.
    eoq = max(np.sqrt(2 * mean * 365 * 50.0 / (0.25 * 3.0)), 1.0)
    assert_allclose(base.order_quantity, [eoq])
