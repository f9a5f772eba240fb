from datetime import date, timedelta

import pytest

from forecasting.models import LeadTimeEstimate
from forecasting.services import lead_time_estimates_refresh
from suppliers.models import SupplierItem
from suppliers.services.purchase_orders import purchase_order_line_receive
from tests.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SkuFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 1)


def received(supplier, sku, ordered_on: date, lead_days: int) -> None:  # type: ignore[no-untyped-def]
    order = PurchaseOrderFactory(supplier=supplier, ordered_on=ordered_on)
    line = PurchaseOrderLineFactory(purchase_order=order, sku=sku, quantity=10)
    purchase_order_line_receive(
        actor=None,
        line=line,
        quantity_received=10,
        lot_number=f"L-{order.number}",
        expiry_date=date(2030, 1, 1),
        today=ordered_on + timedelta(days=lead_days),
    )


@pytest.fixture
def supplier_items():  # type: ignore[no-untyped-def]
    supplier = SupplierFactory()
    steady, new = SkuFactory(), SkuFactory()
    for sku in (steady, new):
        SupplierItem.objects.create(
            supplier=supplier, sku=sku, lead_time_mean_days=14, lead_time_std_days=3, unit_price=5
        )
    for number, lead in enumerate([20, 22, 18, 21, 19, 20]):
        received(supplier, steady, TODAY - timedelta(days=300 - 40 * number), lead)
    received(supplier, new, TODAY - timedelta(days=60), 30)
    return supplier, steady, new


def test_estimates_come_from_receipts_where_there_are_enough(supplier_items) -> None:  # type: ignore[no-untyped-def]
    supplier, steady, _ = supplier_items

    assert lead_time_estimates_refresh(today=TODAY) == 2

    estimate = LeadTimeEstimate.objects.get(supplier=supplier, sku=steady)
    assert (estimate.source, estimate.observations) == ("history", 6)
    assert estimate.mean_days == 20.0
    assert estimate.std_days == pytest.approx(1.41, abs=0.01)
    assert (estimate.terms_mean_days, estimate.terms_std_days) == (14.0, 3.0)


def test_a_supplier_sku_with_one_receipt_plans_with_the_quoted_terms(supplier_items) -> None:  # type: ignore[no-untyped-def]
    supplier, _, new = supplier_items

    lead_time_estimates_refresh(today=TODAY)

    estimate = LeadTimeEstimate.objects.get(supplier=supplier, sku=new)
    assert (estimate.source, estimate.observations) == ("terms", 1)
    assert (estimate.mean_days, estimate.std_days) == (14.0, 3.0)


def test_refreshing_twice_replaces_the_estimates(supplier_items) -> None:  # type: ignore[no-untyped-def]
    lead_time_estimates_refresh(today=TODAY)
    lead_time_estimates_refresh(today=TODAY)

    assert LeadTimeEstimate.objects.count() == 2


def test_orders_older_than_the_history_window_are_left_out(supplier_items) -> None:  # type: ignore[no-untyped-def]
    supplier, steady, _ = supplier_items

    lead_time_estimates_refresh(today=TODAY, history_days=150)

    estimate = LeadTimeEstimate.objects.get(supplier=supplier, sku=steady)
    assert (estimate.source, estimate.observations) == ("terms", 2)  # ordered 140 and 100 days ago
