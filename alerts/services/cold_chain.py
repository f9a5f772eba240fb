"""Temperature excursions become critical alerts at once (connected in AlertsConfig.ready()).

inventory.services.cold_chain sends its signals inside the transaction that stored the readings, so
the alert is committed with the excursion: when the API answers the batch, the alert exists.
One alert per excursion (key "excursion:<id>"); it resolves itself when the excursion closes,
while the lots stay quarantined until quality decides."""

from typing import Any

from alerts.models import AlertKind, Severity
from alerts.services.alerts import Condition, alert_clear, alert_raise
from inventory.models import Excursion, ExcursionLot, ExcursionStatus


def excursion_key(excursion: Excursion) -> str:
    return f"excursion:{excursion.pk}"


def excursion_condition(excursion: Excursion, lots: list[ExcursionLot]) -> Condition:
    unit = excursion.unit
    label = f"{unit.site.code}/{unit.code}"
    low, high = unit.limits
    lot_words = (
        f"{len(lots)} lot{'s' if len(lots) != 1 else ''} quarantined"
        if lots
        else "no released lots were exposed"
    )
    return Condition(
        kind=AlertKind.TEMPERATURE_EXCURSION,
        key=excursion_key(excursion),
        severity=Severity.CRITICAL,
        title=f"Temperature excursion in {label} ({unit.name}) at {unit.site.name}",
        message=(
            f"{label} has been outside {low:g}..{high:g} °C since "
            f"{excursion.started_at:%Y-%m-%d %H:%M} UTC (longer than the "
            f"{unit.allowed_minutes_outside} minutes allowed): readings from "
            f"{excursion.min_celsius:g} to {excursion.max_celsius:g} °C. {lot_words.capitalize()} "
            "until quality releases or rejects them."
        ),
        detail={
            "excursion_id": excursion.pk,
            "unit": label,
            "unit_name": unit.name,
            "site": unit.site.code,
            "zone": unit.zone,
            "limits_celsius": [low, high],
            "started_at": excursion.started_at.isoformat(),
            "min_celsius": excursion.min_celsius,
            "max_celsius": excursion.max_celsius,
            "lots": [
                {
                    "lot_id": exposure.lot_id,
                    "lot_number": exposure.lot.lot_number,
                    "sku": exposure.lot.sku.code,
                    "quantity": exposure.quantity,
                }
                for exposure in lots
            ],
        },
        site_id=unit.site_id,
        reference=label,
    )


def on_excursion_started(sender: Any, *, excursion: Excursion, lots: list, **kwargs: Any) -> None:
    alert_raise(excursion_condition(excursion, lots))


def on_excursion_ended(sender: Any, *, excursion: Excursion, **kwargs: Any) -> None:
    alert_clear(AlertKind.TEMPERATURE_EXCURSION, excursion_key(excursion))


def open_excursion_conditions() -> list[Condition]:
    """The conditions that hold now, for a rule that syncs this alert kind as a whole
    (alerts_sync resolves what it is not given)."""
    excursions = Excursion.objects.filter(status=ExcursionStatus.OPEN).select_related("unit__site")
    conditions = []
    for excursion in excursions:
        lots = list(excursion.exposed_lots.select_related("lot__sku").order_by("pk"))
        conditions.append(excursion_condition(excursion, lots))
    return conditions
