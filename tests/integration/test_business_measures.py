"""The business measures (reporting.selectors.business) on a hand-built ledger, against values
worked out by hand. The range is 2026-03-02..2026-03-15: 14 days, two weeks (03-02..03-08 and
03-09..03-15); holding rate 0.25.

SKU A1 (unit cost 10, class A) and C1 (unit cost 2, class C), both at hospital H1.

Ledger:
    A1: +100 on 02-20 (opening 1,000); issue -10 on 03-03; issue -5 on 03-10; +50 on 03-12.
    C1 lot 1: +40 on 02-25 (opening 80); write-off "expiry" -20 on 03-06; write-off
        "damaged" -5 on 03-07 (not expiry); issue -12 on 03-08 (the week's issue).
    C1 lot 2: +30 on 03-09.
Demand (a day goes to the first issue of its SKU-site within 6 days; an issue serves its days
in date order, days before the range first):
    A1: 02-27: 3 (before the range; takes 3 of the 03-03 issue), 03-03: 10 (served 7, short),
        03-09: 8 (issue 03-10 of 5: served 5, short), 03-14: 4 (no issue: 0, short), 03-15: 0.
    C1: 03-02: 5, 03-04: 5, 03-06: 5 (issue 03-08 of 12: 5, 5, 2 -> 03-06 short), 03-12: 3
        (no issue: 0, short).
Fill rate: asked 22 + 18 = 40, served 12 + 12 = 24 -> 0.6; by value: asked 220 + 36 = 256,
    served 120 + 24 = 144 -> 0.5625. Week 1: asked 25, served 19; week 2: asked 15, served 5.
Stock-out rate: 5 short days / (2 series x 14 days) = 5/28; week 1: 2/14, week 2: 3/14.
Inventory value at the end of each day:
    A1: 03-02 1,000; 03-03..03-09 900; 03-10..03-11 850; 03-12..03-15 1,350 -> 14,400
        (week 1: 6,400; week 2: 8,000).
    C1: 03-02..03-05 80; 03-06 40; 03-07 30; 03-08 6; 03-09..03-15 66 -> 858 (396; 462).
    Average: 15,258 / 14 = 1,089.857.
Cost of goods issued: 150 + 24 = 174; turnover 174 x 365/14 / 1,089.857 = 4.1624.
Carrying cost: 1,089.857 x 0.25 = 272.46 a year; for the 14 days 10.45.
Expired: 20 units, 40.00 (C1, week 1).
Emergency orders: one PO line from a critical suggestion ordered 03-10 (A1, 50 units); not
counted: a line from a normal suggestion on 03-10, a critical one ordered 02-20 and a line
entered by hand on 03-11.
"""

import json
from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from inventory.models import DailyDemand, Lot, StockMovement, StockPosition
from reporting.selectors.business import MeasureRangeError, business_measures
from tests.factories import (
    PlanRunFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SiteFactory,
    SkuFactory,
    SuggestedOrderFactory,
)

pytestmark = pytest.mark.django_db
START, END = date(2026, 3, 2), date(2026, 3, 15)


def at(day: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(f"2026-{day}T12:00:00"))


def lot(sku, site, number, moves):  # type: ignore[no-untyped-def]
    """A lot whose quantity is the sum of `moves`: (kind, quantity, "MM-DD", reference)."""
    created = Lot.objects.create(
        sku=sku,
        site=site,
        lot_number=number,
        expiry_date=date(2027, 1, 1),
        status="released",
        quantity=sum(quantity for _, quantity, _, _ in moves),
    )
    StockMovement.objects.bulk_create(
        StockMovement(
            kind=kind,
            quantity=quantity,
            lot=created,
            sku=sku,
            site=site,
            occurred_at=at(day),
            reference=reference,
        )
        for kind, quantity, day, reference in moves
    )


def demand(sku, site, rows: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    DailyDemand.objects.bulk_create(
        DailyDemand(sku=sku, site=site, date=date.fromisoformat(f"2026-{day}"), quantity=q)
        for day, q in rows.items()
    )


def emergency(sku, site, ordered_on: date, urgency: str = "critical") -> None:  # type: ignore[no-untyped-def]
    order = PurchaseOrderFactory(destination=site, ordered_on=ordered_on, status="approved")
    line = PurchaseOrderLineFactory(purchase_order=order, sku=sku, quantity=50)
    SuggestedOrderFactory(
        plan=PlanRunFactory(),
        sku=sku,
        site=site,
        supplier=order.supplier,
        urgency=urgency,
        status="approved",
        purchase_order_line=line,
        order_date=ordered_on,
    )


@pytest.fixture
def ledger(settings) -> dict:  # type: ignore[no-untyped-def]
    settings.OPTIMIZATION_HOLDING_RATE = 0.25
    a1, c1, h1 = SkuFactory(unit_cost=10), SkuFactory(unit_cost=2), SiteFactory()
    StockPosition.objects.create(sku=a1, site=h1, abc_class="A", xyz_class="X")
    StockPosition.objects.create(sku=c1, site=h1, abc_class="C", xyz_class="Z")
    lot(
        a1,
        h1,
        "LA",
        [
            ("receipt", 100, "02-20", "PO-1"),
            ("issue", -10, "03-03", ""),
            ("issue", -5, "03-10", ""),
            ("receipt", 50, "03-12", "PO-2"),
        ],
    )
    lot(
        c1,
        h1,
        "LC1",
        [
            ("receipt", 40, "02-25", "PO-3"),
            ("write_off", -20, "03-06", "expiry"),
            ("write_off", -5, "03-07", "damaged"),
            ("issue", -12, "03-08", "ISSUE-2026-W10"),
        ],
    )
    lot(c1, h1, "LC2", [("receipt", 30, "03-09", "PO-4")])
    demand(a1, h1, {"02-27": 3, "03-03": 10, "03-09": 8, "03-14": 4, "03-15": 0})
    demand(c1, h1, {"03-02": 5, "03-04": 5, "03-06": 5, "03-12": 3})
    emergency(a1, h1, date(2026, 3, 10))
    emergency(c1, h1, date(2026, 3, 10), urgency="normal")
    emergency(c1, h1, date(2026, 2, 20))
    PurchaseOrderLineFactory(
        purchase_order=PurchaseOrderFactory(destination=h1, ordered_on=date(2026, 3, 11)),
        sku=a1,
    )
    return {"a1": a1, "c1": c1, "h1": h1}


@pytest.fixture
def measures(ledger):  # type: ignore[no-untyped-def]
    return business_measures(start=START, end=END)


def test_fill_rate_pools_units_and_values(measures) -> None:  # type: ignore[no-untyped-def]
    total = measures.total

    assert (total.units_asked, total.units_served) == (40, 24)
    assert total.fill_rate == pytest.approx(0.6)
    assert (total.value_asked, total.value_served) == pytest.approx((256.0, 144.0))
    assert total.value_fill_rate == pytest.approx(0.5625)


def test_an_issue_serves_the_days_before_the_range_first(measures) -> None:  # type: ignore[no-untyped-def]
    a = measures.by_abc["A"]

    assert (a.units_asked, a.units_served, a.stockout_days) == (22, 12, 3)


def test_a_weekly_issue_serves_the_days_of_its_week_in_date_order(measures) -> None:  # type: ignore[no-untyped-def]
    c = measures.by_abc["C"]

    assert (c.units_asked, c.units_served, c.stockout_days) == (18, 12, 2)


def test_stock_out_rate_counts_days_of_every_sku_site_with_a_demand_series(measures) -> None:  # type: ignore[no-untyped-def]
    total = measures.total

    assert (total.stockout_days, total.sku_site_days) == (5, 28)
    assert total.stockout_rate == pytest.approx(5 / 28)


def test_average_inventory_value_is_rebuilt_from_the_ledger_day_by_day(measures) -> None:  # type: ignore[no-untyped-def]
    assert measures.by_abc["A"].inventory_value_days == pytest.approx(14400.0)
    assert measures.by_abc["C"].inventory_value_days == pytest.approx(858.0)
    assert measures.total.average_inventory_value == pytest.approx(15258 / 14)


def test_turnover_and_carrying_cost(measures) -> None:  # type: ignore[no-untyped-def]
    total = measures.total

    assert total.cogs_issued == pytest.approx(174.0)
    assert total.turnover == pytest.approx(174 * 365 / 14 / (15258 / 14))
    assert total.turnover == pytest.approx(4.1624, abs=1e-4)
    assert total.carrying_cost_per_year == pytest.approx(272.46, abs=0.005)
    assert total.carrying_cost == pytest.approx(10.45, abs=0.005)


def test_expired_value_counts_only_write_offs_at_expiry(measures) -> None:  # type: ignore[no-untyped-def]
    assert (measures.total.expired_units, measures.total.expired_value) == (20, 40.0)
    assert measures.by_abc["C"].expired_value == 40.0


def test_emergency_orders_are_lines_approved_from_critical_suggestions_in_range(measures) -> None:  # type: ignore[no-untyped-def]
    assert (measures.total.emergency_orders, measures.total.emergency_units) == (1, 50)
    assert measures.by_abc["A"].emergency_orders == 1
    assert measures.by_abc["C"].emergency_orders == 0


def test_the_weekly_series_splits_every_measure(measures) -> None:  # type: ignore[no-untyped-def]
    first, second = measures.weekly()

    assert [(w.start.isoformat(), w.end.isoformat()) for w in measures.weeks] == [
        ("2026-03-02", "2026-03-08"),
        ("2026-03-09", "2026-03-15"),
    ]
    assert (first.units_asked, first.units_served, first.stockout_days) == (25, 19, 2)
    assert (second.units_asked, second.units_served, second.stockout_days) == (15, 5, 3)
    assert (first.sku_site_days, second.sku_site_days) == (14, 14)
    assert (first.inventory_value_days, second.inventory_value_days) == pytest.approx(
        (6796.0, 8462.0)
    )
    assert (first.cogs_issued, second.cogs_issued) == pytest.approx((124.0, 50.0))
    assert (first.expired_value, second.expired_value) == (40.0, 0.0)
    assert (first.emergency_orders, second.emergency_orders) == (0, 1)
    assert [w.units_asked for w in measures.weekly("A")] == [10, 12]


def test_a_short_last_week_has_its_own_days(ledger) -> None:  # type: ignore[no-untyped-def]
    measures = business_measures(start=START, end=date(2026, 3, 10))

    assert [w.days for w in measures.weekly()] == [7, 2]
    assert measures.weekly()[1].sku_site_days == 4  # 2 series x 2 days
    assert measures.total.average_inventory_value == pytest.approx(
        (6400 + 900 + 850 + 396 + 66 + 66) / 9
    )


def test_as_dict_holds_the_total_classes_and_weeks(measures) -> None:  # type: ignore[no-untyped-def]
    data = measures.as_dict()

    assert data["total"]["fill_rate"] == pytest.approx(0.6)
    assert sorted(data["by_abc"]) == ["A", "C"]
    assert [week["start"] for week in data["weekly"]] == ["2026-03-02", "2026-03-09"]


def test_no_data_gives_no_rates(db) -> None:  # type: ignore[no-untyped-def]
    total = business_measures(start=START, end=END).total

    assert (total.fill_rate, total.stockout_rate, total.turnover) == (None, None, None)
    assert (total.average_inventory_value, total.expired_value) == (0.0, 0.0)


def test_a_range_that_ends_before_it_starts_is_refused(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MeasureRangeError, match="ends"):
        business_measures(start=END, end=START)


def test_four_queries_whatever_the_size(ledger, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(4):
        business_measures(start=START, end=END)


def test_the_command_prints_the_table(ledger) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()

    call_command("business_measures", "--start", "2026-03-02", "--end", "2026-03-15", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Business measures 2026-03-02 to 2026-03-15 (14 days")
    assert lines[1].split()[:3] == ["class", "fill", "rate"]
    assert [line.split()[0] for line in lines[2:]] == ["A", "C", "total"]
    assert lines[-1].split()[1:4] == ["60.00%", "56.25%", "17.86%"]


def test_the_command_prints_json_with_the_weeks(ledger) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()

    call_command(
        "business_measures", "--start", "2026-03-02", "--end", "2026-03-15", "--json", stdout=out
    )

    data = json.loads(out.getvalue())
    assert data["total"]["units_served"] == 24
    assert [week["units_asked"] for week in data["weekly"]] == [25, 15]


def test_the_command_refuses_a_backward_range(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="ends"):
        call_command("business_measures", "--start", "2026-03-15", "--end", "2026-03-02")
