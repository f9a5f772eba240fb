"""A planner is at work when a critical alert opens: the navigation badge shows it without a
reload; the planner opens it, acknowledges it and resolves it with a reason, and the inbox shows
it resolved."""

import pytest
from playwright.sync_api import expect

from alerts.models import Alert
from alerts.services.alerts import Condition, alert_raise
from tests.factories import SiteFactory, SkuFactory

pytestmark = pytest.mark.e2e


def test_planner_sees_a_new_critical_alert_and_resolves_it(
    page, sign_in, make_user, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.ALERTS_BADGE_POLL_SECONDS = 1
    make_user("planner", username="paula", full_name="Paula Planner")
    sku, site = SkuFactory(code="AMX-500"), SiteFactory(code="HOSP-1")

    sign_in("paula")
    badge = page.get_by_test_id("alerts-badge")
    expect(badge).to_have_attribute("data-total", "0")
    page.evaluate("window.notReloaded = true")  # gone if anything reloads the page

    alert = alert_raise(
        Condition(
            kind="stockout_risk",
            key=f"sku:{sku.pk}:site:{site.pk}",
            severity="critical",
            title="Stock-out of AMX-500 at HOSP-1 on 2026-03-08",
            message="AMX-500 at HOSP-1 runs out on 2026-03-08 (6 days): 30 units on hand.",
            sku_id=sku.pk,
            site_id=site.pk,
        )
    )

    expect(badge).to_have_attribute("data-critical", "1")
    expect(page.get_by_test_id("alerts-badge-critical")).to_contain_text("1")
    assert page.evaluate("window.notReloaded") is True, "the badge reloaded the page"

    page.get_by_test_id("nav-alertsinbox").click()

    page.wait_for_load_state()  # htmx is ready before the next click
    row = page.get_by_test_id(f"alert-{alert.pk}")
    expect(row.get_by_test_id("severity")).to_have_text("Critical")
    row.get_by_test_id("open").click()
    detail = page.get_by_test_id(f"detail-{alert.pk}")
    expect(detail.get_by_test_id("message")).to_contain_text("runs out on 2026-03-08")

    detail.get_by_test_id("acknowledge").click()
    expect(detail.get_by_test_id("detail-status")).to_have_text("Acknowledged")
    expect(detail.get_by_test_id("timeline")).to_contain_text("Acknowledged by Paula Planner")
    expect(row.get_by_test_id("status")).to_have_text("Acknowledged")  # the list refreshed

    detail.get_by_test_id("resolve").click()
    expect(detail.get_by_test_id("error-reason")).to_contain_text("Give a reason")
    detail.get_by_label("Reason for resolving").fill("Transfer of 200 units from DC-1 arrived")
    detail.get_by_test_id("resolve").click()
    expect(detail.get_by_test_id("detail-status")).to_have_text("Resolved")
    expect(detail.get_by_test_id("timeline")).to_contain_text(
        "Transfer of 200 units from DC-1 arrived"
    )
    expect(page.get_by_test_id("alerts-badge")).to_have_attribute("data-critical", "0")
    expect(row).to_have_count(0)  # the inbox shows active alerts by default

    page.get_by_test_id("inbox-filters").get_by_label("Status").select_option("resolved")
    expect(row.get_by_test_id("status")).to_have_text("Resolved")
    assert Alert.objects.get(pk=alert.pk).resolution == "Transfer of 200 units from DC-1 arrived"
