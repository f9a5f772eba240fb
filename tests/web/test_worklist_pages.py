"""The replenishment worklist pages: the current plan's suggested orders, their edit, rejection
and signed approval, the transfers, plan runs and the export."""

import csv
import re
from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest

from accounts.models import SecurityEvent, Signature
from accounts.roles import Role
from optimization.models import (
    PlanRun,
    PlanRunChunk,
    SuggestedOrder,
    SuggestedTransfer,
)
from suppliers.models import PurchaseOrderLine
from tests.factories import (
    TEST_PASSWORD,
    PlanRunFactory,
    SiteFactory,
    SkuFactory,
    SuggestedOrderFactory,
    published_plan,
)

pytestmark = pytest.mark.django_db

WORKLIST = "/optimization/plan/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def paula(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.PLANNER, username="paula", full_name="Paula Planner")


@pytest.fixture
def plan():  # type: ignore[no-untyped-def]
    return published_plan()


@pytest.fixture
def orders(plan):  # type: ignore[no-untyped-def]
    """Three open suggestions and a rejected one in the current plan."""
    north, south = SiteFactory(code="HOSP-N"), SiteFactory(code="HOSP-S")
    return {
        "amx": SuggestedOrderFactory(
            plan=plan,
            sku=SkuFactory(code="AMX-500", name="Amoxicillin 500 mg"),
            site=north,
            urgency="critical",
            urgency_rank=0,
            abc_class="A",
            quantity=300,
            value=Decimal("3000.00"),
        ),
        "pcm": SuggestedOrderFactory(
            plan=plan,
            sku=SkuFactory(code="PCM-100", name="Paracetamol 100 mg"),
            site=south,
            urgency="normal",
            urgency_rank=2,
            abc_class="C",
        ),
        "ibu": SuggestedOrderFactory(
            plan=plan, sku=SkuFactory(code="IBU-200"), site=north, abc_class="B"
        ),
        "old": SuggestedOrderFactory(
            plan=plan, sku=SkuFactory(code="REJ-001"), site=south, status="rejected"
        ),
    }


def table(response) -> str:  # type: ignore[no-untyped-def]
    page = response.content.decode()
    found = re.search(r'data-testid="worklist-table">(.*?)</table>', page, re.S)
    assert found, "no worklist table on the page"
    return found.group(1)


def item(response, suggestion) -> str:  # type: ignore[no-untyped-def]
    page = response.content.decode()
    found = re.search(rf'<tbody id="s-{suggestion.pk}".*?</tbody>', page, re.S)
    assert found, f"suggestion {suggestion.pk} is not on the page"
    return found.group(0)


# ---- reading --------------------------------------------------------------------------------


def test_the_worklist_lists_the_open_suggestions_most_urgent_first(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)

    rows = table(client.get(WORKLIST))

    assert rows.index("AMX-500") < rows.index("IBU-200") < rows.index("PCM-100")
    assert "REJ-001" not in rows


def test_status_all_shows_decided_suggestions_too(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)

    rows = table(client.get(WORKLIST, {"status": "all"}))

    assert "REJ-001" in rows and "AMX-500" in rows


def test_filters_by_urgency_site_and_abc(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)
    north = orders["amx"].site

    by_urgency = table(client.get(WORKLIST, {"urgency": "critical"}))
    by_site_and_abc = table(client.get(WORKLIST, {"site": north.pk, "abc": "B"}))

    assert "AMX-500" in by_urgency and "IBU-200" not in by_urgency
    assert "IBU-200" in by_site_and_abc and "AMX-500" not in by_site_and_abc


def test_filters_by_supplier(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)

    rows = table(client.get(WORKLIST, {"supplier": orders["pcm"].supplier_id}))

    assert "PCM-100" in rows and "AMX-500" not in rows


def test_search_matches_sku_names(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)

    rows = table(client.get(WORKLIST, {"q": "paracetamol"}))

    assert "PCM-100" in rows and "AMX-500" not in rows


def test_sorts_by_value_descending(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)

    rows = table(client.get(WORKLIST, {"sort": "value", "desc": "on"}))

    assert rows.index("AMX-500") < rows.index("PCM-100")
    assert 'aria-sort="descending"' in rows


def test_pages_hold_fifty_rows(client, paula, plan) -> None:  # type: ignore[no-untyped-def]
    SuggestedOrderFactory.create_batch(51, plan=plan)
    client.force_login(paula)

    first = client.get(WORKLIST)
    second = client.get(WORKLIST, {"page": 2})

    assert table(first).count('class="worklist-item') == 50
    assert table(second).count('class="worklist-item') == 1
    assert "1\u201350 of 51" in first.content.decode()  # an en dash


def test_an_htmx_filter_answers_with_the_results_only(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)

    response = client.get(WORKLIST, {"urgency": "normal"}, **HTMX)

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="results">')
    assert "PCM-100" in page and "AMX-500" not in page
    assert "<html" not in page
    assert "HX-Request" in response["Vary"]


def test_the_header_counts_by_status_and_urgency_with_the_open_value(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)

    page = client.get(WORKLIST).content.decode()

    assert re.search(r'data-testid="count-open">3<', page)
    assert re.search(r'data-testid="count-urgency-critical">Critical 1<', page)
    assert re.search(r'data-testid="count-status-rejected">.*?>1</span>', page, re.S)
    assert re.search(r'data-testid="count-open-value">5,000.00<', page)  # 3,000 + 1,000 + 1,000


def test_without_a_plan_the_page_says_so(client, paula) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)

    page = client.get(WORKLIST).content.decode()

    assert "No plan yet" in page
    assert 'data-testid="worklist-table"' not in page


def test_when_no_row_matches_the_page_says_so(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)

    rows = table(client.get(WORKLIST, {"q": "no-such-sku"}))

    assert "No suggested orders match these filters." in rows


def test_urgency_badges_are_coloured(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)
    response = client.get(WORKLIST)

    assert 'text-bg-danger" title="Critical' in item(response, orders["amx"])
    assert 'text-bg-warning" title="High' in item(response, orders["ibu"])
    assert 'text-bg-secondary" title="Normal' in item(response, orders["pcm"])


def test_a_row_opens_with_its_reason_and_projection(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    amx = orders["amx"]
    client.force_login(paula)

    response = client.get(f"/optimization/plan/orders/{amx.pk}/", {"show": "detail"}, **HTMX)

    page = response.content.decode()
    assert page.startswith(f'<tbody id="s-{amx.pk}"') or f'<tbody id="s-{amx.pk}"' in page[:400]
    assert amx.reason in page
    assert 'class="projection-chart"' in page
    assert f'id="projection-{amx.pk}"' in page
    assert '"without": [40, 30, 20]' in page


def test_an_approved_row_shows_its_approver_and_po_link(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    from optimization.services.approvals import suggestions_approve

    suggestions_approve(actor=paula, suggestion_ids=[orders["ibu"].pk], password=TEST_PASSWORD)
    line = PurchaseOrderLine.objects.get()
    client.force_login(paula)

    row = item(client.get(WORKLIST, {"status": "approved"}), orders["ibu"])

    decided_at = SuggestedOrder.objects.get(pk=orders["ibu"].pk).decided_at
    assert "Approved" in row and f"by Paula Planner, {decided_at:%Y-%m-%d %H:%M} UTC" in row
    po = line.purchase_order
    assert f'href="/suppliers/purchase-orders/{po.pk}/"' in row and po.number in row


def test_a_suggestion_has_a_page_of_its_own(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    amx = orders["amx"]
    client.force_login(paula)

    page = client.get(f"/optimization/plan/orders/{amx.pk}/").content.decode()

    assert "<html" in page and "Suggested order: AMX-500 for HOSP-N" in page
    assert amx.reason in page and 'class="projection-chart"' in page
    assert 'id="approve-dialog"' in page


# ---- editing --------------------------------------------------------------------------------


def edit(client, suggestion, **data):  # type: ignore[no-untyped-def]
    payload = {
        "quantity": suggestion.quantity,
        "order_date": suggestion.order_date.isoformat(),
        "reason": "",
        "version": suggestion.version,
        **data,
    }
    return client.post(f"/optimization/plan/orders/{suggestion.pk}/edit/", payload, **HTMX)


def test_the_edit_form_carries_the_rows_version(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    ibu = orders["ibu"]
    client.force_login(paula)

    page = client.get(f"/optimization/plan/orders/{ibu.pk}/edit/", **HTMX).content.decode()

    assert 'data-testid="edit-form"' in page and "novalidate" in page
    assert f'name="version" value="{ibu.version}"' in page
    assert 'name="quantity" value="100"' in page


def test_editing_with_a_good_quantity_and_a_reason_saves_it(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    ibu = orders["ibu"]
    client.force_login(paula)

    response = edit(client, ibu, quantity=150, reason="Tender starts next week")

    ibu.refresh_from_db()
    assert (ibu.quantity, ibu.status, ibu.edited_by) == (150, "edited", paula)
    assert ibu.edit_reason == "Tender starts next week"
    page = response.content.decode()
    assert "Change saved." in page and "edited by Paula Planner" in page
    assert 'hx-swap-oob="true"' in page  # the counts follow


def test_a_quantity_off_the_order_multiple_is_shown_by_field_and_not_saved(
    client, paula, orders
) -> None:  # type: ignore[no-untyped-def]
    ibu = orders["ibu"]
    client.force_login(paula)

    response = edit(client, ibu, quantity=155, reason="More please")

    page = response.content.decode()
    assert response.status_code == 200  # htmx swaps the form back with its messages
    error = re.search(r'data-testid="error-quantity">(.*?)</div>', page, re.S).group(1)
    assert "Must be a multiple of 10" in error and "e.g. 150 or 160" in error
    assert 'name="quantity" value="155"' in page
    ibu.refresh_from_db()
    assert (ibu.quantity, ibu.status, ibu.version) == (100, "proposed", 1)


def test_an_edit_without_a_reason_is_refused(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    ibu = orders["ibu"]
    client.force_login(paula)

    page = edit(client, ibu, quantity=150).content.decode()

    assert re.search(r'data-testid="error-reason">Give a reason for changing', page)
    assert 'data-testid="error-quantity"' not in page
    ibu.refresh_from_db()
    assert ibu.quantity == 100


def test_a_missing_reason_and_a_bad_quantity_are_shown_together(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    ibu = orders["ibu"]
    client.force_login(paula)

    page = edit(client, ibu, quantity=25).content.decode()

    assert 'data-testid="error-reason"' in page
    quantity = re.search(r'data-testid="error-quantity">(.*?)</div>', page, re.S).group(1)
    assert "minimum order quantity, 50" in quantity


def test_an_edit_against_an_older_version_shows_the_conflict(
    client, paula, make_user, orders
) -> None:  # type: ignore[no-untyped-def]
    from optimization.services.approvals import suggestion_edit

    ibu = orders["ibu"]
    other = make_user(Role.PLANNER, username="olga", full_name="Olga Other")
    suggestion_edit(
        actor=other,
        suggestion_id=ibu.pk,
        quantity=200,
        order_date=ibu.order_date,
        reason="Mine",
        expected_version=1,
    )
    client.force_login(paula)

    page = edit(client, ibu, quantity=150, reason="Yours", version=1).content.decode()

    error = re.search(r'data-testid="form-error">(.*?)</div>', page, re.S).group(1)
    assert "Olga Other changed IBU-200" in error and "Nothing was saved" in error
    ibu.refresh_from_db()
    assert (ibu.quantity, ibu.edited_by) == (200, other)


def test_without_javascript_an_edit_redirects_to_the_suggestion_page(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    ibu = orders["ibu"]
    client.force_login(paula)

    response = client.post(
        f"/optimization/plan/orders/{ibu.pk}/edit/",
        {
            "quantity": 200,
            "order_date": date.today().isoformat(),
            "reason": "Stock count",
            "version": 1,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/optimization/plan/orders/{ibu.pk}/"


# ---- rejecting ------------------------------------------------------------------------------


def test_rejecting_needs_a_reason(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    pcm = orders["pcm"]
    client.force_login(paula)

    page = client.post(
        f"/optimization/plan/orders/{pcm.pk}/reject/", {"reason": " ", "version": 1}, **HTMX
    ).content.decode()

    assert 'data-testid="error-reason"' in page
    pcm.refresh_from_db()
    assert pcm.status == "proposed"


def test_rejecting_with_a_reason_records_who_and_why(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    pcm = orders["pcm"]
    client.force_login(paula)

    page = client.post(
        f"/optimization/plan/orders/{pcm.pk}/reject/",
        {"reason": "Product discontinued", "version": 1},
        **HTMX,
    ).content.decode()

    pcm.refresh_from_db()
    assert (pcm.status, pcm.decided_by, pcm.decision_reason) == (
        "rejected",
        paula,
        "Product discontinued",
    )
    assert "Rejected" in page and "by Paula Planner: Product discontinued" in page


# ---- approving ------------------------------------------------------------------------------


def approve(client, *suggestions, password=TEST_PASSWORD, key="key-1"):  # type: ignore[no-untyped-def]
    data = {"ids": [s.pk for s in suggestions], "password": password, "idempotency_key": key}
    data.update({f"version-{s.pk}": s.version for s in suggestions})
    return client.post("/optimization/plan/approve/", data, **HTMX)


def test_the_signature_dialog_names_the_signer_and_has_a_new_key_each_time(
    client, paula, orders
) -> None:  # type: ignore[no-untyped-def]
    ibu = orders["ibu"]
    client.force_login(paula)

    first = client.get("/optimization/plan/approve/", {"ids": ibu.pk}, **HTMX).content.decode()
    second = client.get("/optimization/plan/approve/", {"ids": ibu.pk}, **HTMX).content.decode()

    assert re.search(r'data-testid="signer-name">Paula Planner<', first)
    assert "meaning: <strong>approved</strong>" in first
    assert 'type="password"' in first and "autofocus" in first
    key = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')
    assert key.search(first).group(1) != key.search(second).group(1)


def test_the_bulk_dialog_lists_the_chosen_rows_with_the_versions_seen(
    client, paula, orders
) -> None:  # type: ignore[no-untyped-def]
    ibu, pcm = orders["ibu"], orders["pcm"]
    client.force_login(paula)

    page = client.get(
        "/optimization/plan/approve/",
        {"ids": [ibu.pk, pcm.pk], f"version-{ibu.pk}": 1, f"version-{pcm.pk}": 1},
        **HTMX,
    ).content.decode()

    chosen = re.search(r'data-testid="approve-chosen">(.*?)</table>', page, re.S).group(1)
    assert "IBU-200" in chosen and "PCM-100" in chosen and "AMX-500" not in chosen
    assert f'name="version-{ibu.pk}" value="1"' in chosen
    assert "Approve 2 suggested orders" in page


def test_approving_with_the_right_password_creates_a_purchase_order_line(
    client, paula, orders
) -> None:  # type: ignore[no-untyped-def]
    ibu = orders["ibu"]
    client.force_login(paula)

    response = approve(client, ibu)

    line = PurchaseOrderLine.objects.get()
    ibu.refresh_from_db()
    assert (ibu.status, ibu.purchase_order_line, line.quantity) == ("approved", line, 100)
    page = response.content.decode()
    assert f"1 approved into purchase order {line.purchase_order.number}" in page
    oob = re.search(rf'<tbody id="s-{ibu.pk}"[^>]*hx-swap-oob="true".*?</tbody>', page, re.S)
    assert oob and line.purchase_order.number in oob.group(0)
    assert "worklist:approved" in response["HX-Trigger"]


def test_a_wrong_password_approves_nothing(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    ibu = orders["ibu"]
    client.force_login(paula)

    page = approve(client, ibu, password="not-my-password").content.decode()

    assert re.search(r'data-testid="error-password">The password is not correct', page)
    assert not PurchaseOrderLine.objects.exists()
    ibu.refresh_from_db()
    assert ibu.status == "proposed"
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SIGNATURE_FAILED).count() == 1


def test_the_same_dialog_submitted_twice_approves_once(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    ibu = orders["ibu"]
    client.force_login(paula)

    approve(client, ibu, key="dialog-1")
    again = approve(client, ibu, key="dialog-1").content.decode()

    assert PurchaseOrderLine.objects.count() == 1
    assert "nothing was approved twice" in again


def test_bulk_approval_signs_every_chosen_row_at_once(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)

    approve(client, orders["ibu"], orders["pcm"], orders["amx"])

    assert PurchaseOrderLine.objects.count() == 3
    assert set(SuggestedOrder.objects.filter(status="approved").values_list("pk", flat=True)) == {
        orders[name].pk for name in ("ibu", "pcm", "amx")
    }


def test_an_order_above_the_limit_waits_for_a_second_approver(client, make_user, orders) -> None:  # type: ignore[no-untyped-def]
    limited = make_user(Role.PLANNER, full_name="Lim Ited", approval_limit=Decimal("500"))
    client.force_login(limited)

    page = approve(client, orders["ibu"]).content.decode()

    assert "1 awaiting a second approval" in page
    assert not PurchaseOrderLine.objects.exists()
    row = re.search(rf'<tbody id="s-{orders["ibu"].pk}".*?</tbody>', page, re.S).group(0)
    assert "Awaiting second approval" in row and "first approved by Lim Ited" in row


def test_a_stale_version_in_the_dialog_approves_nothing(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    ibu = orders["ibu"]
    client.force_login(paula)
    SuggestedOrder.objects.filter(pk=ibu.pk).update(version=2)

    page = approve(client, ibu).content.decode()

    assert "since you loaded it" in page
    assert not PurchaseOrderLine.objects.exists()


# ---- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ADMIN, Role.QUALITY, Role.SUPPLIER])
def test_only_planners_may_edit_reject_or_approve(client, make_user, orders, role) -> None:  # type: ignore[no-untyped-def]
    ibu = orders["ibu"]
    client.force_login(make_user(role))

    answers = [
        edit(client, ibu, quantity=150, reason="x").status_code,
        client.post(f"/optimization/plan/orders/{ibu.pk}/reject/", {"reason": "x"}).status_code,
        approve(client, ibu).status_code,
        client.post("/optimization/plan/runs/start/").status_code,
    ]

    assert answers == [403, 403, 403, 403]
    ibu.refresh_from_db()
    assert (ibu.status, ibu.quantity) == ("proposed", 100)


def test_a_viewer_reads_the_worklist_without_action_buttons(client, make_user, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    rows = table(client.get(WORKLIST))

    assert "AMX-500" in rows
    assert (
        'data-testid="edit"' not in rows and 'class="form-check-input worklist-select"' not in rows
    )


# ---- export ---------------------------------------------------------------------------------


def test_the_csv_export_holds_the_filtered_rows_with_formula_cells_defused(
    client, paula, plan
) -> None:  # type: ignore[no-untyped-def]
    SuggestedOrderFactory(plan=plan, sku=SkuFactory(code="=cmd|'/C calc'!A0", name="+evil"))
    SuggestedOrderFactory(plan=plan, sku=SkuFactory(code="SAFE-1"), urgency="normal")
    client.force_login(paula)

    response = client.get(WORKLIST, {"export": "csv", "urgency": "high"})

    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Disposition"].startswith('attachment; filename="suggested-orders-')
    assert "'=cmd|'/C calc'!A0" in content and ",'+evil," in content
    assert "SAFE-1" not in content
    assert content.splitlines()[0].startswith("sku_code,sku_name,site_code,supplier_code")


def test_the_export_shows_each_signature_with_name_meaning_and_utc_time(
    client, paula, orders
) -> None:  # type: ignore[no-untyped-def]
    from optimization.services.approvals import suggestions_approve

    suggestions_approve(actor=paula, suggestion_ids=[orders["ibu"].pk], password=TEST_PASSWORD)
    signed_at = Signature.objects.get(content_type__model="suggestedorder").signed_at
    client.force_login(paula)

    response = client.get(WORKLIST, {"export": "csv", "status": "all"})

    rows = list(
        csv.DictReader(b"".join(response.streaming_content).decode("utf-8-sig").splitlines())
    )
    signatures = {row["sku_code"]: row["signatures"] for row in rows}
    assert signatures[orders["ibu"].sku.code] == (
        f"Approved by Paula Planner (paula) at {signed_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
    )
    assert signatures[orders["amx"].sku.code] == ""


def test_the_xlsx_export_downloads(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)

    response = client.get(WORKLIST, {"export": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


# ---- transfers and plan runs ----------------------------------------------------------------


def test_the_transfers_tab_lists_the_current_plans_transfers(client, paula, plan) -> None:  # type: ignore[no-untyped-def]
    source, destination = SiteFactory(code="DC-1"), SiteFactory(code="HOSP-9")
    SuggestedTransfer.objects.create(
        plan=plan,
        sku=SkuFactory(code="TRF-1"),
        source=source,
        destination=destination,
        quantity=40,
        unit_cost=Decimal("0.50"),
        saving=Decimal("380.00"),
        expiring=True,
        reason="DC-1 holds 40 units expiring in 60 days that HOSP-9 uses first.",
    )
    client.force_login(paula)

    page = client.get("/optimization/plan/transfers/").content.decode()

    assert "TRF-1" in page and "DC-1" in page and "HOSP-9" in page and "380.00" in page
    assert "expiring" in page


def test_the_transfers_tab_says_which_transfers_replenish_a_site_from_its_parent(
    client, paula, plan
) -> None:  # type: ignore[no-untyped-def]
    warehouse = SiteFactory(code="WH-3")
    hospital = SiteFactory(code="HSP-3", replenished_from=warehouse, replenishment="parent")
    SuggestedTransfer.objects.create(
        plan=plan,
        kind="replenishment",
        sku=SkuFactory(code="REP-1"),
        source=warehouse,
        destination=hospital,
        quantity=80,
        requested_quantity=120,
        unit_cost=Decimal("0.12"),
        saving=Decimal("0"),
        ship_date=plan.as_of,
        arrival_date=plan.as_of + timedelta(days=3),
        reason="HSP-3 is replenished from WH-3: its position 40 is at or below its reorder point.",
    )
    client.force_login(paula)

    page = client.get("/optimization/plan/transfers/").content.decode()

    assert 'data-testid="transfer-kind">replenishment<' in page
    assert "(replenishes HSP-3)" in page
    assert "of 120" in page  # cut: the warehouse has too little
    assert f"{plan.as_of:%-d %b} → {plan.as_of + timedelta(days=3):%-d %b}" in page


def test_run_plan_now_without_policies_says_why(client, paula) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)

    response = client.post("/optimization/plan/runs/start/", follow=True)

    assert "There are no replenishment policies yet" in response.content.decode()
    assert not PlanRun.objects.exists()


def test_run_plan_now_starts_a_run_and_its_job(
    client, paula, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from inventory.models import StockPosition
    from optimization.services.policies import policies_refresh
    from suppliers.models import SupplierItem
    from tests.factories import SupplierFactory, published_series

    sku, site = SkuFactory(code="AMX-500"), SiteFactory()
    SupplierItem.objects.create(
        supplier=SupplierFactory(), sku=sku, lead_time_mean_days=10, unit_price=4, is_primary=True
    )
    StockPosition.objects.create(sku=sku, site=site, abc_class="A", xyz_class="X")
    published_series(sku, site, [20.0] * 60, as_of=date.today() - timedelta(days=1))
    policies_refresh()
    client.force_login(paula)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/optimization/plan/runs/start/")

    run = PlanRun.objects.get()
    assert response.status_code == 302 and response["Location"] == "/optimization/plan/runs/"
    assert (run.status, run.chunks_total, run.created_by) == ("pending", 1, paula)
    assert len(callbacks) == 1  # the job is queued once the run is saved
    page = client.get("/optimization/plan/runs/").content.decode()
    assert f'hx-get="/optimization/plan/runs/{run.pk}/progress/"' in page


def test_run_plan_now_is_post_only(client, paula) -> None:  # type: ignore[no-untyped-def]
    client.force_login(paula)

    assert client.get("/optimization/plan/runs/start/").status_code == 405


def test_the_progress_fragment_counts_chunks_while_the_run_is_under_way(client, paula) -> None:  # type: ignore[no-untyped-def]
    run = PlanRunFactory(status="running", chunks_total=4)
    PlanRunChunk.objects.create(run=run, index=0)
    client.force_login(paula)

    response = client.get(f"/optimization/plan/runs/{run.pk}/progress/", **HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Running · 1 of 4 chunks" in page
    assert 'hx-trigger="every 2s"' in page and 'style="width: 25%"' in page


def test_the_progress_fragment_stops_polling_when_the_run_is_done(client, paula) -> None:  # type: ignore[no-untyped-def]
    run = PlanRunFactory(
        status="failed", chunks_total=2, error="Chunk 1 failed: no forecast for SKU 7"
    )
    client.force_login(paula)

    response = client.get(f"/optimization/plan/runs/{run.pk}/progress/", **HTMX)

    assert response.status_code == 286
    assert response["HX-Refresh"] == "true"
    assert "Chunk 1 failed: no forecast for SKU 7" in response.content.decode()


def test_the_worklist_shows_a_run_under_way(client, paula, orders) -> None:  # type: ignore[no-untyped-def]
    run = PlanRunFactory(status="pending", chunks_total=3)
    client.force_login(paula)

    page = client.get(WORKLIST).content.decode()

    assert f"Plan run {run.pk} under way" in page
    assert "Waiting to start · 0 of 3 chunks" in page
