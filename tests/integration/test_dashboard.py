"""The overview dashboard's figures (reporting.services) against values computed by hand on a
small fixture: three SKUs, two sites, a few days of demand, issues, receipts and write-offs.

The fixture, as of 2026-03-01 (so the 30-day window is 2026-01-30..2026-02-28 and the 90-day
window 2025-12-01..2026-02-28):

SKUs: S1 vaccine, refrigerated, unit cost 10; S2 small molecule, room, 4; S3 oncology,
frozen, 50. Sites: H1 (50.0, 8.0) and H2 (no coordinates).

Lots and their movements (the ledger; each lot's quantity is the sum of its movements):
    L1 S1@H1 released, expires 2026-06-15: +100 on 01-01; issues -6 on 01-12, -30 on 02-10,
       -20 on 02-20                                   -> 44 held, value 440
    L2 S2@H1 released, expires 2026-03-20: +200 on 2025-11-01; issues -35 on 01-31, -40 on
       02-25                                          -> 125 held, value 500
    L3 S3@H2 quarantine, expires 2026-09-10: +10 on 02-01        -> 10 held, value 500
    L4 S3@H2 expired 2026-01-31: +8 on 2025-10-01, write-off "expiry" -8 on 02-01  -> 0
    L5 S2@H2 released, expired 2026-02-27, not yet written off: +5 on 2025-12-15 -> 5, 20
    L6 S1@H1 expired: +6 on 2025-11-20, write-off "EXPIRY" -6 on 2025-12-10        -> 0
Inventory value now = 440 + 500 + 500 + 20 = 1,460 (184 units).

Demand asked (DailyDemand), and what the issues served (a day goes to the first issue of its
SKU-site within 6 days; an issue serves its days in date order):
    S1@H1: 12-05: 4 (no issue within 6 days: 0 served), 01-10: 6 (issue 01-12: 6),
           02-08: 10, 02-09: 15, 02-10: 10 (issue 02-10 of 30: 10, 15, 5 -> 02-10 short),
           02-18: 12, 02-20: 8 (issue 02-20 of 20: all), 02-26: 7 (no issue: 0),
           02-27: 0, 02-28: 0
    S2@H1: 01-29: 30, 01-30: 20 (issue 01-31 of 35: 30 to 01-29, 5 to 01-30 -> short),
           02-23: 10, 02-24: 20, 02-25: 10 (issue 02-25 of 40: all), 02-28: 0
30 days: 2 SKU-sites with a demand series x 30 days = 60 SKU-site-days; asked 62 + 60 = 122;
    served (10+15+5+12+8+0) + (5+10+20+10) = 50 + 45 = 95 -> fill rate 95/122 = 0.778689;
    short days 02-10, 02-26, 01-30 = 3 -> stock-out rate 3/60 = 0.05.
90 days: 2 x 90 = 180 SKU-site-days; asked 72 + 90 = 162; served 56 + 75 = 131 -> 131/162 =
    0.808642; short days 12-05, 02-10, 02-26, 01-30 = 4 -> 4/180 = 0.022222.

Inventory value at the end of each day (value now less the movements after that day):
    02-25..02-28: 1,460 (4 days); 02-20..02-24: 1,620 (5); 02-10..02-19: 1,820 (10);
    02-01..02-09: 2,120 (9); 01-31: 2,020; 01-30: 2,160          -> sum 55,400 over 30 days
    01-12..01-29: 2,160 (18); 01-01..01-11: 2,220 (11); 12-15..12-31: 1,220 (17);
    12-10..12-14: 1,200 (5); 12-01..12-09: 1,260 (9)             -> sum 101,380 over 60 more
Average: 30 days 55,400 / 30 = 1,846.67; 90 days 156,780 / 90 = 1,742.00.
Cost of goods issued: 30 days 140 + 300 + 200 + 160 = 800; 90 days 800 + 60 = 860.
Turnover: 800 x 365/30 / 1,846.667 = 5.271; 860 x 365/90 / 1,742 = 2.002.
Carrying cost at a holding rate of 0.25: 461.67 and 435.50 (per year).
Expired value: 30 days L4 8 x 50 = 400; 90 days 400 + L6 6 x 10 = 460 (14 units).

Positions (as the position refresh and the classification leave them):
    S1@H1 ok A-X (consumption value 1,000); S2@H1 expiring B-Z (300; 25 units projected to
    expire -> projected waste 25 x 4 = 100); S3@H2 stock-out, not classified; S2@H2 below
    safety stock C-X (50).
Heatmap: AX 1 / 440 / 1,000; BZ 1 / 500 / 300; CX 1 / 20 / 50; not classified 1 / 500.
By category: vaccine ok 1 (440); small molecule expiring 1 (500) + below safety 1 (20);
oncology stock-out 1 (500). By zone: refrigerated, room, frozen likewise.
Expiry by month: past 1 lot / 5 / 20; 2026-03 1 / 125 / 500; 2026-06 1 / 44 / 440;
2026-09 1 / 10 / 500 (L3 in quarantine counts; expired lots L4, L6 hold nothing).
By site: H1 169 units, 940, ok 1 + expiring 1; H2 15 units, 520, stock-out 1 + below safety 1.
Trend, the last four 7-day buckets (ending 02-28, 02-21, 02-14, 02-07): issued 40/160,
20/200, 30/300, 0/0; asked 47, 20, 35, 0. Over 52 weeks: issued 131 units worth 860, asked 162.
"""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from alerts.models import DashboardSnapshot, KpiSnapshot
from inventory.models import DailyDemand, Lot, StockMovement, StockPosition
from reporting.services import dashboard_snapshot_refresh
from tests.factories import SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 1)


def at(day: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(f"{day}T12:00:00"))


def lot(sku, site, number, expiry, *, status, moves):  # type: ignore[no-untyped-def]
    """A lot whose quantity is the sum of `moves`: (kind, quantity, day, reference)."""
    created = Lot.objects.create(
        sku=sku,
        site=site,
        lot_number=number,
        expiry_date=date.fromisoformat(expiry),
        status=status,
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
    return created


def demand(sku, site, rows: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    DailyDemand.objects.bulk_create(
        DailyDemand(sku=sku, site=site, date=date.fromisoformat(day), quantity=q)
        for day, q in rows.items()
    )


def position(sku, site, status, *, abc="", xyz="", consumption=0, expiring=0):  # type: ignore[no-untyped-def]
    StockPosition.objects.create(
        sku=sku,
        site=site,
        status=status,
        abc_class=abc,
        xyz_class=xyz,
        annual_consumption_value=consumption,
        expiring_quantity=expiring,
    )


@pytest.fixture
def network() -> dict:
    s1 = SkuFactory(code="S1", category="vaccine", temperature_zone="refrigerated", unit_cost=10)
    s2 = SkuFactory(code="S2", category="small_molecule", temperature_zone="room", unit_cost=4)
    s3 = SkuFactory(code="S3", category="oncology", temperature_zone="frozen", unit_cost=50)
    h1 = SiteFactory(code="H1", latitude=Decimal("50.0"), longitude=Decimal("8.0"))
    h2 = SiteFactory(code="H2")
    lot(
        s1,
        h1,
        "L1",
        "2026-06-15",
        status="released",
        moves=[
            ("receipt", 100, "2026-01-01", "PO-1"),
            ("issue", -6, "2026-01-12", "ISSUE"),
            ("issue", -30, "2026-02-10", "ISSUE"),
            ("issue", -20, "2026-02-20", "ISSUE"),
        ],
    )
    lot(
        s2,
        h1,
        "L2",
        "2026-03-20",
        status="released",
        moves=[
            ("receipt", 200, "2025-11-01", "PO-2"),
            ("issue", -35, "2026-01-31", "ISSUE"),
            ("issue", -40, "2026-02-25", "ISSUE"),
        ],
    )
    lot(
        s3,
        h2,
        "L3",
        "2026-09-10",
        status="quarantine",
        moves=[("receipt", 10, "2026-02-01", "PO-3")],
    )
    lot(
        s3,
        h2,
        "L4",
        "2026-01-31",
        status="expired",
        moves=[("receipt", 8, "2025-10-01", "PO-4"), ("write_off", -8, "2026-02-01", "expiry")],
    )
    lot(s2, h2, "L5", "2026-02-27", status="released", moves=[("receipt", 5, "2025-12-15", "PO-5")])
    lot(
        s1,
        h1,
        "L6",
        "2025-12-09",
        status="expired",
        moves=[("receipt", 6, "2025-11-20", "PO-6"), ("write_off", -6, "2025-12-10", "EXPIRY")],
    )
    demand(
        s1,
        h1,
        {
            "2025-12-05": 4,
            "2026-01-10": 6,
            "2026-02-08": 10,
            "2026-02-09": 15,
            "2026-02-10": 10,
            "2026-02-18": 12,
            "2026-02-20": 8,
            "2026-02-26": 7,
            "2026-02-27": 0,
            "2026-02-28": 0,
        },
    )
    demand(
        s2,
        h1,
        {
            "2026-01-29": 30,
            "2026-01-30": 20,
            "2026-02-23": 10,
            "2026-02-24": 20,
            "2026-02-25": 10,
            "2026-02-28": 0,
        },
    )
    position(s1, h1, "ok", abc="A", xyz="X", consumption=1000)
    position(s2, h1, "expiring", abc="B", xyz="Z", consumption=300, expiring=25)
    position(s3, h2, "stockout")
    position(s2, h2, "below_safety", abc="C", xyz="X", consumption=50)
    return {"h1": h1, "h2": h2}


@pytest.fixture
def snapshot(network: dict) -> DashboardSnapshot:
    with override_settings(OPTIMIZATION_HOLDING_RATE=0.25):
        return dashboard_snapshot_refresh(as_of=AS_OF)


def test_inventory_held_now(snapshot: DashboardSnapshot) -> None:
    assert snapshot.inventory_value == Decimal("1460.00")
    assert snapshot.inventory_units == 184
    assert snapshot.positions == 4
    assert snapshot.projected_waste_value == Decimal("100.00")


def test_service_and_cost_over_30_days(snapshot: DashboardSnapshot) -> None:
    k = snapshot.kpis.get(window_days=30)

    assert (k.start_date, k.end_date) == (date(2026, 1, 30), date(2026, 2, 28))
    assert (k.units_asked, k.units_served) == (122, 95)
    assert k.fill_rate == Decimal("0.778689")
    assert (k.stockout_days, k.sku_site_days) == (3, 60)
    assert k.stockout_rate == Decimal("0.050000")
    assert k.average_inventory_value == Decimal("1846.67")
    assert k.cogs_issued == Decimal("800.00")
    assert k.turnover == Decimal("5.271")
    assert k.carrying_cost == Decimal("461.67")
    assert (k.expired_value, k.expired_units) == (Decimal("400.00"), 8)


def test_service_and_cost_over_90_days(snapshot: DashboardSnapshot) -> None:
    k = snapshot.kpis.get(window_days=90)

    assert (k.start_date, k.end_date) == (date(2025, 12, 1), date(2026, 2, 28))
    assert (k.units_asked, k.units_served) == (162, 131)
    assert k.fill_rate == Decimal("0.808642")
    assert (k.stockout_days, k.sku_site_days) == (4, 180)
    assert k.stockout_rate == Decimal("0.022222")
    assert k.average_inventory_value == Decimal("1742.00")
    assert k.cogs_issued == Decimal("860.00")
    assert k.turnover == Decimal("2.002")
    assert k.carrying_cost == Decimal("435.50")
    assert (k.expired_value, k.expired_units) == (Decimal("460.00"), 14)


def test_abc_xyz_heatmap_counts_and_values(snapshot: DashboardSnapshot) -> None:
    cells = {(c["abc"], c["xyz"]): c for c in snapshot.abc_xyz}

    assert len(cells) == 10  # nine classes and the unclassified positions
    assert cells[("A", "X")] == {
        "abc": "A",
        "xyz": "X",
        "positions": 1,
        "value": 440.0,
        "consumption_value": 1000.0,
    }
    assert (cells[("B", "Z")]["positions"], cells[("B", "Z")]["value"]) == (1, 500.0)
    assert (cells[("C", "X")]["positions"], cells[("C", "X")]["value"]) == (1, 20.0)
    assert (cells[("", "")]["positions"], cells[("", "")]["value"]) == (1, 500.0)
    empty = [key for key, c in cells.items() if c["positions"] == 0]
    assert sorted(empty) == [("A", "Y"), ("A", "Z"), ("B", "X"), ("B", "Y"), ("C", "Y"), ("C", "Z")]


def test_stock_status_by_category_and_zone(snapshot: DashboardSnapshot) -> None:
    def summary(groups: list[dict]) -> dict:
        return {
            g["key"]: (g["positions"], g["value"], {s: n for s, n in g["counts"].items() if n})
            for g in groups
        }

    assert summary(snapshot.status_by_category) == {
        "vaccine": (1, 440.0, {"ok": 1}),
        "biologic": (0, 0.0, {}),
        "small_molecule": (2, 520.0, {"expiring": 1, "below_safety": 1}),
        "oncology": (1, 500.0, {"stockout": 1}),
        "specialty": (0, 0.0, {}),
    }
    assert summary(snapshot.status_by_zone) == {
        "ultra_cold": (0, 0.0, {}),
        "frozen": (1, 500.0, {"stockout": 1}),
        "refrigerated": (1, 440.0, {"ok": 1}),
        "room": (2, 520.0, {"expiring": 1, "below_safety": 1}),
    }
    room = next(g for g in snapshot.status_by_zone if g["key"] == "room")
    assert room["values"]["expiring"] == 500.0
    assert room["values"]["below_safety"] == 20.0


def test_expiry_by_month(snapshot: DashboardSnapshot) -> None:
    months = {m["month"]: (m["lots"], m["units"], m["value"]) for m in snapshot.expiry_by_month}

    assert len(months) == 13  # the past, then March 2026 to February 2027
    assert list(months)[:2] == ["past", "2026-03"]
    assert list(months)[-1] == "2027-02"
    assert months["past"] == (1, 5, 20.0)
    assert months["2026-03"] == (1, 125, 500.0)
    assert months["2026-06"] == (1, 44, 440.0)
    assert months["2026-09"] == (1, 10, 500.0)
    others = {
        key: value
        for key, value in months.items()
        if key not in {"past", "2026-03", "2026-06", "2026-09"}
    }
    assert set(others.values()) == {(0, 0, 0.0)}


def test_inventory_by_site(snapshot: DashboardSnapshot) -> None:
    sites = {s["code"]: s for s in snapshot.by_site}

    h1, h2 = sites["H1"], sites["H2"]
    assert (h1["units"], h1["value"], h1["positions"]) == (169, 940.0, 2)
    assert {k: n for k, n in h1["counts"].items() if n} == {"ok": 1, "expiring": 1}
    assert (h1["latitude"], h1["longitude"]) == (50.0, 8.0)
    assert (h2["units"], h2["value"], h2["positions"]) == (15, 520.0, 2)
    assert {k: n for k, n in h2["counts"].items() if n} == {"stockout": 1, "below_safety": 1}
    assert h2["latitude"] is None


def test_consumption_trend(snapshot: DashboardSnapshot) -> None:
    trend = snapshot.consumption_trend

    assert len(trend) == 52
    assert (trend[-1]["start"], trend[-1]["end"]) == ("2026-02-22", "2026-02-28")
    last_four = [(w["units_issued"], w["value_issued"], w["units_asked"]) for w in trend[-4:]]
    assert last_four == [(0, 0.0, 0), (30, 300.0, 35), (20, 200.0, 20), (40, 160.0, 47)]
    assert sum(w["units_issued"] for w in trend) == 131
    assert sum(w["value_issued"] for w in trend) == 860.0
    assert sum(w["units_asked"] for w in trend) == 162


def test_a_refresh_on_the_same_day_replaces_the_snapshot(network: dict) -> None:
    first = dashboard_snapshot_refresh(as_of=AS_OF)
    DailyDemand.objects.filter(date=date(2026, 2, 26)).update(quantity=17)

    second = dashboard_snapshot_refresh(as_of=AS_OF)

    assert second.pk == first.pk
    assert DashboardSnapshot.objects.count() == 1
    assert KpiSnapshot.objects.count() == 2
    assert second.kpis.get(window_days=30).units_asked == 132
    dashboard_snapshot_refresh(as_of=date(2026, 3, 2))
    assert DashboardSnapshot.objects.count() == 2
    assert KpiSnapshot.objects.count() == 4


def test_an_empty_database_gives_empty_figures(db: None) -> None:
    snapshot = dashboard_snapshot_refresh(as_of=AS_OF)

    assert snapshot.inventory_value == 0
    k = snapshot.kpis.get(window_days=30)
    assert (k.fill_rate, k.stockout_rate, k.turnover) == (None, None, None)
    assert len(snapshot.consumption_trend) == 52


def test_the_demo_command_computes_a_snapshot(network: dict) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_dashboard", "--as-of", "2026-03-01", stdout=out)

    assert DashboardSnapshot.objects.get().as_of == AS_OF
    assert "Dashboard as of 2026-03-01" in out.getvalue()
    assert "30 days: fill rate 0.778689" in out.getvalue()


def test_the_nightly_task_refreshes_the_snapshot(network: dict) -> None:
    from reporting.tasks import refresh_dashboard

    snapshot_id = refresh_dashboard.delay("2026-03-01").get()

    assert DashboardSnapshot.objects.get(pk=snapshot_id).as_of == AS_OF


def test_the_refresh_is_scheduled_nightly() -> None:
    from celery import current_app

    from optimization.nightly import STEPS

    assert STEPS[-1].task == "alerts.tasks.refresh_dashboard"
    night = current_app.conf.beat_schedule["Nightly chain"]
    assert night["task"] == "optimization.tasks.nightly_chain"
    assert (night["schedule"].hour, night["schedule"].minute) == ({0}, {15})
