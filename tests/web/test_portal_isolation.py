"""Supplier isolation: a supplier's user sees and touches only their own supplier's business.
Another supplier's orders answer 404 on every portal URL and action, by number and by line id;
lists never show them; supplier users cannot open planner or admin pages, and planners and
viewers cannot open the portal."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from suppliers.models import (
    LineProposal,
    PurchaseOrderMessage,
    ShippingNotice,
    SupplierItem,
    SupplierScorecard,
    SupplierUser,
)
from suppliers.services.purchase_orders import purchase_order_line_receive
from tests.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SkuFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _business(code: str, make_user) -> dict:  # type: ignore[no-untyped-def]
    """A supplier with a linked user, an open order with a received line, a draft order, terms
    and a scorecard, every marker prefixed by `code`."""
    today = timezone.localdate()
    supplier = SupplierFactory(code=code, name=f"{code} Pharma")
    user = make_user(Role.SUPPLIER, username=f"user-{code.lower()}")
    SupplierUser.objects.create(user=user, supplier=supplier)
    order = PurchaseOrderFactory(
        number=f"PO-{code}-OPEN",
        supplier=supplier,
        status="sent",
        ordered_on=today,
        expected_on=today + timedelta(days=14),
    )
    sku = SkuFactory(code=f"{code}-SKU")
    line = PurchaseOrderLineFactory(purchase_order=order, sku=sku, quantity=100)
    received = PurchaseOrderFactory(number=f"PO-{code}-PART", supplier=supplier, status="sent")
    other_line = PurchaseOrderLineFactory(purchase_order=received, quantity=20)
    purchase_order_line_receive(
        actor=None,
        line=other_line,
        quantity_received=5,
        lot_number=f"{code}-LOT",
        expiry_date=today + timedelta(days=700),
        today=today,
    )
    draft = PurchaseOrderFactory(number=f"PO-{code}-DRAFT", supplier=supplier, status="approved")
    SupplierItem.objects.create(
        supplier=supplier, sku=sku, lead_time_mean_days=9, unit_price="1.23"
    )
    SupplierScorecard.objects.create(
        supplier=supplier, month=date(2026, 1, 1), score=77.7, grade="B"
    )
    order.refresh_from_db()
    return {
        "supplier": supplier,
        "user": user,
        "order": order,
        "line": line,
        "draft": draft,
        "draft_line": PurchaseOrderLineFactory(purchase_order=draft),
    }


@pytest.fixture
def a(make_user) -> dict:  # type: ignore[no-untyped-def]
    return _business("ALPHA", make_user)


@pytest.fixture
def b(make_user) -> dict:  # type: ignore[no-untyped-def]
    return _business("BRAVO", make_user)


@pytest.fixture
def client_a(client, a):  # type: ignore[no-untyped-def]
    client.force_login(a["user"])
    return client


def _valid_posts(line) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """For each action, data that would succeed on one's own order."""
    today = timezone.localdate()
    return {
        "acknowledge": {},
        "confirm": {},
        "propose": {
            "proposed_date": (today + timedelta(days=30)).isoformat(),
            "proposed_quantity": 10,
            "note": "later",
        },
        "shipping-notices": {
            "number": "ASN-X",
            "shipped_on": today.isoformat(),
            "expected_on": (today + timedelta(days=2)).isoformat(),
            f"line-{line.pk}-quantity": 10,
            f"line-{line.pk}-lot_number": "LOT-X",
            f"line-{line.pk}-expiry_date": (today + timedelta(days=700)).isoformat(),
        },
        "messages": {"body": "Hello"},
    }


def _action_urls(number: str, line_id: int) -> dict[str, str]:
    base = f"/portal/orders/{number}/"
    return {
        "acknowledge": f"{base}acknowledge/",
        "confirm": f"{base}lines/{line_id}/confirm/",
        "propose": f"{base}lines/{line_id}/propose/",
        "shipping-notices": f"{base}shipping-notices/",
        "messages": f"{base}messages/",
    }


def _nothing_changed(b: dict) -> None:
    order = b["order"]
    order.refresh_from_db()
    b["line"].refresh_from_db()
    assert order.status == "sent" and order.acknowledged_at is None
    assert b["line"].confirmed_date is None
    assert not LineProposal.objects.exists()
    assert not ShippingNotice.objects.exists()
    assert not PurchaseOrderMessage.objects.exists()


# ---- by number and by id ------------------------------------------------------------------


def test_another_suppliers_order_page_answers_404(client_a, a, b) -> None:  # type: ignore[no-untyped-def]
    assert client_a.get(f"/portal/orders/{a['order'].number}/").status_code == 200
    assert client_a.get(f"/portal/orders/{b['order'].number}/").status_code == 404
    assert client_a.get(f"/portal/orders/{b['order'].number}/", **HTMX).status_code == 404
    assert client_a.get("/portal/orders/PO-NO-SUCH/").status_code == 404


def test_an_own_order_not_sent_yet_answers_404(client_a, a) -> None:  # type: ignore[no-untyped-def]
    assert client_a.get(f"/portal/orders/{a['draft'].number}/").status_code == 404
    for name, url in _action_urls(a["draft"].number, a["draft_line"].pk).items():
        assert client_a.post(url, {}).status_code == 404, name


@pytest.mark.parametrize(
    "action", ["acknowledge", "confirm", "propose", "shipping-notices", "messages"]
)
@pytest.mark.parametrize("htmx", [False, True])
def test_every_action_on_another_suppliers_order_answers_404_and_changes_nothing(
    client_a, a, b, action, htmx
) -> None:  # type: ignore[no-untyped-def]
    headers = HTMX if htmx else {}
    data = _valid_posts(b["line"])[action]

    by_their_number = _action_urls(b["order"].number, b["line"].pk)[action]
    # Their line under one's own order number: the id-based part is checked too.
    their_line_under_own_number = _action_urls(a["order"].number, b["line"].pk)[action]

    assert client_a.post(by_their_number, data, **headers).status_code == 404
    if "/lines/" in their_line_under_own_number:
        assert client_a.post(their_line_under_own_number, data, **headers).status_code == 404
    _nothing_changed(b)


@pytest.mark.parametrize("action", ["confirm", "propose"])
def test_a_line_of_another_own_order_is_not_reachable_under_the_wrong_number(
    client, make_user, a, action
) -> None:  # type: ignore[no-untyped-def]
    second = PurchaseOrderFactory(number="PO-ALPHA-2", supplier=a["supplier"], status="sent")
    client.force_login(a["user"])

    url = _action_urls(second.number, a["line"].pk)[action]

    assert client.post(url, _valid_posts(a["line"])[action]).status_code == 404


def test_the_same_actions_work_on_ones_own_order(client_a, a) -> None:  # type: ignore[no-untyped-def]
    """The control for the 404s above: the same requests on one's own order succeed."""
    urls = _action_urls(a["order"].number, a["line"].pk)
    posts = _valid_posts(a["line"])
    for action in ("acknowledge", "propose", "shipping-notices", "messages"):
        assert client_a.post(urls[action], posts[action], **HTMX).status_code == 200, action
    assert LineProposal.objects.filter(line=a["line"]).exists()
    assert ShippingNotice.objects.filter(purchase_order=a["order"]).exists()
    assert PurchaseOrderMessage.objects.filter(purchase_order=a["order"]).exists()


# ---- lists --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/portal/", "/portal/received/", "/portal/terms/", "/portal/scorecard/"]
)
def test_lists_show_only_ones_own_business(client_a, a, b, url) -> None:  # type: ignore[no-untyped-def]
    page = client_a.get(url).content.decode()

    assert "BRAVO" not in page
    assert "ALPHA" in page


def test_searching_for_another_suppliers_number_finds_nothing(client_a, b) -> None:  # type: ignore[no-untyped-def]
    page = client_a.get("/portal/", {"q": b["order"].number}).content.decode()

    assert 'data-testid="portal-order-row"' not in page
    assert "No open order matches this number." in page


def test_their_scorecard_and_terms_are_not_counted(client_a, a, b) -> None:  # type: ignore[no-untyped-def]
    scorecard = client_a.get("/portal/scorecard/").content.decode()
    terms = client_a.get("/portal/terms/").content.decode()

    assert scorecard.count('data-testid="scorecard-row"') == 1
    assert terms.count('data-testid="portal-term"') == 1


# ---- roles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/optimization/plan/",
        "/suppliers/purchase-orders/",
        "/inventory/",
        "/suppliers/performance/",
        "/forecasting/runs/",
        "/audit/",
    ],
)
def test_a_supplier_user_gets_403_on_planner_pages(client_a, url) -> None:  # type: ignore[no-untyped-def]
    assert client_a.get(url).status_code == 403


def test_a_supplier_user_gets_403_on_the_planner_page_of_their_own_order(client_a, a) -> None:  # type: ignore[no-untyped-def]
    assert client_a.get(f"/suppliers/purchase-orders/{a['order'].pk}/").status_code == 403


# ---- the API the portal's users also reach ----------------------------------------------------


def test_the_api_lists_only_ones_own_orders_and_hides_theirs(client_a, a, b) -> None:  # type: ignore[no-untyped-def]
    listed = client_a.get("/api/v1/purchase-orders/", {"page_size": 100}).content.decode()
    searched = client_a.get("/api/v1/purchase-orders/", {"search": b["order"].number})

    assert a["order"].number in listed
    assert "BRAVO" not in listed
    assert "BRAVO" not in searched.content.decode()
    assert client_a.get(f"/api/v1/purchase-orders/{a['order'].pk}/").status_code == 200
    assert client_a.get(f"/api/v1/purchase-orders/{b['order'].pk}/").status_code == 404


def test_the_api_actions_on_another_suppliers_order_answer_404(client_a, a, b) -> None:  # type: ignore[no-untyped-def]
    their, line = b["order"].number, b["line"].pk
    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    proposal = {"proposed_date": later, "proposed_quantity": 10}

    for url, data in (
        (f"/api/v1/purchase-orders/{their}/acknowledge", {}),
        (f"/api/v1/purchase-orders/{their}/lines/{line}/confirm", {}),
        (f"/api/v1/purchase-orders/{their}/lines/{line}/propose", proposal),
        (f"/api/v1/purchase-orders/{a['order'].number}/lines/{line}/confirm", {}),
        (f"/api/v1/purchase-orders/{a['order'].number}/lines/{line}/propose", proposal),
    ):
        assert client_a.post(url, data, content_type="application/json").status_code == 404, url
    _nothing_changed(b)


def test_a_supplier_user_cannot_open_the_admin(client_a, b) -> None:  # type: ignore[no-untyped-def]
    assert client_a.get("/admin/").status_code == 403
    assert client_a.get("/admin/suppliers/purchaseorder/").status_code == 403
    assert (
        client_a.get(f"/admin/suppliers/purchaseorder/{b['order'].pk}/change/").status_code == 403
    )


@pytest.mark.parametrize("role", [Role.PLANNER, Role.VIEWER, Role.QUALITY, Role.ADMIN])
def test_other_roles_get_403_on_the_portal(client, make_user, a, role) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(role))
    number, line_id = a["order"].number, a["line"].pk

    for url in (
        "/portal/",
        f"/portal/orders/{number}/",
        "/portal/received/",
        "/portal/terms/",
        "/portal/scorecard/",
    ):
        assert client.get(url).status_code == 403, url
    for url in _action_urls(number, line_id).values():
        assert client.post(url, {"body": "x"}).status_code == 403, url
    _nothing_changed(a)
