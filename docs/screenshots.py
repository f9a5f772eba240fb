"""Take the README screenshots (docs/screenshots/*.png) of a running PharmaStock demo.

The pictures are taken with Playwright driving Debian's Chromium (no browser download: there
is no network), signing in through the real login form as each demo user.

Reproduce them from the repository root (SQLite demo: no PostgreSQL or Redis needed). A
separate SQLite file and media folder keep the screenshot data apart from your own demo::

    export DEBUG=1 REDIS_URL= DATABASE_URL=sqlite:////tmp/pharmastock-screenshots.sqlite3
    export MEDIA_ROOT=/tmp/pharmastock-screenshots-media
    .venv/bin/python docs/screenshots.py --setup-only      # prints the SKU to picture
    .venv/bin/python manage.py runserver 127.0.0.1:8011 --noreload &
    .venv/bin/python docs/screenshots.py --base-url http://127.0.0.1:8011 --sku <code>
    kill %1

`--setup-only` (or `--setup`, which then goes on to take the screenshots) is idempotent and
runs, in this process, against the database of the current settings:

* ``manage.py migrate`` and ``manage.py create_demo_users`` (logins: username = role name,
  password ``pharma-demo-<role>``);
* two audited changes to the viewer, so the audit trail has something to show::

      user_update(actor=admin, user=viewer, full_name="Vera M. Viewer",
                  reason="Name corrected after HR record")
      user_set_roles(actor=admin, user=viewer, roles={Role.VIEWER, Role.QUALITY},
                     reason="Covers QA during audit week")

* a user without any role: ``newhire`` ("New Hire"), password ``NO_ROLE_PASSWORD`` below;
* the demo inventory, when there is none yet (it ends yesterday, so the pictures follow the
  day they are taken)::

      manage.py generate_demo_data --if-empty --skus 300 --days 730 --sites 12 \\
          --suppliers 8 --seed 42

* one checked SKU import by the admin, ``new-skus.csv`` (``IMPORT_CSV`` below: two good rows
  and one with a negative unit cost), so the import page has row errors to show;
* it prints the code of the SKU with the highest average daily demand (over all its sites),
  the one the SKU detail picture shows.

Taking the screenshots only needs the server: it does not touch the database itself. The SKU
detail page pictured is the one given by ``--sku`` (``--setup`` passes the SKU it found);
without it, the SKU of the most valuable stock position (``/inventory/?sort=value&desc=on``).
"""

import argparse
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = Path(__file__).resolve().parent / "screenshots"

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}

NO_ROLE_USERNAME = "newhire"
NO_ROLE_PASSWORD = "first-day-at-the-warehouse-2025"  # noqa: S105 - demo account only

DEMO_DATA_OPTIONS = {"skus": 300, "days": 730, "sites": 12, "suppliers": 8, "seed": 42}

IMPORT_FILENAME = "new-skus.csv"
IMPORT_CSV = (
    "code,name,category,temperature_zone,shelf_life_days,min_remaining_shelf_life_days,"
    "unit_cost\n"
    "NEW-VAC-001,Influenza vaccine 0.5 mL syringe,vaccine,refrigerated,365,180,12.40\n"
    "NEW-ONC-002,Paclitaxel 300 mg/50 mL vial,oncology,room,730,365,48.90\n"
    "NEW-BIO-003,Adalimumab 40 mg pen,biologic,refrigerated,540,270,-15.00\n"
)


def demo_password(username: str) -> str:
    return f"pharma-demo-{username}"


# --------------------------------------------------------------------------- set-up (Django)


def setup_demo_data() -> str:
    """Migrate, create the demo users, the sample changes, the demo inventory and the checked
    import. Safe to run again. Returns the code of the SKU to picture."""
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import user_create, user_set_roles, user_update

    call_command("migrate", interactive=False, verbosity=0)
    call_command("create_demo_users")

    admin = User.objects.get(username="admin")
    viewer = User.objects.get(username="viewer")
    # Both services do nothing (and record nothing) when the values are already set.
    viewer = user_update(
        actor=admin,
        user=viewer,
        full_name="Vera M. Viewer",
        reason="Name corrected after HR record",
    )
    user_set_roles(
        actor=admin,
        user=viewer,
        roles={Role.VIEWER, Role.QUALITY},
        reason="Covers QA during audit week",
    )
    if not User.objects.filter(username=NO_ROLE_USERNAME).exists():
        user_create(
            actor=None,
            username=NO_ROLE_USERNAME,
            full_name="New Hire",
            email="newhire@demo.invalid",
            password=NO_ROLE_PASSWORD,
            roles=set(),
        )

    from django.db.models import Sum

    from inventory.models import ImportBatch, StockPosition
    from inventory.services.imports import import_check

    call_command("generate_demo_data", if_empty=True, **DEMO_DATA_OPTIONS)
    if not ImportBatch.objects.filter(original_name=IMPORT_FILENAME).exists():
        batch = import_check(
            actor=admin, kind="skus", filename=IMPORT_FILENAME, content=IMPORT_CSV.encode()
        )
        print(f"Checked {IMPORT_FILENAME}: {batch.get_status_display()}")
    call_command("refresh_lead_times")
    call_command("run_forecast", if_none_published=True)
    busiest = (
        StockPosition.objects.values("sku__code")
        .annotate(demand=Sum("avg_daily_demand"))
        .order_by("-demand", "sku__code")
        .first()
    )
    sku_code = busiest["sku__code"] if busiest else ""
    _override_forecast(User.objects.get(username="planner"), sku_code)
    call_command("run_policy_backtest", if_none=True)
    call_command("create_storage_units")
    call_command("link_demo_supplier_user")
    call_command("run_plan", if_none_published=True)
    call_command("compute_scorecards")
    call_command("evaluate_alerts")
    call_command("refresh_dashboard")
    _approve_and_plan_scenarios(User.objects.get(username="planner"))
    print(f"Set-up done; no-role login: {NO_ROLE_USERNAME} / {NO_ROLE_PASSWORD}")
    print(f"SKU with the highest average daily demand: {sku_code} (pass --sku {sku_code})")
    return sku_code


def _approve_and_plan_scenarios(planner: Any) -> None:
    """The two most urgent suggestions of two suppliers approved (so purchase orders with their
    signatures exist), the second order's line then changed and waiting for re-approval, and
    two what-if scenarios computed, once."""
    from optimization.models import Scenario, SuggestedOrder
    from optimization.services.approvals import approval_limit, suggestions_approve
    from optimization.services.plans import current_plan
    from optimization.services.scenarios import scenario_compute, scenario_create
    from suppliers.services.amendments import line_amend

    plan = current_plan()
    if plan is not None and not SuggestedOrder.objects.filter(status="approved").exists():
        chosen: dict[int, Any] = {}
        for suggestion in SuggestedOrder.objects.filter(
            plan=plan, value__lte=approval_limit(planner)
        ).order_by("urgency_rank", "pk"):
            chosen.setdefault(suggestion.supplier_id, suggestion)
            if len(chosen) == 2:
                break
        for suggestion in chosen.values():
            suggestions_approve(
                actor=planner,
                suggestion_ids=[suggestion.pk],
                password=demo_password("planner"),
                reason="Stock-out projected before the next delivery",
            )
        if len(chosen) == 2:
            second = SuggestedOrder.objects.get(pk=list(chosen.values())[1].pk)
            line = second.purchase_order_line
            line_amend(
                actor=planner,
                line_id=line.pk,
                quantity=line.quantity * 2,
                unit_price=line.unit_price,
                requested_date=line.requested_date,
                reason="Supplier offers the next price break for a full pallet",
            )
    if not Scenario.objects.exists():
        for name, changes in (
            ("Class A at 99 %", {"service_levels": {"A": 0.99}}),
            ("Demand +15 %", {"demand_uplift": 0.15}),
        ):
            scenario = scenario_create(actor=planner, name=name, changes=changes)
            scenario_compute(scenario_id=scenario.pk)


def _override_forecast(planner: Any, sku_code: str) -> None:
    """One planner override (+15 % for the coming week) on the pictured SKU's forecast, so the
    forecast page shows one."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from forecasting.models import ForecastOverride, SeriesForecast
    from forecasting.services import current_run, forecast_override_create

    run = current_run()
    series = SeriesForecast.objects.filter(run=run, sku__code=sku_code).first()
    if series is None or ForecastOverride.objects.exists():
        return
    start = max(timezone.localdate(), run.as_of)
    forecast_override_create(
        actor=planner,
        sku=series.sku,
        site=series.site,
        start_date=start,
        end_date=start + timedelta(days=6),
        kind="percent",
        value=Decimal("15"),
        reason="Flu clinic week at this hospital",
    )


def shoot_planning(s: "Shooter", page: Any) -> None:
    """Forecast runs, accuracy and an overridden forecast; the policies, a policy, the
    multi-echelon view, the backtest and the calculator."""
    page.goto("/forecasting/runs/")
    expect_visible(page.get_by_test_id("run-table"))
    s.shot(page, "forecast-runs.png")
    page.goto("/forecasting/accuracy/")
    expect_visible(page.get_by_test_id("accuracy-totals"))
    s.shot(page, "forecast-accuracy.png", full_page=True)
    page.goto("/optimization/")
    expect_visible(page.get_by_test_id("policy-table"))
    s.shot(page, "policies.png")
    page.goto(
        page.get_by_test_id("policy-table").locator("tbody tr td a").first.get_attribute("href")
    )
    expect_visible(page.get_by_test_id("policy-title"))
    page.wait_for_timeout(500)
    s.shot(page, "policy-detail.png", full_page=True)
    page.goto("/optimization/network/")
    expect_visible(page.get_by_test_id("network-table"))
    page.wait_for_timeout(500)
    s.shot(page, "optimization-network.png", full_page=True)
    page.goto("/optimization/backtest/")
    expect_visible(page.get_by_test_id("simulation-table"))
    page.wait_for_timeout(500)
    s.shot(page, "policy-backtest.png", full_page=True)
    page.goto("/optimization/calculator/")
    expect_visible(page.get_by_test_id("ss-result"))
    s.shot(page, "calculator.png")


def shoot_portal(s: "Shooter") -> None:
    """The supplier portal and one of its orders, as the demo supplier user."""
    page = s.new_page("supplier", demo_password("supplier"))
    page.goto("/portal/")
    expect_visible(page.get_by_test_id("portal-orders"))
    s.shot(page, "portal.png")
    page.goto(page.get_by_test_id("portal-order-link").first.get_attribute("href"))
    expect_visible(page.get_by_test_id("asn-section"))
    s.shot(page, "portal-order.png", full_page=True)
    page.context.close()


def shoot_warehouse(s: "Shooter") -> None:
    """The warehouse's day and the receipt form of the first order waiting for goods, as the
    demo warehouse user."""
    page = s.new_page("warehouse", demo_password("warehouse"))
    page.goto("/warehouse/")
    expect_visible(page.get_by_test_id("warehouse-receive"))
    s.shot(page, "warehouse.png")
    page.goto("/suppliers/receiving/")
    page.get_by_test_id("receiving-order").first.get_by_role("link", name="Receive").click()
    expect_visible(page.get_by_test_id("receipt-form"))
    s.shot(page, "goods-receipt.png", full_page=True)
    page.context.close()


def shoot_watch(s: "Shooter", page: Any) -> None:
    """The overview, the alert inbox with one alert opened, and supplier performance."""
    page.goto("/alerts/dashboard/")
    expect_visible(page.get_by_test_id("main-nav"))
    page.wait_for_timeout(800)
    s.shot(page, "overview.png", full_page=True)
    page.goto("/alerts/")
    expect_visible(page.get_by_test_id("inbox-table"))
    page.get_by_test_id("open").first.click()
    expect_visible(page.get_by_test_id("alert-detail").first)
    s.shot(page, "alerts.png")
    page.goto("/suppliers/performance/")
    expect_visible(page.get_by_test_id("performance-table"))
    page.wait_for_timeout(600)
    s.shot(page, "supplier-performance.png", full_page=True)


def shoot_replenishment(s: "Shooter", page: Any) -> None:
    """The worklist with a row opened, the approval dialog, a purchase order and its printable
    page, an order whose line was changed after approval, and the what-if scenarios."""
    page.goto("/optimization/plan/")
    expect_visible(page.get_by_test_id("worklist-table"))
    page.get_by_test_id("toggle-detail").first.click()
    expect_visible(page.get_by_test_id("suggestion-detail").first)
    page.wait_for_timeout(600)
    s.shot(page, "worklist.png", full_page=True)
    page.get_by_test_id("approve").first.click()
    expect_visible(page.get_by_test_id("approve-dialog"))
    page.wait_for_timeout(400)
    s.shot(page, "approve-dialog.png")
    page.goto("/optimization/plan/?status=approved")
    orders = [link.get_attribute("href") for link in page.get_by_test_id("po-link").all()]
    changed = []
    for href in orders:
        page.goto(href)
        expect_visible(page.get_by_test_id("po-lines"))
        if page.get_by_test_id("line-reapproval").count():
            changed.append(href)
    settled = [href for href in orders if href not in changed]
    page.goto(settled[0])
    expect_visible(page.get_by_test_id("po-lines"))
    s.shot(page, "purchase-order.png", full_page=True)
    page.goto(page.get_by_test_id("po-print").get_attribute("href"))
    expect_visible(page.get_by_test_id("po-signatures"))
    s.shot(page, "purchase-order-print.png", full_page=True)
    if changed:
        page.goto(changed[0])
        expect_visible(page.get_by_test_id("line-reapproval"))
        s.shot(page, "purchase-order-change.png", full_page=True)
    page.goto("/optimization/scenarios/")
    expect_visible(page.get_by_test_id("scenario-table"))
    page.goto(
        page.get_by_test_id("scenario-table").locator("tbody tr a").first.get_attribute("href")
    )
    expect_visible(page.get_by_test_id("scenario-kpis"))
    page.wait_for_timeout(600)
    s.shot(page, "scenario.png", full_page=True)


def expect_visible(locator: Any) -> None:
    from playwright.sync_api import expect

    expect(locator).to_be_visible()


# ------------------------------------------------------------------------ screenshots (HTTP)


class Shooter:
    """Fresh browser contexts (one cookie jar per user) and the screenshot files."""

    def __init__(self, browser: Any, base_url: str, out_dir: Path) -> None:
        self.browser, self.base_url, self.out_dir = browser, base_url, out_dir
        self.saved: list[Path] = []

    def new_page(self, username: str | None = None, password: str = "") -> Any:
        """A page in a new context, signed in through the login form when a user is given."""
        context = self.browser.new_context(base_url=self.base_url, viewport=VIEWPORT)
        context.set_default_timeout(15_000)
        page = context.new_page()
        if username:
            page.goto("/accounts/login/")
            page.locator("#id_username").fill(username)
            page.locator("#id_password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state("networkidle")
            if "/accounts/login/" in page.url:
                raise SystemExit(f"Could not sign in as {username!r} (did you run --setup?)")
        return page

    def shot(self, page: Any, name: str, *, full_page: bool = False) -> None:
        page.wait_for_load_state("networkidle")
        path = self.out_dir / name
        page.screenshot(path=str(path), full_page=full_page)
        self.saved.append(path)
        print(f"saved {path}")


def shoot_inventory(s: Shooter, page: Any, sku_code: str) -> None:
    """The inventory pages of a signed-in planner: list, SKU detail, lots and network."""
    from playwright.sync_api import expect

    # 7. Inventory list, 8. SKU detail, 9. lots and 10. the network.
    page.goto("/inventory/?category=vaccine")
    expect(page.get_by_test_id("stock-table").locator("tbody tr").first).to_be_visible()
    s.shot(page, "inventory-list.png")
    if sku_code:
        page.goto(f"/inventory/?q={sku_code}")
    else:
        page.goto("/inventory/?sort=value&desc=on")
    link = page.get_by_test_id("stock-table").locator("tbody tr td a").first
    page.goto(link.get_attribute("href"))  # /inventory/sku/<id>/
    expect(page.get_by_test_id("sku-title")).to_be_visible()
    for canvas in ("#demand-chart", "#expiry-chart"):
        if page.locator(canvas).count():
            # Chart.js keeps the chart it drew on the canvas; without it the canvas is blank.
            page.wait_for_function(
                f"window.Chart && Chart.getChart(document.querySelector({canvas!r}))"
            )
    s.shot(page, "sku-detail.png")
    sku_url = page.url
    page.get_by_test_id("forecast-link").first.click()
    expect(page.get_by_test_id("series-title")).to_be_visible()
    page.wait_for_function(
        "window.Chart && Chart.getChart(document.querySelector('#forecast-chart'))"
    )
    s.shot(page, "forecast-series.png", full_page=True)
    page.goto(sku_url)
    page.goto("/inventory/lots/?expires=90")
    expect(page.get_by_test_id("lot-table").locator("tbody tr").first).to_be_visible()
    s.shot(page, "lots.png")
    page.goto("/inventory/network/")
    expect(page.get_by_test_id("network-table")).to_be_visible()
    s.shot(page, "network.png", full_page=True)


def take_screenshots(base_url: str, out_dir: Path, sku_code: str = "") -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        s = Shooter(browser, base_url, out_dir)

        # 1. Login page (anonymous).
        page = s.new_page()
        page.goto("/accounts/login/")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        s.shot(page, "login.png")
        page.context.close()

        # 2. Planner's dashboard, the inventory pages (7-10), then 4. the API docs.
        page = s.new_page("planner", demo_password("planner"))
        page.goto("/")
        expect(page.get_by_test_id("main-nav")).to_be_visible()
        s.shot(page, "dashboard-planner.png", full_page=True)
        shoot_inventory(s, page, sku_code)
        shoot_planning(s, page)
        shoot_replenishment(s, page)
        shoot_watch(s, page)
        page.goto("/api/docs/")
        page.locator(".swagger-ui .opblock").first.wait_for(state="visible")
        # Expand the first operation so the picture shows what a call looks like.
        page.locator(".swagger-ui .opblock-summary").first.click()
        page.locator(".swagger-ui .opblock.is-open .opblock-body").first.wait_for()
        page.evaluate("window.scrollTo(0, 0)")
        s.shot(page, "api-docs.png")
        page.context.close()

        # 3. Audit trail and 5. the viewer's admin change page, as the admin.
        page = s.new_page("admin", demo_password("admin"))
        page.goto("/audit/")
        expect(page.locator("table tbody tr").first).to_be_visible()
        s.shot(page, "audit-trail.png")
        page.goto("/admin/accounts/user/?q=viewer")
        link = page.locator("#result_list th a", has_text="viewer").first
        page.goto(link.get_attribute("href").split("?")[0])  # /admin/accounts/user/<id>/change/
        expect(page.locator("#id_roles")).to_be_visible()
        expect(page.locator("#id_change_reason")).to_be_visible()
        s.shot(page, "admin-user.png", full_page=True)
        # 11. The check of an import with a bad row (made by --setup).
        page.goto("/inventory/imports/")
        page.get_by_test_id("import-history").get_by_role("link", name="new-skus.csv").first.click()
        expect(page.get_by_test_id("import-errors")).to_be_visible()
        s.shot(page, "import-check.png", full_page=True)
        page.context.close()

        shoot_portal(s)
        shoot_warehouse(s)

        # 6. What a signed-in user without a role sees.
        page = s.new_page(NO_ROLE_USERNAME, NO_ROLE_PASSWORD)
        page.goto("/")
        expect(page.get_by_test_id("access-denied")).to_be_visible()
        s.shot(page, "no-role.png")
        page.context.close()

        browser.close()
    return s.saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8011")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--setup", action="store_true", help="set up the demo data first")
    group.add_argument("--setup-only", action="store_true", help="only set up the demo data")
    parser.add_argument(
        "--sku",
        default="",
        help="code of the SKU whose detail page to picture (default: the one --setup finds, "
        "else the SKU of the most valuable stock position)",
    )
    args = parser.parse_args()
    sku_code = args.sku
    if args.setup or args.setup_only:
        found = setup_demo_data()
        sku_code = sku_code or found
    if not args.setup_only:
        take_screenshots(args.base_url.rstrip("/"), args.out_dir, sku_code)


if __name__ == "__main__":
    main()
