"""Running the alert rules: each rule's inputs (alerts.selectors.rules) and thresholds
(AlertSettings) in, its conditions out (alerts.rules), then `alerts_sync` for its kind, so the
active alerts of that kind match what holds now (and only that kind: alerts raised by events,
such as temperature excursions, are never resolved by an evaluation)."""

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from alerts import rules
from alerts.models import AlertKind, AlertSettings
from alerts.selectors import rules as selectors
from alerts.services.alerts import SyncResult, alerts_sync
from common.locks import advisory_xact_lock
from inventory.services.position_levels import positions_set_stockout_dates


class UnknownRule(ValueError):
    pass


def alert_settings() -> AlertSettings:
    return AlertSettings.objects.get_or_create(name="default")[0]


def _stockout_risk(inputs: selectors.RuleInputs, config: AlertSettings) -> list[rules.Condition]:
    return rules.stockout_risk(
        positions=inputs.positions,
        policies=inputs.policies,
        open_lines=inputs.open_lines,
        forecasts=inputs.forecasts,
        names=inputs.names,
        today=inputs.today,
        extra_days=config.stockout_extra_days,
    )


def _below_safety_stock(
    inputs: selectors.RuleInputs, config: AlertSettings
) -> list[rules.Condition]:
    return rules.below_safety_stock(
        positions=inputs.positions, policies=inputs.policies, names=inputs.names
    )


def _expiry_risk(inputs: selectors.RuleInputs, config: AlertSettings) -> list[rules.Condition]:
    window = config.expiry_window_days
    return rules.expiry_risk(
        lots=selectors.expiring_lots(
            after=inputs.today, until=inputs.today + timedelta(days=window)
        ),
        positions=inputs.positions,
        forecasts=inputs.forecasts,
        names=inputs.names,
        today=inputs.today,
        window_days=window,
        min_value=config.expiry_min_value,
    )


def _po_late(inputs: selectors.RuleInputs, config: AlertSettings) -> list[rules.Condition]:
    return rules.po_late(
        open_lines=inputs.open_lines,
        names=inputs.names,
        today=inputs.today,
        grace_days=config.po_late_grace_days,
    )


def _po_unacknowledged(
    inputs: selectors.RuleInputs, config: AlertSettings
) -> list[rules.Condition]:
    return rules.po_unacknowledged(
        orders=selectors.sent_unacknowledged_orders(),
        now=inputs.now,
        hours=config.po_acknowledge_hours,
    )


def _forecast_accuracy(
    inputs: selectors.RuleInputs, config: AlertSettings
) -> list[rules.Condition]:
    run = inputs.forecast_run
    previous = selectors.previous_succeeded_run(run) if run is not None else None
    if run is None or previous is None:
        return []
    return rules.forecast_accuracy(
        current=selectors.run_accuracy(run),
        previous=selectors.run_accuracy(previous),
        names=inputs.names,
        ratio=float(config.forecast_mase_ratio),
        floor=float(config.forecast_mase_floor),
    )


def _supplier_grade(inputs: selectors.RuleInputs, config: AlertSettings) -> list[rules.Condition]:
    return rules.supplier_grade(months=selectors.graded_months(today=inputs.today))


# The kinds evaluated here; the others (temperature excursions, failed jobs) are raised and
# cleared by the events themselves and are never touched by an evaluation.
RULES: dict[str, Callable[[selectors.RuleInputs, AlertSettings], list[rules.Condition]]] = {
    AlertKind.STOCKOUT_RISK: _stockout_risk,
    AlertKind.BELOW_SAFETY_STOCK: _below_safety_stock,
    AlertKind.EXPIRY_RISK: _expiry_risk,
    AlertKind.PO_LATE: _po_late,
    AlertKind.PO_UNACKNOWLEDGED: _po_unacknowledged,
    AlertKind.FORECAST_ACCURACY: _forecast_accuracy,
    AlertKind.SUPPLIER_GRADE: _supplier_grade,
}


def _stockout_dates(conditions: list[rules.Condition]) -> dict[tuple[int, int], date]:
    """The stock-out rule's verdicts, for the positions' status (inventory.services.
    position_levels)."""
    return {
        (condition.sku_id, condition.site_id): date.fromisoformat(condition.detail["stockout_date"])
        for condition in conditions
        if condition.sku_id is not None and condition.site_id is not None
    }


def alerts_evaluate(
    kinds: Iterable[str] | None = None,
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> dict[str, SyncResult]:
    """Evaluate the rules of `kinds` (all rules when None) and sync their alerts. Two
    evaluations of one kind never sync at the same time (an advisory lock per kind)."""
    chosen = list(RULES) if kinds is None else list(dict.fromkeys(kinds))
    unknown = [kind for kind in chosen if kind not in RULES]
    if unknown:
        raise UnknownRule(f"No rule evaluates {', '.join(unknown)}.")
    now = now or timezone.now()
    config = alert_settings()
    inputs = selectors.RuleInputs(today=today or timezone.localdate(now), now=now)
    results = {}
    for kind in chosen:
        conditions = RULES[kind](inputs, config)
        with transaction.atomic():
            advisory_xact_lock(f"alerts.sync.{kind}")
            results[kind] = alerts_sync(kind, conditions, now=now)
            if kind == AlertKind.STOCKOUT_RISK:
                positions_set_stockout_dates(dates=_stockout_dates(conditions))
    return results
