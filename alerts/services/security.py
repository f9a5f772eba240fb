"""Security events become alerts for administrators (connected in AlertsConfig.ready()).

A sign-in lockout (accounts.signals.account_locked_out) opens one high alert per username and
address (key "lockout:<username>@<address>"), kept up to date while attempts go on. It names
where to unlock early: Admin > Axes > Access attempts."""

from typing import Any

from alerts.models import AlertKind, Severity
from alerts.services.alerts import Condition, alert_raise


def on_account_locked_out(sender: Any, event: Any, **kwargs: Any) -> None:
    address = event.remote_addr or "unknown address"
    alert_raise(
        Condition(
            kind=AlertKind.SECURITY,
            key=f"lockout:{event.username}@{address}"[:200],
            severity=Severity.HIGH,
            title=f"Sign-in locked out: {event.username} from {address}",
            message=(
                f"Too many failed sign-ins for '{event.username}' from {address}: further "
                "attempts are refused until the lockout ends. If this was not the user, review "
                "the security events; an administrator can unlock early under Admin > Axes > "
                "Access attempts."
            ),
            detail={
                "security_event_id": event.pk,
                "username": event.username,
                "remote_addr": event.remote_addr,
                "known_user": event.user_id is not None,
            },
            reference=event.username,
        )
    )
