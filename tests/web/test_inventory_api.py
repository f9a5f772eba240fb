from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditLogEntry
from accounts.roles import Role
from inventory.models import Site, Sku
from inventory.services.stock import stock_positions_refresh
from suppliers.models import SupplierItem
from tests.factories import (
    LotFactory,
    PurchaseOrderLineFactory,
    SiteFactory,
    SkuFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db

NEW_SKU = {
    "code": "NEW-1",
    "name": "New vaccine",
    "category": "vaccine",
    "temperature_zone": "refrigerated",
    "shelf_life_days": 365,
    "min_remaining_shelf_life_days": 120,
    "unit_cost": "25.00",
}


@pytest.fixture
def api(make_user):  # type: ignore[no-untyped-def]
    def as_role(role: Role) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(role))
        return client

    return as_role


def test_sku_detail_at_the_documented_url(api) -> None:  # type: ignore[no-untyped-def]
    sku = SkuFactory(code="ABC-1")

    body = api(Role.PLANNER).get(f"/api/v1/inventory/sku/{sku.pk}/").json()

    assert body["code"] == "ABC-1"


def test_sku_list_filters_and_searches(api) -> None:  # type: ignore[no-untyped-def]
    SkuFactory(code="VAC-9", name="Measles vaccine", category="vaccine")
    SkuFactory(code="TAB-9", name="Tablet")

    body = (
        api(Role.VIEWER)
        .get("/api/v1/inventory/sku/", {"category": "vaccine", "search": "measles"})
        .json()
    )

    assert [row["code"] for row in body["results"]] == ["VAC-9"]


def test_admin_creates_a_sku_with_a_reason_in_the_trail(api) -> None:  # type: ignore[no-untyped-def]
    response = api(Role.ADMIN).post(
        "/api/v1/inventory/sku/", {**NEW_SKU, "reason": "new tender"}, format="json"
    )

    assert response.status_code == 201, response.json()
    sku = Sku.objects.get(code="NEW-1")
    entry = AuditLogEntry.objects.get(content_type__model="sku", object_pk=str(sku.pk))
    assert (entry.reason, entry.source) == ("new tender", "api")


def test_invalid_sku_names_the_field_and_saves_nothing(api) -> None:  # type: ignore[no-untyped-def]
    response = api(Role.ADMIN).post(
        "/api/v1/inventory/sku/", {**NEW_SKU, "min_remaining_shelf_life_days": 400}, format="json"
    )

    assert response.status_code == 400
    assert "min_remaining_shelf_life_days" in response.json()["error"]["fields"]
    assert not Sku.objects.filter(code="NEW-1").exists()


def test_negative_cost_is_refused_with_the_field_named(api) -> None:  # type: ignore[no-untyped-def]
    response = api(Role.ADMIN).post(
        "/api/v1/inventory/sku/", {**NEW_SKU, "unit_cost": "-1"}, format="json"
    )

    assert response.status_code == 400
    assert "unit_cost" in response.json()["error"]["fields"]


def test_planners_cannot_change_master_data(api) -> None:  # type: ignore[no-untyped-def]
    sku = SkuFactory()

    response = api(Role.PLANNER).patch(
        f"/api/v1/inventory/sku/{sku.pk}/", {"name": "x"}, format="json"
    )

    assert response.status_code == 403


def test_master_data_cannot_be_deleted_through_the_api(api) -> None:  # type: ignore[no-untyped-def]
    sku = SkuFactory()

    assert api(Role.ADMIN).delete(f"/api/v1/inventory/sku/{sku.pk}/").status_code == 405


def test_site_loops_are_refused(api) -> None:  # type: ignore[no-untyped-def]
    top = SiteFactory(echelon="dc")
    child = SiteFactory(replenished_from=top)

    response = api(Role.ADMIN).patch(
        f"/api/v1/inventory/sites/{top.pk}/", {"replenished_from": child.pk}, format="json"
    )

    assert response.status_code == 400
    assert "replenished_from" in response.json()["error"]["fields"]
    assert Site.objects.get(pk=top.pk).replenished_from is None


def test_stock_levels_filter_by_site_code_and_status(api) -> None:  # type: ignore[no-untyped-def]
    site = SiteFactory(code="H-77")
    LotFactory(sku=SkuFactory(), site=site, expiry_date=date(2030, 1, 1), quantity=10)
    LotFactory(sku=SkuFactory(), site=SiteFactory(), expiry_date=date(2030, 1, 1), quantity=10)
    stock_positions_refresh(today=date(2026, 1, 1))

    body = api(Role.VIEWER).get("/api/v1/inventory/stock-levels/", {"site_code": "H-77"}).json()

    assert [(row["site_code"], row["on_hand"]) for row in body["results"]] == [("H-77", 10)]


def test_lots_filter_by_expiry(api) -> None:  # type: ignore[no-untyped-def]
    sku, site = SkuFactory(), SiteFactory()
    LotFactory(sku=sku, site=site, lot_number="SOON", expiry_date=date(2027, 1, 1))
    LotFactory(sku=sku, site=site, lot_number="LATER", expiry_date=date(2029, 1, 1))

    body = api(Role.VIEWER).get("/api/v1/inventory/lots/", {"expires_before": "2027-06-30"}).json()

    assert [row["lot_number"] for row in body["results"]] == ["SOON"]


def test_price_breaks_must_rise(api) -> None:  # type: ignore[no-untyped-def]
    response = api(Role.ADMIN).post(
        "/api/v1/supplier-items/",
        {
            "supplier": SupplierFactory().pk,
            "sku": SkuFactory().pk,
            "lead_time_mean_days": "10",
            "unit_price": "5",
            "price_breaks": [
                {"min_quantity": 100, "unit_price": "4"},
                {"min_quantity": 50, "unit_price": "3"},
            ],
        },
        format="json",
    )

    assert response.status_code == 400
    assert "price_breaks" in response.json()["error"]["fields"]
    assert not SupplierItem.objects.exists()


def test_purchase_orders_list_with_lines_in_constant_queries(
    api, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = api(Role.PLANNER)
    for _ in range(5):
        PurchaseOrderLineFactory()

    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/purchase-orders/").json()

    assert body["count"] == 5
    assert all(len(order["lines"]) == 1 for order in body["results"])


def test_suppliers_do_not_list_other_suppliers_purchase_orders(api) -> None:  # type: ignore[no-untyped-def]
    # A supplier user lists their own supplier's sent orders only (tests/web/test_supplier_api.py);
    # one not linked to a supplier lists none.
    response = api(Role.SUPPLIER).get("/api/v1/purchase-orders/")
    assert (response.status_code, response.json()["count"]) == (200, 0)
