"""Quality's lot pages: one lot with its signed status and recall panels (htmx fragments), the
expired write-off button on the lot list, and the trace of a lot number with its exports."""

import csv
import io
from datetime import date

import pytest

from accounts.models import SecurityEvent, Signature
from accounts.roles import Role
from inventory.models import LotStatus, StockMovement
from suppliers.services.purchase_orders import purchase_order_line_receive
from tests.factories import (
    TEST_PASSWORD,
    LotFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SiteFactory,
    SkuFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db

EXPIRY = date(2030, 1, 1)


@pytest.fixture
def lot():  # type: ignore[no-untyped-def]
    return LotFactory(
        sku=SkuFactory(code="AMOX-500"),
        site=SiteFactory(code="DC"),
        lot_number="Q-1",
        expiry_date=EXPIRY,
        status="quarantine",
    )


@pytest.fixture
def quality_client(client, make_user):  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.QUALITY, full_name="Quinn Quality"))
    return client


def status_of(lot) -> str:  # type: ignore[no-untyped-def]
    lot.refresh_from_db()
    return lot.status


def test_the_lot_list_and_sku_page_link_to_the_lot(client, make_user, lot) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    for url in ("/inventory/lots/", f"/inventory/sku/{lot.sku_id}/"):
        assert f'href="/inventory/lots/{lot.pk}/"' in client.get(url).content.decode()


def test_viewers_see_the_lot_without_the_signed_forms(client, make_user, lot) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    page = client.get(f"/inventory/lots/{lot.pk}/").content.decode()

    assert 'data-testid="lot-title"' in page
    assert "/suppliers/lot-trace/?sku=AMOX-500&amp;lot=Q-1" in page
    assert 'data-testid="status-form"' not in page
    assert 'data-testid="recall-form"' not in page


def test_quality_releases_a_lot_from_its_page(quality_client, lot) -> None:  # type: ignore[no-untyped-def]
    page = quality_client.get(f"/inventory/lots/{lot.pk}/").content.decode()
    assert 'data-testid="release"' in page

    response = quality_client.post(
        f"/inventory/lots/{lot.pk}/status/",
        {"status": "released", "reason": "Inspection passed", "password": TEST_PASSWORD},
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div class="card shadow-sm h-100" id="status-panel"')
    assert "Lot Q-1 at DC is now released." in content
    assert status_of(lot) == LotStatus.RELEASED
    assert Signature.objects.get(object_pk=str(lot.pk)).meaning == "released"


def test_a_wrong_password_keeps_the_form_with_what_was_typed(quality_client, lot) -> None:  # type: ignore[no-untyped-def]
    response = quality_client.post(
        f"/inventory/lots/{lot.pk}/status/",
        {"status": "released", "reason": "Inspection passed", "password": "guess"},
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert 'data-testid="error-password"' in content
    assert 'value="Inspection passed"' in content
    assert (status_of(lot), SecurityEvent.objects.count()) == (LotStatus.QUARANTINE, 1)


def test_a_refusal_without_htmx_renders_the_page_again(quality_client, lot) -> None:  # type: ignore[no-untyped-def]
    response = quality_client.post(
        f"/inventory/lots/{lot.pk}/status/",
        {"status": "released", "reason": "", "password": TEST_PASSWORD},
    )

    assert response.status_code == 400
    assert 'data-testid="lot-title"' in response.content.decode()
    assert 'data-testid="error-reason"' in response.content.decode()
    assert status_of(lot) == LotStatus.QUARANTINE


def test_a_status_without_htmx_redirects_to_the_lot(quality_client, lot) -> None:  # type: ignore[no-untyped-def]
    response = quality_client.post(
        f"/inventory/lots/{lot.pk}/status/",
        {"status": "rejected", "reason": "Damaged packs", "password": TEST_PASSWORD},
    )

    assert (response.status_code, response["Location"]) == (302, f"/inventory/lots/{lot.pk}/")
    assert status_of(lot) == LotStatus.REJECTED


def test_planners_cannot_set_a_status(client, make_user, lot) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.PLANNER))

    response = client.post(
        f"/inventory/lots/{lot.pk}/status/",
        {"status": "released", "reason": "x", "password": TEST_PASSWORD},
    )

    assert response.status_code == 403
    assert status_of(lot) == LotStatus.QUARANTINE


def test_an_unknown_lot_is_404(quality_client) -> None:  # type: ignore[no-untyped-def]
    assert quality_client.get("/inventory/lots/999999/").status_code == 404
    assert quality_client.post("/inventory/lots/999999/status/", {}).status_code == 404


def test_quality_recalls_a_lot_number_from_the_lot_page(quality_client, lot) -> None:  # type: ignore[no-untyped-def]
    elsewhere = LotFactory(
        sku=lot.sku, site=SiteFactory(code="H1"), lot_number="Q-1", expiry_date=EXPIRY
    )

    response = quality_client.post(
        f"/inventory/lots/{lot.pk}/recall/",
        {"reason": "Recall notice RN-7", "password": TEST_PASSWORD},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    assert status_of(elsewhere) == LotStatus.QUARANTINE
    page = quality_client.get(f"/inventory/lots/{lot.pk}/").content.decode()
    assert "is blocked at 2 site(s), 200 units" in page


def test_a_refused_recall_keeps_the_form(quality_client, lot) -> None:  # type: ignore[no-untyped-def]
    response = quality_client.post(
        f"/inventory/lots/{lot.pk}/recall/",
        {"reason": "Recall notice RN-7", "password": "guess"},
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert content.lstrip().startswith('<div class="card shadow-sm h-100" id="recall-panel"')
    assert 'data-testid="recall-error-password"' in content
    assert 'value="Recall notice RN-7"' in content
    assert Signature.objects.count() == 0


# ---- expired write-off ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.QUALITY, Role.ADMIN])
def test_the_write_off_button_reports_lots_and_value(client, make_user, role: Role) -> None:  # type: ignore[no-untyped-def]
    LotFactory(
        sku=SkuFactory(unit_cost=2),
        site=SiteFactory(),
        expiry_date=date(2026, 6, 1),
        quantity=40,
        today=date(2025, 1, 1),
    )
    client.force_login(make_user(role))
    assert 'data-testid="write-off-button"' in client.get("/inventory/lots/").content.decode()

    response = client.post("/inventory/lots/write-off-expired/", HTTP_HX_REQUEST="true")

    assert (
        "1 expired lot(s) written off: 40 units, 80.00 at unit cost." in response.content.decode()
    )
    assert StockMovement.objects.filter(kind="write_off").count() == 1


def test_without_htmx_the_write_off_redirects_with_a_message(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.QUALITY))

    response = client.post("/inventory/lots/write-off-expired/", follow=True)

    assert "nothing was written off" in response.content.decode()


def test_planners_see_no_write_off_button(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.PLANNER))

    assert 'data-testid="write-off-button"' not in client.get("/inventory/lots/").content.decode()
    assert client.post("/inventory/lots/write-off-expired/").status_code == 403


# ---- trace ------------------------------------------------------------------------------------


@pytest.fixture
def traced(make_user):  # type: ignore[no-untyped-def]
    sku, dc = SkuFactory(code="VAC-1"), SiteFactory(code="DC")
    order = PurchaseOrderFactory(
        number="PO-77", supplier=SupplierFactory(name="Acme Pharma"), destination=dc
    )
    return purchase_order_line_receive(
        actor=None,
        line=PurchaseOrderLineFactory(purchase_order=order, sku=sku, quantity=50),
        quantity_received=50,
        lot_number="T-1",
        expiry_date=EXPIRY,
        today=date(2026, 1, 3),
    )


def test_the_trace_page_shows_origin_and_ledger(client, make_user, traced) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    page = client.get("/suppliers/lot-trace/", {"sku": "VAC-1", "lot": "T-1"}).content.decode()

    assert "Acme Pharma" in page
    assert "PO-77" in page
    assert 'data-testid="trace-ledger"' in page


def test_the_trace_form_alone_and_an_htmx_search(client, make_user, traced) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    assert "Enter a SKU code" in client.get("/suppliers/lot-trace/").content.decode()
    fragment = client.get(
        "/suppliers/lot-trace/", {"sku": "VAC-1", "lot": "T-1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="results">')
    assert "PO-77" in fragment


def test_an_unknown_sku_is_said(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    page = client.get("/suppliers/lot-trace/", {"sku": "NOPE", "lot": "T-1"}).content.decode()

    assert "No SKU has this code." in page


def test_the_trace_exports_the_ledger_as_csv(client, make_user, traced) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    response = client.get("/suppliers/lot-trace/", {"sku": "VAC-1", "lot": "T-1", "export": "csv"})

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][:4] == ["occurred_at", "site_code", "kind", "quantity"]
    assert [row[1:8] for row in rows[1:]] == [
        ["DC", "receipt", "50", "PO-77", "Acme Pharma", "PO-77", ""]
    ]
