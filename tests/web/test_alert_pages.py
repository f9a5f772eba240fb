"""The alert inbox pages: filters, the detail with its timeline, the actions through htmx, who
may act, the navigation badge and the e-mail preferences."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from alerts.models import Alert, AlertStatus, NotificationPreference
from alerts.services.alerts import Condition, alert_assign, alert_raise, alerts_sync
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def raise_alert(key: str, severity: str = "high", kind: str = "po_late", **fields) -> Alert:  # type: ignore[no-untyped-def]
    return alert_raise(
        Condition(
            kind=kind,
            key=key,
            severity=severity,
            title=fields.pop("title", f"Alert {key}"),
            message=fields.pop("message", f"Message about {key}"),
            **fields,
        )
    )


@pytest.fixture
def alerts(make_user):  # type: ignore[no-untyped-def]
    site = SiteFactory(code="HOSP-9")
    critical = raise_alert(
        "sku:1:site:1", "critical", "stockout_risk", site_id=site.pk, title="AMX runs out"
    )
    high = raise_alert("po:7", "high", reference="PO-000007", title="PO-000007 late")
    low = raise_alert("sku:2:site:1", "low", "forecast_accuracy", title="Forecast worse")
    resolved = raise_alert("po:8", "medium", "po_unacknowledged", title="Old one")
    alerts_sync("po_unacknowledged", [])
    return {"site": site, "critical": critical, "high": high, "low": low, "resolved": resolved}


def rows(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [alert.title for alert in response.context["alerts"]]


def test_inbox_lists_active_alerts_most_severe_first_with_counts(client, planner, alerts) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)
    response = client.get(reverse("alerts:inbox"))
    assert response.status_code == 200
    assert rows(response) == ["AMX runs out", "PO-000007 late", "Forecast worse"]
    counts = {value: n for value, _, n in response.context["severity_counts"]}
    assert counts == {"critical": 1, "high": 1, "medium": 0, "low": 1}
    assert b'data-testid="inbox-filters"' in response.content


def test_inbox_filters(client, planner, alerts) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)
    url = reverse("alerts:inbox")
    assert rows(client.get(url, {"severity": "high"})) == ["PO-000007 late"]
    assert rows(client.get(url, {"kind": "forecast_accuracy"})) == ["Forecast worse"]
    assert rows(client.get(url, {"site": alerts["site"].pk})) == ["AMX runs out"]
    assert rows(client.get(url, {"status": "resolved"})) == ["Old one"]
    assert len(rows(client.get(url, {"status": "all"}))) == 4
    assert rows(client.get(url, {"q": "PO-000007"})) == ["PO-000007 late"]
    assert rows(client.get(url, {"sort": "oldest"}))[0] == "AMX runs out"
    alert_assign(actor=planner, alert_id=alerts["high"].pk, assignee=planner)
    assert rows(client.get(url, {"assignee": "me"})) == ["PO-000007 late"]
    assert "PO-000007 late" not in rows(client.get(url, {"assignee": "unassigned"}))

    fragment = client.get(url, {"severity": "critical"}, **HTMX)
    assert fragment.content.lstrip().startswith(b'<div id="results"')
    assert "HX-Request" in fragment["Vary"]


def test_detail_shows_message_and_timeline(client, planner, alerts) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)
    resolved = alerts["resolved"]
    response = client.get(reverse("alerts:detail", args=[resolved.pk]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Message about po:8" in html
    assert "Opened by the rules" in html
    assert "Resolved: condition cleared" in html
    assert 'data-testid="actions"' not in html  # a resolved alert takes no more actions
    page = client.get(reverse("alerts:detail", args=[alerts["high"].pk]))
    assert page.status_code == 200 and b"<html" in page.content
    assert client.get(reverse("alerts:detail", args=[99999])).status_code == 404


def test_actions_through_htmx(client, planner, make_user, alerts) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)
    colleague = make_user("quality", full_name="Quinn Quality")
    alert = alerts["critical"]

    response = client.post(reverse("alerts:acknowledge", args=[alert.pk]), **HTMX)
    assert response.status_code == 200
    assert "alertsChanged" in response["HX-Trigger"]
    assert "Acknowledged." in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.ACKNOWLEDGED

    client.post(reverse("alerts:assign", args=[alert.pk]), {"assignee": colleague.pk}, **HTMX)
    assert Alert.objects.get(pk=alert.pk).assignee == colleague
    response = client.post(reverse("alerts:comment", args=[alert.pk]), {"body": "On it"}, **HTMX)
    html = response.content.decode()
    assert "On it" in html and "Assigned to Quinn Quality" in html

    missing = client.post(reverse("alerts:resolve", args=[alert.pk]), {"reason": ""}, **HTMX)
    assert missing.status_code == 200
    assert 'data-testid="error-reason"' in missing.content.decode()
    assert "HX-Trigger" not in missing
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.ACKNOWLEDGED

    done = client.post(
        reverse("alerts:resolve", args=[alert.pk]), {"reason": "Transfer from DC arrived"}, **HTMX
    )
    assert "Transfer from DC arrived" in done.content.decode()
    alert.refresh_from_db()
    assert (alert.status, alert.resolution, alert.resolved_by) == (
        "resolved",
        "Transfer from DC arrived",
        planner,
    )

    again = client.post(reverse("alerts:acknowledge", args=[alert.pk]), **HTMX)
    assert "already resolved" in again.content.decode()


def test_actions_without_htmx_redirect_to_the_detail(client, planner, alerts) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)
    alert = alerts["high"]
    response = client.post(reverse("alerts:acknowledge", args=[alert.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "alerts:detail", args=[alert.pk]
    )
    refused = client.post(reverse("alerts:resolve", args=[alert.pk]), {"reason": ""})
    assert refused.status_code == 400


@pytest.mark.parametrize("role", ["quality", "admin"])
def test_quality_and_admins_act_too(client, make_user, alerts, role) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(role))
    response = client.post(reverse("alerts:acknowledge", args=[alerts["low"].pk]), **HTMX)
    assert response.status_code == 200


def test_viewers_read_but_cannot_act(client, make_user, alerts) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user("viewer"))
    alert = alerts["critical"]
    assert client.get(reverse("alerts:inbox")).status_code == 200
    detail = client.get(reverse("alerts:detail", args=[alert.pk]), **HTMX)
    assert 'data-testid="read-only"' in detail.content.decode()
    for name, data in (
        ("alerts:acknowledge", {}),
        ("alerts:assign", {"assignee": ""}),
        ("alerts:comment", {"body": "hi"}),
        ("alerts:resolve", {"reason": "no"}),
    ):
        assert client.post(reverse(name, args=[alert.pk]), data, **HTMX).status_code == 403
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN


def test_suppliers_see_no_alerts(client, make_user, alerts) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user("supplier"))
    for url in (
        reverse("alerts:inbox"),
        reverse("alerts:badge"),
        reverse("alerts:detail", args=[alerts["high"].pk]),
        reverse("alerts:preferences"),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("alerts:acknowledge", args=[alerts["high"].pk])).status_code == 403


def test_badge_counts_active_alerts_with_critical_in_red(client, planner, alerts, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ALERTS_BADGE_POLL_SECONDS = 3
    client.force_login(planner)
    response = client.get(reverse("alerts:badge"), **HTMX)
    html = response.content.decode()
    assert 'data-total="3"' in html and 'data-critical="1"' in html
    assert "text-bg-danger" in html and 'hx-trigger="every 3s' in html
    assert response["Cache-Control"] == "no-store"

    page = client.get(reverse("home"))
    assert reverse("alerts:badge").encode() in page.content


def test_badge_is_not_on_pages_of_users_who_cannot_see_alerts(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user("supplier"))
    assert reverse("alerts:badge").encode() not in client.get(reverse("home")).content


def test_preferences_page_saves_the_users_choice(client, planner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)
    url = reverse("alerts:preferences")
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"]["email_critical"].value() is True
    response = client.post(url, {"email_high": "on"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=planner)
    assert (preference.email_critical, preference.email_high) == (False, True)


def _security_alert():  # type: ignore[no-untyped-def]
    return alert_raise(
        Condition(
            kind="security",
            key="lockout:someone",
            severity="high",
            title="Sign-in locked for someone",
            message="Five failed sign-ins from 10.0.0.9.",
        )
    )


@pytest.mark.django_db
def test_security_alerts_are_shown_to_user_administrators_only(client, make_user) -> None:  # type: ignore[no-untyped-def]
    alert = _security_alert()
    planner, admin = make_user(Role.PLANNER), make_user(Role.ADMIN)

    client.force_login(planner)
    assert "Sign-in locked" not in client.get(reverse("alerts:inbox")).content.decode()
    assert client.get(reverse("alerts:detail", args=[alert.pk])).status_code == 404
    client.force_login(admin)
    assert "Sign-in locked" in client.get(reverse("alerts:inbox")).content.decode()


@pytest.mark.django_db
def test_security_alerts_are_e_mailed_to_user_administrators_only(make_user) -> None:  # type: ignore[no-untyped-def]
    from alerts.services.alerts import recipients

    planner, admin = make_user(Role.PLANNER), make_user(Role.ADMIN)
    for user in (planner, admin):
        NotificationPreference.objects.create(user=user, email_high=True)

    assert recipients(_security_alert()) == [admin]
