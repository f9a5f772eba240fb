"""Running the alert rules: each rule's conditions, then `alerts_sync` for its kind, so the
active alerts of that kind match what holds now (and only that kind: alerts raised by events,
such as temperature excursions, are never resolved by an evaluation)."""

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from alerts.models import AlertSettings
from alerts.rules import RULES, RuleInputs
from alerts.services.alerts import SyncResult, alerts_sync
from common.locks import advisory_xact_lock


class UnknownRule(ValueError):
    pass


def alert_settings() -> AlertSettings:
    return AlertSettings.objects.get_or_create(name="default")[0]


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
    inputs = RuleInputs(config=alert_settings(), today=today or timezone.localdate(now), now=now)
    results = {}
    for kind in chosen:
        conditions = RULES[kind](inputs)
        with transaction.atomic():
            advisory_xact_lock(f"alerts.sync.{kind}")
            results[kind] = alerts_sync(kind, conditions, now=now)
    return results
