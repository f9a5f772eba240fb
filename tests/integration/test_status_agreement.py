"""A stock position's status and the stock alerts say the same thing: the positions carry the
current policy's safety stock and reorder point, and the stock-out rule's verdict, so no list
calls "OK" what an alert calls a stock-out or a shortfall below safety stock."""

import math

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.roles import Role
from alerts.models import ACTIVE_STATUSES, Alert, AlertKind
from alerts.services.evaluation import alerts_evaluate
from demo import generator as demo_data
from inventory.models import Lot, StockPosition, StockStatus
from inventory.services.dispense import stock_dispense
from optimization.models import InventoryPolicy

pytestmark = pytest.mark.django_db
SHORT = {StockStatus.STOCKOUT, StockStatus.BELOW_SAFETY}


@pytest.fixture
def night() -> None:
    demo_data.generate_demo_data(
        demo_data.DemoConfig(
            skus=40, days=200, sites=8, suppliers=3, seed=11, today=timezone.localdate()
        )
    )
    call_command("run_nightly")


def active(kind: str) -> set[tuple[int, int]]:
    return set(
        Alert.objects.filter(kind=kind, status__in=ACTIVE_STATUSES).values_list("sku_id", "site_id")
    )


def statuses() -> dict[tuple[int, int], str]:
    return {
        (sku, site): status
        for sku, site, status in StockPosition.objects.values_list("sku_id", "site_id", "status")
    }


def assert_statuses_agree_with_alerts() -> None:
    status = statuses()
    below, stockout = active(AlertKind.BELOW_SAFETY_STOCK), active(AlertKind.STOCKOUT_RISK)
    assert {key for key, value in status.items() if value == StockStatus.BELOW_SAFETY} <= below
    assert all(status[key] in SHORT for key in below)
    assert all(status[key] in {*SHORT, StockStatus.STOCKOUT_RISK} for key in stockout)
    assert {key for key, value in status.items() if value == StockStatus.STOCKOUT_RISK} <= (
        stockout
    )


def test_positions_carry_the_current_policy_levels_rounded_up(night) -> None:  # type: ignore[no-untyped-def]
    policies = list(
        InventoryPolicy.objects.values_list("sku_id", "site_id", "safety_stock", "reorder_point")
    )
    assert policies
    levels = {
        (sku, site): (safety, reorder)
        for sku, site, safety, reorder in StockPosition.objects.values_list(
            "sku_id", "site_id", "safety_stock", "reorder_point"
        )
    }
    for sku, site, safety, reorder in policies:
        assert levels[(sku, site)] == (math.ceil(safety - 1e-9), math.ceil(reorder - 1e-9))


def test_after_the_night_every_status_agrees_with_the_stock_alerts(night) -> None:  # type: ignore[no-untyped-def]
    assert active(AlertKind.BELOW_SAFETY_STOCK) or active(AlertKind.STOCKOUT_RISK)

    assert_statuses_agree_with_alerts()


def test_a_dispense_that_drains_a_site_turns_its_status_with_the_alert(night, make_user) -> None:  # type: ignore[no-untyped-def]
    position = (
        StockPosition.objects.filter(
            status=StockStatus.OK,
            on_hand__gt=1,
            safety_stock__gt=1,
            on_order=0,
            in_transit=0,
            backorders=0,
            allocated=0,
        )
        .order_by("-on_hand")
        .first()
    )
    assert position is not None
    lots = Lot.objects.usable(timezone.localdate()).filter(
        sku_id=position.sku_id, site_id=position.site_id
    )
    units = sum(lot.quantity for lot in lots) - 1
    stock_dispense(
        actor=make_user(Role.WAREHOUSE),
        sku=position.sku,
        site=position.site,
        quantity=units,
    )
    alerts_evaluate([AlertKind.STOCKOUT_RISK, AlertKind.BELOW_SAFETY_STOCK])

    position.refresh_from_db()
    assert position.on_hand == position.inventory_position == 1  # below its safety stock
    assert position.status == StockStatus.BELOW_SAFETY
    assert_statuses_agree_with_alerts()
