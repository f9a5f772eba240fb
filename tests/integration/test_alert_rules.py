"""Every alert rule on small hand-made data: the condition opens one alert, a second evaluation
keeps it (no duplicate), the alert resolves itself once the data no longer meets the condition
(with the trail saying so), and the thresholds in AlertSettings move the outcome."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from accounts.models import AuditLogEntry
from alerts.models import Alert, AlertKind, AlertSettings, AlertStatus
from alerts.rules import projected_waste
from alerts.services.alerts import CLEARED, Condition, alert_raise
from alerts.services.evaluation import UnknownRule, alerts_evaluate
from forecasting.models import ForecastRun, SeriesForecast
from inventory.models import Lot, StockPosition
from optimization.models import InventoryPolicy, PolicyRun
from suppliers.models import SupplierScorecard
from tests.factories import (
    LotFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SiteFactory,
    SkuFactory,
    SupplierFactory,
    published_series,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def evaluate(kind: str, *, today: date = TODAY, now: datetime = NOW):  # type: ignore[no-untyped-def]
    return alerts_evaluate([kind], today=today, now=now)[kind]


def active(kind: str) -> list[Alert]:
    return list(Alert.objects.filter(kind=kind, status__in=["open", "acknowledged"]))


def thresholds(**values: object) -> None:
    AlertSettings.objects.filter(name="default").update(**values)


def assert_opens_once_then_clears(kind: str, clear, **later) -> Alert:  # type: ignore[no-untyped-def]
    first = evaluate(kind)
    assert len(first.opened) == 1
    alert = Alert.objects.get(pk=first.opened[0])
    second = evaluate(kind, now=NOW + timedelta(minutes=15), **later)
    assert second.opened == [] and second.updated == 1
    assert Alert.objects.filter(kind=kind).count() == 1
    alert.refresh_from_db()
    assert alert.last_seen_at == NOW + timedelta(minutes=15)
    assert alert.first_seen_at == NOW

    clear()
    third = evaluate(kind, now=NOW + timedelta(minutes=30), **later)
    assert third.resolved == [alert.pk]
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.auto_resolved and alert.resolution == CLEARED
    entry = AuditLogEntry.objects.get_for_object(alert).filter(reason=CLEARED).get()
    assert entry.changes_dict["status"][1] == "resolved"
    assert entry.source == f"rules:{kind}"
    return alert


def policy(sku, site, *, lead_time: float = 10, safety_stock: float = 20):  # type: ignore[no-untyped-def]
    run = PolicyRun.objects.first() or PolicyRun.objects.create(status="succeeded")
    return InventoryPolicy.objects.create(
        sku=sku,
        site=site,
        run=run,
        demand_mean=5,
        demand_error_std=1,
        lead_time_mean=lead_time,
        lead_time_std=1,
        lead_time_basis="terms",
        review_period=7,
        unit_price=10,
        order_cost=50,
        holding_rate=0.2,
        moq=1,
        order_multiple=1,
        min_usable_life_days=0,
        criticality="medium",
        service_kind="cycle",
        service_level=0.95,
        order_quantity=100,
        eoq=100,
        unit_price_paid=10,
        annual_cost=100,
        lot_reason="eoq",
        safety_stock=safety_stock,
        reorder_point=70,
        expected_fill_rate=0.99,
        safety_stock_periodic=30,
        order_up_to=150,
    )


# ---- stock-out risk ----------------------------------------------------------------------------


def test_stockout_within_lead_time_is_critical_once_and_clears_with_stock() -> None:
    sku, site = SkuFactory(code="AMX"), SiteFactory(code="H1")
    lot = LotFactory(sku=sku, site=site, quantity=30, expiry_date=date(2027, 1, 1))
    published_series(sku, site, [5.0] * 60, as_of=TODAY)
    policy(sku, site, lead_time=10)

    def restock() -> None:
        LotFactory(sku=sku, site=site, quantity=500, expiry_date=date(2027, 6, 1))

    alert = assert_opens_once_then_clears(AlertKind.STOCKOUT_RISK, restock)
    assert alert.severity == "critical"
    assert alert.key == f"sku:{sku.pk}:site:{site.pk}"
    assert alert.detail["stockout_date"] == "2026-03-08"  # 30 units at 5 a day: short on day 6
    assert "AMX at H1 runs out on 2026-03-08" in alert.message
    assert lot.quantity == 30


def test_stockout_counts_open_orders_and_the_extra_days_make_it_high() -> None:
    sku, site = SkuFactory(), SiteFactory()
    LotFactory(sku=sku, site=site, quantity=60, expiry_date=date(2027, 1, 1))
    published_series(sku, site, [5.0] * 60, as_of=TODAY)
    policy(sku, site, lead_time=10)
    assert evaluate(AlertKind.STOCKOUT_RISK).opened == []  # 60 units last 12 days > 10

    thresholds(stockout_extra_days=5)
    result = evaluate(AlertKind.STOCKOUT_RISK)
    assert Alert.objects.get(pk=result.opened[0]).severity == "high"

    PurchaseOrderLineFactory(
        sku=sku,
        quantity=100,
        purchase_order=PurchaseOrderFactory(
            destination=site, expected_on=TODAY + timedelta(days=5)
        ),
    )
    assert evaluate(AlertKind.STOCKOUT_RISK).resolved == result.opened


# ---- below safety stock ---------------------------------------------------------------------------


def test_below_safety_stock_opens_high_and_clears_when_the_position_recovers() -> None:
    sku, site = SkuFactory(), SiteFactory()
    LotFactory(sku=sku, site=site, quantity=10, expiry_date=date(2027, 1, 1))
    policy(sku, site, safety_stock=25)

    def receive() -> None:
        LotFactory(sku=sku, site=site, quantity=40, expiry_date=date(2027, 1, 1))

    alert = assert_opens_once_then_clears(AlertKind.BELOW_SAFETY_STOCK, receive)
    assert alert.severity == "high"
    assert "10 units" in alert.message and "safety stock of 25" in alert.message


def test_below_safety_stock_without_policy_reads_the_position() -> None:
    sku, site = SkuFactory(), SiteFactory()
    LotFactory(sku=sku, site=site, quantity=10, expiry_date=date(2027, 1, 1))
    StockPosition.objects.filter(sku=sku, site=site).update(safety_stock=15)
    assert len(evaluate(AlertKind.BELOW_SAFETY_STOCK).opened) == 1
    StockPosition.objects.filter(sku=sku, site=site).update(safety_stock=None)
    assert len(evaluate(AlertKind.BELOW_SAFETY_STOCK).resolved) == 1


# ---- expiry -----------------------------------------------------------------------------------------


def test_projected_waste_walks_the_forecast_through_lots_in_fefo_order() -> None:
    demand = [2.0] * 100
    lots = [(TODAY + timedelta(days=40), 100, "B"), (TODAY + timedelta(days=10), 50, "A")]
    wasted = projected_waste(lots, np.asarray(demand), TODAY)
    # A: 20 units used in 10 days, 30 wasted; B: 60 more days-of-demand to day 40 -> 60 used.
    assert wasted == [
        ("A", TODAY + timedelta(days=10), 50, 30.0),
        ("B", TODAY + timedelta(days=40), 100, 40.0),
    ]


def test_expiry_risk_values_the_waste_and_respects_the_threshold() -> None:
    sku = SkuFactory(code="VAC", unit_cost=Decimal("20.00"), min_remaining_shelf_life_days=0)
    site = SiteFactory(code="DC")
    lot = LotFactory(sku=sku, site=site, quantity=100, expiry_date=TODAY + timedelta(days=20))
    published_series(sku, site, [1.0] * 90, as_of=TODAY)
    thresholds(expiry_min_value=Decimal("5000"))
    assert evaluate(AlertKind.EXPIRY_RISK).opened == []  # 80 units x 20 = 1,600 < 5,000

    thresholds(expiry_min_value=Decimal("100"))

    def use_it() -> None:
        Lot.objects.filter(pk=lot.pk).update(quantity=15)

    alert = assert_opens_once_then_clears(AlertKind.EXPIRY_RISK, use_it)
    assert alert.detail["waste_units"] == 80
    assert alert.detail["waste_value"] == "1600.00"
    assert alert.severity == "high"  # 1,600 >= max(10 x 100, 1,000)
    assert "80 units of VAC at DC" in alert.message


def test_expiry_risk_beyond_the_window_does_not_alert() -> None:
    sku, site = SkuFactory(), SiteFactory()
    LotFactory(sku=sku, site=site, quantity=100, expiry_date=TODAY + timedelta(days=200))
    thresholds(expiry_window_days=180)
    assert evaluate(AlertKind.EXPIRY_RISK).opened == []
    thresholds(expiry_window_days=365)
    result = evaluate(AlertKind.EXPIRY_RISK)
    assert Alert.objects.get(pk=result.opened[0]).severity == "high"  # no demand: all wasted


# ---- purchase orders -------------------------------------------------------------------------------


def test_late_po_lines_alert_per_order_and_clear_once_received() -> None:
    order = PurchaseOrderFactory(number="PO-LATE", status="acknowledged")
    line = PurchaseOrderLineFactory(purchase_order=order, requested_date=TODAY - timedelta(days=5))
    PurchaseOrderLineFactory(purchase_order=order, requested_date=TODAY - timedelta(days=3))
    thresholds(po_late_grace_days=7)
    assert evaluate(AlertKind.PO_LATE).opened == []
    thresholds(po_late_grace_days=1)

    def receive() -> None:
        order.lines.update(received_quantity=100)

    alert = assert_opens_once_then_clears(AlertKind.PO_LATE, receive)
    assert alert.key == f"po:{order.pk}" and alert.reference == "PO-LATE"
    assert alert.severity == "high"
    assert "2 lines of PO-LATE" in alert.message and "5 days ago" in alert.message
    assert line.pk in alert.detail["lines"]


def test_unacknowledged_order_alerts_after_the_hours_and_clears_on_acknowledgement() -> None:
    order = PurchaseOrderFactory(status="sent", sent_at=NOW - timedelta(hours=30))
    assert evaluate(AlertKind.PO_UNACKNOWLEDGED).opened == []  # default: 48 hours
    thresholds(po_acknowledge_hours=24)

    def acknowledge() -> None:
        type(order).objects.filter(pk=order.pk).update(status="acknowledged", acknowledged_at=NOW)

    alert = assert_opens_once_then_clears(AlertKind.PO_UNACKNOWLEDGED, acknowledge)
    assert alert.severity == "medium"
    assert "30 hours ago" in alert.message


# ---- forecast accuracy and suppliers ----------------------------------------------------------------


def test_forecast_accuracy_alerts_when_mase_jumps_above_the_floor() -> None:
    sku, site = SkuFactory(), SiteFactory()
    old = published_series(sku, site, [1.0] * 30, as_of=TODAY - timedelta(days=7))
    SeriesForecast.objects.filter(run=old).update(mase=0.6)
    new = published_series(sku, site, [1.0] * 30, as_of=TODAY)
    SeriesForecast.objects.filter(run=new).update(mase=1.5)

    def better() -> None:
        SeriesForecast.objects.filter(run=new).update(mase=0.7)

    alert = assert_opens_once_then_clears(AlertKind.FORECAST_ACCURACY, better)
    assert alert.severity == "medium"  # x2.5
    assert "MASE of 1.50" in alert.message and "up from 0.60" in alert.message


def test_forecast_accuracy_thresholds() -> None:
    sku, site = SkuFactory(), SiteFactory()
    SeriesForecast.objects.filter(
        run=published_series(sku, site, [1.0] * 30, as_of=TODAY - timedelta(days=7))
    ).update(mase=1.0)
    SeriesForecast.objects.filter(run=published_series(sku, site, [1.0] * 30, as_of=TODAY)).update(
        mase=1.2
    )
    assert evaluate(AlertKind.FORECAST_ACCURACY).opened == []  # x1.2 < 1.3
    thresholds(forecast_mase_ratio=Decimal("1.1"))
    result = evaluate(AlertKind.FORECAST_ACCURACY)
    assert Alert.objects.get(pk=result.opened[0]).severity == "low"
    assert ForecastRun.objects.count() == 2


def test_supplier_falling_a_grade_alerts_and_clears_when_it_recovers() -> None:
    supplier = SupplierFactory(name="Acme Pharma")
    SupplierScorecard.objects.create(supplier=supplier, month=date(2026, 1, 1), grade="A", score=92)
    latest = SupplierScorecard.objects.create(
        supplier=supplier, month=date(2026, 2, 1), grade="B", score=80
    )

    def recover() -> None:
        SupplierScorecard.objects.filter(pk=latest.pk).update(grade="A", score=91)

    alert = assert_opens_once_then_clears(AlertKind.SUPPLIER_GRADE, recover)
    assert alert.severity == "medium" and alert.key == f"supplier:{supplier.pk}"
    assert "Acme Pharma scored grade B for February 2026, down from A" in alert.message


def test_two_grades_down_is_high() -> None:
    supplier = SupplierFactory()
    SupplierScorecard.objects.create(supplier=supplier, month=date(2026, 1, 1), grade="A")
    SupplierScorecard.objects.create(supplier=supplier, month=date(2026, 2, 1), grade="C")
    result = evaluate(AlertKind.SUPPLIER_GRADE)
    assert Alert.objects.get(pk=result.opened[0]).severity == "high"


# ---- the evaluation as a whole ---------------------------------------------------------------------


def test_a_scheduled_evaluation_leaves_temperature_excursions_alone() -> None:
    excursion = alert_raise(
        Condition(
            kind=AlertKind.TEMPERATURE_EXCURSION,
            key="lot:1",
            severity="critical",
            title="Fridge 3 at 11 °C",
            message="Out of range",
        )
    )
    results = alerts_evaluate(today=TODAY, now=NOW)
    assert AlertKind.TEMPERATURE_EXCURSION not in results
    excursion.refresh_from_db()
    assert excursion.status == AlertStatus.OPEN
    with pytest.raises(UnknownRule):
        alerts_evaluate([AlertKind.TEMPERATURE_EXCURSION])


def test_the_task_evaluates_every_rule_in_a_few_queries(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    from alerts.tasks import evaluate_alerts

    run = None
    for _ in range(5):
        sku, site = SkuFactory(), SiteFactory()
        LotFactory(sku=sku, site=site, quantity=10, expiry_date=date(2030, 1, 1))
        run = published_series(sku, site, [5.0] * 30, as_of=date.today(), run=run)
        policy(sku, site, lead_time=10, safety_stock=25)
    # 10 alerts opened: each also takes its place in the audit trail's hash chain (on
    # PostgreSQL the chain lock and the last entry: 2 queries per alert). The stock-out rule's
    # verdicts then go on the positions: their lock, a savepoint and the changed rows (one
    # statement each below common.bulk's set-based size, one in all above it).
    with django_assert_max_num_queries(135):
        summary = evaluate_alerts.delay().get()
    assert summary["stockout_risk"]["opened"] == 5
    assert summary["below_safety_stock"]["opened"] == 5


def test_receiving_the_goods_re_evaluates_late_orders_after_commit(
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    from suppliers.services.purchase_orders import purchase_order_line_receive

    line = PurchaseOrderLineFactory(
        quantity=10, requested_date=date.today() - timedelta(days=10), sku__unit_cost=5
    )
    alerts_evaluate([AlertKind.PO_LATE])
    assert len(active(AlertKind.PO_LATE)) == 1

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        purchase_order_line_receive(
            actor=None,
            line=line,
            quantity_received=10,
            lot_number="L-1",
            expiry_date=date.today() + timedelta(days=700),
        )
    assert callbacks  # the evaluation is queued on commit, not run in the transaction
    assert active(AlertKind.PO_LATE) == []


def test_a_published_forecast_or_plan_is_followed_by_an_evaluation() -> None:
    from alerts.tasks import evaluate_alerts_after
    from forecasting.services import after_publishing as after_forecast
    from optimization.services.plans import after_publishing as after_plan

    assert after_plan()["task"] == "alerts.tasks.evaluate_alerts_after"
    assert list(after_plan()["args"]) == ["plan_published"]
    assert list(after_forecast().tasks[-1]["args"]) == ["forecast_published"]
    sku, site = SkuFactory(), SiteFactory()
    policy(sku, site, safety_stock=25)
    LotFactory(sku=sku, site=site, quantity=10, expiry_date=date(2030, 1, 1))
    evaluate_alerts_after.delay("plan_published")
    assert len(active(AlertKind.BELOW_SAFETY_STOCK)) == 1

    published_series(sku, site, [5.0] * 30, as_of=date.today())
    evaluate_alerts_after.delay("forecast_published")
    assert len(active(AlertKind.STOCKOUT_RISK)) == 1
