"""Supplier scorecards against figures worked out by hand on a small fixture.

Supplier S, one SKU (quoted lead time 10 days, 10.00 a unit, 9.00 from 100 units), October
2026, evaluated on 15 November:

    PO-1 ordered 25 Sep, sent earlier      L1: 100 due 5 Oct, 100 received 4 Oct
                                           L2: 100 due 10 Oct, 60 on 9 Oct, 40 on 14 Oct
                                               (30 of those 40 accepted)
    PO-2 ordered 12 Oct, sent 12 Oct 09:00, acknowledged 13 Oct 21:00 (36 h)
                                           L3: 50 at 10.50 due 20 Oct, received 25 Oct
                                           L4: 80 at 10.00 due 28 Oct, nothing received
                                           L5: 20 requested 30 Oct, confirmed for 3 Nov

Lines due in October: L1-L4. On time (first delivery by the due date): L1, L2 = 2/4. In
full by 15 Nov: L1, L2, L3 = 3/4. OTIF (in full by the due date): L1 = 1/4.
Quality: 240 accepted of 250 received = 0.96.
Lead times (order to receipt): 9, 14, 19, 13 days: mean 13.75, sample std sqrt(50.75/3) =
4.1130; trend: slope 38/242 days a day = 57.31 days a year.
Price: PO-2 lines paid 525 + 800 + 200 = 1,525 against 500 + 800 + 200 = 1,500 agreed:
+1.667 %. Components: OTIF 25, quality 96, lead time 100 (1 - 3.75/10) = 62.5, price
100 - 16.67 = 83.33, acknowledgement 100 (1 - 12/144) = 91.67. Score 0.40 x 25 + 0.25 x 96 +
0.15 x 62.5 + 0.10 x 83.33 + 0.10 x 91.67 = 60.875: grade C.
"""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from suppliers.models import ScorecardWeights, SupplierItem, SupplierScorecard
from suppliers.scoring import Weights, components, score_and_grade
from suppliers.services.purchase_orders import purchase_order_line_receive
from suppliers.services.scorecards import scorecards_compute
from tests.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SkuFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 15)
OCTOBER = date(2026, 10, 1)


def at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def receive(line, day: date, units: int, accepted: int | None = None) -> None:  # type: ignore[no-untyped-def]
    purchase_order_line_receive(
        actor=None,
        line=line,
        quantity_received=units,
        quantity_accepted=accepted,
        lot_number=f"L{line.pk}-{day:%m%d}",
        expiry_date=date(2029, 1, 1),
        today=day,
    )


@pytest.fixture
def supplier():  # type: ignore[no-untyped-def]
    supplier = SupplierFactory()
    sku = SkuFactory()
    SupplierItem.objects.create(
        supplier=supplier,
        sku=sku,
        lead_time_mean_days=10,
        unit_price=Decimal("10.00"),
        price_breaks=[{"min_quantity": 100, "unit_price": "9.00"}],
    )
    first = PurchaseOrderFactory(supplier=supplier, ordered_on=date(2026, 9, 25), status="sent")
    l1 = PurchaseOrderLineFactory(
        purchase_order=first, sku=sku, quantity=100, unit_price=9, requested_date=date(2026, 10, 5)
    )
    l2 = PurchaseOrderLineFactory(
        purchase_order=first, sku=sku, quantity=100, unit_price=9, requested_date=date(2026, 10, 10)
    )
    second = PurchaseOrderFactory(
        supplier=supplier,
        ordered_on=date(2026, 10, 12),
        status="sent",
        sent_at=at(date(2026, 10, 12), 9),
        acknowledged_at=at(date(2026, 10, 13), 21),
    )
    l3 = PurchaseOrderLineFactory(
        purchase_order=second,
        sku=sku,
        quantity=50,
        unit_price=Decimal("10.50"),
        requested_date=date(2026, 10, 20),
    )
    PurchaseOrderLineFactory(
        purchase_order=second,
        sku=sku,
        quantity=80,
        unit_price=10,
        requested_date=date(2026, 10, 28),
    )
    PurchaseOrderLineFactory(
        purchase_order=second,
        sku=sku,
        quantity=20,
        unit_price=10,
        requested_date=date(2026, 10, 30),
        confirmed_date=date(2026, 11, 3),
    )
    receive(l1, date(2026, 10, 4), 100)
    receive(l2, date(2026, 10, 9), 60)
    receive(l2, date(2026, 10, 14), 40, accepted=30)
    receive(l3, date(2026, 10, 25), 50)
    return supplier


def october(supplier) -> SupplierScorecard:  # type: ignore[no-untyped-def]
    scorecards_compute(months=2, supplier_id=supplier.pk, today=TODAY)
    return SupplierScorecard.objects.get(supplier=supplier, month=OCTOBER)


def test_delivery_rates_count_the_lines_due_in_the_month(supplier) -> None:  # type: ignore[no-untyped-def]
    card = october(supplier)

    assert (card.lines_due, card.lines_on_time, card.lines_in_full, card.lines_otif) == (4, 2, 3, 1)
    assert (card.on_time_rate, card.in_full_rate, card.otif_rate) == (0.5, 0.75, 0.25)


def test_quality_acceptance_counts_rejected_units(supplier) -> None:  # type: ignore[no-untyped-def]
    card = october(supplier)

    assert (card.units_received, card.units_accepted) == (250, 240)
    assert card.quality_acceptance_rate == pytest.approx(0.96)


def test_lead_time_statistics_against_the_agreed_lead_time(supplier) -> None:  # type: ignore[no-untyped-def]
    card = october(supplier)

    assert card.receipts == 4
    assert card.lead_time_mean == pytest.approx(13.75)
    assert card.lead_time_std == pytest.approx(4.1130, abs=1e-4)
    assert card.lead_time_trend == pytest.approx(38 / 242 * 365)
    assert card.agreed_lead_time == pytest.approx(10.0)


def test_price_variance_against_the_agreed_price_at_the_quantity(supplier) -> None:  # type: ignore[no-untyped-def]
    assert october(supplier).price_variance == pytest.approx(1525 / 1500 - 1)


def test_acknowledgement_hours(supplier) -> None:  # type: ignore[no-untyped-def]
    assert october(supplier).acknowledgement_hours == pytest.approx(36.0)


def test_weighted_score_and_grade(supplier) -> None:  # type: ignore[no-untyped-def]
    card = october(supplier)

    assert card.components == pytest.approx(
        {
            "otif": 25.0,
            "quality": 96.0,
            "lead_time": 62.5,
            "price": 83.33,
            "acknowledgement": 91.67,
        },
        abs=0.01,
    )
    assert card.score == pytest.approx(60.875, abs=0.001)
    assert card.grade == "C"


def test_weights_are_master_data(supplier) -> None:  # type: ignore[no-untyped-def]
    ScorecardWeights.objects.filter(name="default").update(
        otif=Decimal("0"), quality=Decimal("1"), lead_time=0, price=0, acknowledgement=0
    )

    card = october(supplier)

    assert card.score == pytest.approx(96.0)
    assert card.grade == "A"


def test_the_current_month_counts_lines_due_so_far(supplier) -> None:  # type: ignore[no-untyped-def]
    scorecards_compute(months=1, supplier_id=supplier.pk, today=TODAY)

    november = SupplierScorecard.objects.get(supplier=supplier, month=date(2026, 11, 1))
    assert (november.lines_due, november.lines_on_time, november.otif_rate) == (1, 0, 0.0)


def test_a_month_without_deliveries_has_no_rates_no_score_and_no_grade(supplier) -> None:  # type: ignore[no-untyped-def]
    scorecards_compute(months=4, supplier_id=supplier.pk, today=TODAY)

    august = SupplierScorecard.objects.get(supplier=supplier, month=date(2026, 8, 1))
    assert august.lines_due == 0
    assert august.otif_rate is None and august.quality_acceptance_rate is None
    assert (august.score, august.grade) == (None, "")


def test_recomputing_updates_rather_than_duplicates(supplier) -> None:  # type: ignore[no-untyped-def]
    scorecards_compute(months=2, supplier_id=supplier.pk, today=TODAY)
    scorecards_compute(months=2, supplier_id=supplier.pk, today=TODAY)

    assert SupplierScorecard.objects.filter(supplier=supplier).count() == 2


def test_an_order_unacknowledged_for_a_week_counts_a_week() -> None:
    from suppliers.scoring import acknowledgement_hours

    sent = at(date(2026, 10, 1), 8)
    assert acknowledgement_hours([(sent, None)], at(date(2026, 10, 20), 8)) == 168.0
    assert acknowledgement_hours([(sent, None)], at(date(2026, 10, 3), 8)) is None


def test_the_score_uses_only_the_components_a_month_has() -> None:
    parts = components({"quality_acceptance_rate": 0.8, "otif_rate": None})

    assert parts == {"quality": 80.0}
    assert score_and_grade(parts, Weights()) == (pytest.approx(80.0), "B")


@pytest.mark.parametrize(
    ("measures", "expected"),
    [
        ({"lead_time_mean": 8.0, "agreed_lead_time": 10.0}, {"lead_time": 100.0}),
        ({"lead_time_mean": 25.0, "agreed_lead_time": 10.0}, {"lead_time": 0.0}),
        ({"price_variance": -0.05}, {"price": 100.0}),
        ({"price_variance": 0.2}, {"price": 0.0}),
        ({"acknowledgement_hours": 10.0}, {"acknowledgement": 100.0}),
        ({"acknowledgement_hours": 500.0}, {"acknowledgement": 0.0}),
    ],
)
def test_components_stay_between_0_and_100(measures, expected) -> None:  # type: ignore[no-untyped-def]
    assert components(measures) == pytest.approx(expected)
