"""What each kind of user sees after signing in through the real login form, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from accounts.services import user_update

pytestmark = pytest.mark.e2e


def test_planner_sees_planner_navigation(page, sign_in, make_user):  # type: ignore[no-untyped-def]
    make_user("planner", username="paula", full_name="Paula Planner")

    sign_in("paula")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Good to see you, Paula")).to_be_visible()
    nav = page.get_by_test_id("main-nav")
    expect(nav.get_by_test_id("nav-home")).to_be_visible()
    expect(nav.get_by_test_id("nav-home")).to_have_text("Home")
    expect(nav.get_by_test_id("nav-api_docs")).to_be_visible()
    expect(nav.get_by_test_id("nav-audit_trail")).to_have_count(0)
    expect(nav.get_by_test_id("nav-adminindex")).to_have_count(0)
    for item in (
        "nav-inventorystock_list",
        "nav-forecastingruns",
        "nav-optimizationpolicies",
        "nav-optimizationworklist",
        "nav-supplierspurchase_orders",
        "nav-suppliersperformance",
        "nav-alertsinbox",
        "nav-alertsdashboard",
        "nav-demobusiness_case",
    ):
        expect(nav.get_by_test_id(item)).to_be_visible()
    expect(nav.get_by_role("link")).to_have_count(11)
    current_user = page.get_by_test_id("current-user")
    expect(current_user).to_contain_text("Paula Planner")
    expect(current_user.locator(".badge")).to_have_text(["Planner"])


def test_admin_sees_administration_and_audit_trail(page, sign_in, make_user):  # type: ignore[no-untyped-def]
    make_user("admin", username="ada", full_name="Ada Admin")

    sign_in("ada")

    nav = page.get_by_test_id("main-nav")
    expect(nav.get_by_test_id("nav-adminindex")).to_be_visible()
    expect(nav.get_by_test_id("nav-adminindex")).to_have_text("Administration")
    expect(nav.get_by_test_id("nav-adminindex")).to_have_attribute("href", "/admin/")
    expect(nav.get_by_test_id("nav-audit_trail")).to_be_visible()
    expect(nav.get_by_test_id("nav-audit_trail")).to_have_text("Audit trail")
    expect(page.get_by_test_id("current-user").locator(".badge")).to_have_text(["Administrator"])


def test_user_without_role_sees_no_role_page(page, sign_in, make_user):  # type: ignore[no-untyped-def]
    make_user(username="nora", full_name="Nora Norole")

    sign_in("nora")

    denied = page.get_by_test_id("access-denied")
    expect(denied).to_be_visible()
    expect(denied).to_contain_text("Your account has no role yet")
    expect(denied).to_contain_text("nora")
    expect(page.get_by_test_id("main-nav").get_by_role("link")).to_have_count(0)
    expect(page.get_by_test_id("current-user").locator(".badge")).to_have_text(["no role"])
    expect(page.get_by_test_id("logout")).to_be_visible()


def test_wrong_password_shows_error_and_stays_on_login(page, sign_in, make_user):  # type: ignore[no-untyped-def]
    make_user("planner", username="paula")

    sign_in("paula", password="not-the-password")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Please enter a correct username and password"
    )
    expect(page.locator("#id_username")).to_have_value("paula")
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.get_by_test_id("main-nav")).to_have_count(0)


def test_quality_filters_audit_trail_by_user(page, sign_in, make_user):  # type: ignore[no-untyped-def]
    quality = make_user("quality", username="quinn", full_name="Quinn Quality")
    admin = make_user("admin", username="ada", full_name="Ada Admin")
    target = make_user("viewer", username="vic", full_name="Vic Viewer")
    user_update(actor=quality, user=target, full_name="Victor Viewer", reason="typo")
    user_update(actor=admin, user=target, email="victor@example.test", reason="new address")

    sign_in("quinn")
    page.get_by_test_id("nav-audit_trail").click()
    page.wait_for_load_state()  # htmx is ready before the next click

    expect(page).to_have_url(re.compile(r"/audit/$"))
    rows = page.locator("#trail-results tbody tr")
    actors = rows.locator("td:nth-child(2)")  # the "User" column: who made the change
    expect(actors.filter(has_text="Quinn Quality (quinn)")).to_have_count(1)
    expect(actors.filter(has_text="Ada Admin (ada)")).to_have_count(1)
    page.evaluate("window.notReloaded = true")  # gone if the filter reloads the whole page

    page.get_by_test_id("trail-filters").get_by_label("User").select_option(str(quality.pk))

    expect(page).to_have_url(re.compile(rf"/audit/\?(.*&)?actor={quality.pk}(&|$)"))
    expect(actors).to_have_text(["Quinn Quality (quinn)"])
    expect(rows.first).to_contain_text("Victor Viewer")
    expect(rows.first).to_contain_text("typo")
    assert page.evaluate("window.notReloaded") is True, "the filter reloaded the page (no htmx)"
