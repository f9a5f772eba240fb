"""Order suggestions from the stock projection: when, how much, urgency and the reasons."""

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimization.engine.replenishment import (
    ProjectionInputs,
    ReasonFacts,
    reason_codes,
    reason_text,
    suggest_orders,
    unit_price_at,
)
from optimization.engine.types import EngineInputError

HORIZON = 30


def one(**overrides: object) -> ProjectionInputs:
    """One SKU-site: 10 a day, position 100 = on hand, reorder point 55, lots of 100, lead 5."""
    values = {
        "demand": np.full((1, HORIZON), 10.0),
        "receipts": np.zeros((1, HORIZON)),
        "inventory_position": np.array([100.0]),
        "on_hand": np.array([100.0]),
        "backorders": np.array([0.0]),
        "reorder_point": np.array([55.0]),
        "order_quantity": np.array([100.0]),
        "order_multiple": np.array([10.0]),
        "shelf_life_cap": np.array([math.inf]),
        "lead_time_days": np.array([5.0]),
        "window": 7,
    }
    values.update(overrides)
    return ProjectionInputs(**values)  # type: ignore[arg-type]


def test_orders_on_the_first_day_the_position_reaches_the_reorder_point() -> None:
    # position before day t's demand: 100 - 10 t; <= 55 first at t = 5
    result = suggest_orders(one())
    assert result.orders[0]
    assert result.order_day[0] == 5
    assert result.position_at_order[0] == 50
    assert result.arrival_day[0] == 10


def test_no_order_when_the_reorder_point_is_not_reached_within_the_review_window() -> None:
    result = suggest_orders(one(inventory_position=np.array([200.0])))
    assert not result.orders[0]
    assert result.quantity[0] == 0
    assert result.order_day[0] == -1


def test_no_order_without_demand_even_at_a_zero_reorder_point() -> None:
    result = suggest_orders(
        one(
            demand=np.zeros((1, HORIZON)),
            inventory_position=np.array([0.0]),
            reorder_point=np.array([0.0]),
        )
    )
    assert not result.orders[0]


def test_several_lots_when_one_lot_would_leave_the_position_below_the_reorder_point() -> None:
    result = suggest_orders(one(inventory_position=np.array([-160.0])))
    # shortfall 55 - (-160) = 215 -> floor(215 / 100) + 1 = 3 lots
    assert result.order_day[0] == 0
    assert result.lots[0] == 3
    assert result.quantity[0] == 300


def test_several_lots_are_capped_by_shelf_life_in_whole_multiples() -> None:
    result = suggest_orders(
        one(inventory_position=np.array([-160.0]), shelf_life_cap=np.array([255.0]))
    )
    assert result.capped[0]
    assert result.quantity[0] == 250


def test_the_cap_never_cuts_below_one_lot() -> None:
    result = suggest_orders(one(shelf_life_cap=np.array([40.0])))
    assert result.quantity[0] == 100
    assert not result.capped[0]


def test_stockout_day_is_the_first_day_on_hand_goes_below_zero() -> None:
    # 100 on hand, 10 a day: end of day t on hand = 100 - 10 (t + 1); below zero at t = 10
    result = suggest_orders(one())
    assert result.stockout_day[0] == 10


def test_scheduled_receipts_postpone_the_stockout() -> None:
    receipts = np.zeros((1, HORIZON))
    receipts[0, 8] = 100
    result = suggest_orders(one(receipts=receipts))
    assert result.stockout_day[0] == 20


def test_backorders_come_off_the_on_hand_projection() -> None:
    result = suggest_orders(one(backorders=np.array([30.0])))
    assert result.on_hand_without[0, 0] == 100 - 30 - 10


def test_projection_with_the_order_adds_it_from_its_arrival_day() -> None:
    result = suggest_orders(one())
    difference = result.on_hand_with[0] - result.on_hand_without[0]
    assert np.all(difference[:10] == 0)
    assert np.all(difference[10:] == 100)


def test_urgency_critical_when_the_stockout_comes_before_the_order_can_arrive() -> None:
    result = suggest_orders(one(lead_time_days=np.array([12.0])))
    assert result.urgency[0] == "critical"


def test_urgency_high_when_the_order_is_due_today() -> None:
    result = suggest_orders(
        one(
            inventory_position=np.array([50.0]),
            on_hand=np.array([500.0]),
        )
    )
    assert result.order_day[0] == 0
    assert result.urgency[0] == "high"


def test_urgency_normal_for_a_later_day_of_the_window() -> None:
    assert suggest_orders(one()).urgency[0] == "normal"


def test_refuses_a_demand_table_of_the_wrong_shape() -> None:
    with pytest.raises(EngineInputError, match="receipts"):
        suggest_orders(one(receipts=np.zeros((1, HORIZON - 1))))


def test_refuses_a_window_longer_than_the_horizon() -> None:
    with pytest.raises(EngineInputError, match="window"):
        suggest_orders(one(window=HORIZON + 1))


def test_refuses_missing_reorder_points() -> None:
    with pytest.raises(EngineInputError, match="reorder_point is missing"):
        suggest_orders(one(reorder_point=np.array([np.nan])))


def test_refuses_a_zero_order_quantity() -> None:
    with pytest.raises(EngineInputError, match="order_quantity"):
        suggest_orders(one(order_quantity=np.array([0.0])))


@settings(max_examples=150, deadline=None)
@given(
    position=st.floats(-500, 500),
    reorder_point=st.floats(0, 400),
    lot=st.integers(1, 300),
    daily=st.floats(0.1, 50),
)
def test_an_order_always_lifts_the_position_above_the_reorder_point(
    position: float, reorder_point: float, lot: int, daily: float
) -> None:
    result = suggest_orders(
        one(
            demand=np.full((1, HORIZON), daily),
            inventory_position=np.array([position]),
            reorder_point=np.array([reorder_point]),
            order_quantity=np.array([float(lot)]),
            order_multiple=np.array([1.0]),
        )
    )
    if result.orders[0]:
        assert result.position_at_order[0] <= reorder_point
        assert result.position_at_order[0] + result.quantity[0] > reorder_point
        # and with the fewest lots: one lot less would not
        assert result.position_at_order[0] + result.quantity[0] - lot <= reorder_point + 1e-9
    else:
        days = np.arange(7)
        assert np.all(position - daily * days > reorder_point)


def facts(**overrides: object) -> ReasonFacts:
    values = {
        "start": date(2026, 12, 1),
        "order_day": 2,
        "position": 420.0,
        "reorder_point": 515.0,
        "stockout_day": 10,
        "arrival_day": 16,
        "backorders": 0.0,
        "lot_reason": "eoq",
        "eoq": 590.0,
        "moq": 100.0,
        "order_multiple": 50.0,
        "lot_quantity": 600.0,
        "quantity": 600.0,
        "lots": 1,
        "capped": False,
        "shelf_life_cap": math.inf,
    }
    values.update(overrides)
    return ReasonFacts(**values)  # type: ignore[arg-type]


def test_reason_text_reads_like_a_planner_would_say_it() -> None:
    assert reason_text(facts(stockout_day=20)) == (
        "Position 420 falls below reorder point 515 on 3 Dec; stock-out projected 21 Dec "
        "without this order; quantity 600 = EOQ 590 rounded to multiple 50."
    )


def test_reason_for_an_order_due_today() -> None:
    codes = reason_codes(facts(order_day=0))
    assert codes[0] == "below_reorder_point"
    assert "today" in reason_text(facts(order_day=0))


def test_reason_for_a_later_order_day() -> None:
    assert reason_codes(facts())[0] == "reaches_reorder_point"


def test_reason_for_a_stockout_before_arrival() -> None:
    codes = reason_codes(facts())
    assert {"stockout_projected", "stockout_before_arrival"} <= set(codes)
    assert "before it can arrive on 17 Dec: expedite or transfer" in reason_text(facts())


def test_reason_without_a_projected_stockout() -> None:
    codes = reason_codes(facts(stockout_day=-1))
    assert "stockout_projected" not in codes
    assert "stock-out" not in reason_text(facts(stockout_day=-1))


def test_reason_for_backorders() -> None:
    assert "backorders" in reason_codes(facts(backorders=12))
    assert "12 units on backorder" in reason_text(facts(backorders=12))


@pytest.mark.parametrize(
    ("lot_reason", "words"),
    [
        ("moq", "the supplier's MOQ 100 (above the EOQ 590)"),
        ("price_break", "the price-break quantity 600 (above the EOQ 590)"),
        ("shelf_life", "the most usable before expiry, 640 (below the EOQ 590)"),
        ("shelf_life_conflict", "the MOQ 100, although only 640 can be used before expiry"),
    ],
)
def test_reason_names_how_the_lot_size_was_chosen(lot_reason: str, words: str) -> None:
    text = reason_text(facts(lot_reason=lot_reason, shelf_life_cap=640.0))
    assert lot_reason in reason_codes(facts(lot_reason=lot_reason))
    assert words in text


def test_reason_for_several_lots_and_the_shelf_life_cap() -> None:
    several = facts(lots=3, quantity=1500.0, capped=True, shelf_life_cap=1500.0)
    assert {"several_lots", "capped_by_shelf_life"} <= set(reason_codes(several))
    assert "3 lots of 600 to lift the position above the reorder point" in reason_text(several)
    assert reason_text(several).endswith(", capped by shelf life.")


def test_reason_for_a_transfer_that_reduces_the_order() -> None:
    moved = replace(facts(), transfer_in=200.0, transfer_from="WH-01")
    assert "reduced_by_transfer" in reason_codes(moved)
    assert "less 200 coming by transfer from WH-01" in reason_text(moved)


def test_all_units_price_of_the_largest_break_reached() -> None:
    breaks = [(100.0, 9.5), (500.0, 9.0)]
    assert unit_price_at(99, 10.0, breaks) == 10.0
    assert unit_price_at(100, 10.0, breaks) == 9.5
    assert unit_price_at(750, 10.0, breaks) == 9.0


def test_reason_names_the_eoq_at_the_price_paid_when_a_break_moves_it() -> None:
    text = reason_text(
        facts(eoq=69.0, lot_quantity=71.0, quantity=142.0, lots=2, order_multiple=1.0)
    )
    assert "quantity 142 = EOQ 71 at the price paid (list-price EOQ 69)" in text


# ---- shipments to the sites a site replenishes ---------------------------------------------------


def test_a_shipment_lowers_the_position_on_its_own_day() -> None:
    # 200 - 10 t stays above 55 all week; 100 shipped on day 2 brings day 2 to 80, day 3 to 70
    shipments = np.zeros((1, HORIZON))
    shipments[0, 2] = 100.0

    result = suggest_orders(
        one(inventory_position=np.array([200.0]), on_hand=np.array([200.0]), shipments=shipments)
    )

    assert result.orders[0]
    assert result.order_day[0] == 5  # 200 - 50 - 100 = 50 <= 55
    assert result.position_at_order[0] == 50
    assert result.on_hand_without[0, 2] == pytest.approx(200 - 30 - 100)


def test_shipments_alone_make_a_site_without_demand_order() -> None:
    shipments = np.zeros((1, HORIZON))
    shipments[0, 0] = 60.0

    result = suggest_orders(
        one(
            demand=np.zeros((1, HORIZON)), inventory_position=np.array([100.0]), shipments=shipments
        )
    )

    assert result.orders[0] and result.order_day[0] == 0
    assert result.position_at_order[0] == 40


def test_shipments_must_have_the_shape_of_demand() -> None:
    with pytest.raises(EngineInputError, match="shipments must have the shape"):
        suggest_orders(one(shipments=np.zeros((1, HORIZON - 1))))


def test_negative_shipments_are_refused() -> None:
    shipments = np.zeros((1, HORIZON))
    shipments[0, 3] = -1.0
    with pytest.raises(EngineInputError, match="shipments must be finite and >= 0"):
        suggest_orders(one(shipments=shipments))
