"""The replenishment-plan API (/api/v1/reorder/): search the current plan's suggestions, edit,
reject and approve them (signed), start plan runs and follow them."""

from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from accounts.models import Signature
from accounts.roles import Role
from optimization.models import PlanRun, PlanRunChunk, SuggestedOrder
from suppliers.models import PurchaseOrderLine
from tests.factories import (
    TEST_PASSWORD,
    PlanRunFactory,
    SiteFactory,
    SkuFactory,
    SuggestedOrderFactory,
    SupplierFactory,
    published_plan,
)

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/reorder/recommendations"
APPROVE = "/api/v1/reorder/recommendations/approve"
RUNS = "/api/v1/reorder/plan-runs"


def edit_url(pk: int) -> str:
    return f"/api/v1/reorder/recommendations/{pk}/edit"


def reject_url(pk: int) -> str:
    return f"/api/v1/reorder/recommendations/{pk}/reject"


@pytest.fixture
def api_for(make_user):  # type: ignore[no-untyped-def]
    def make(role: Role, **fields: object) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(role, **fields))
        return client

    return make


@pytest.fixture
def planner_api(api_for) -> APIClient:  # type: ignore[no-untyped-def]
    return api_for(Role.PLANNER)


@pytest.fixture
def suggestion() -> SuggestedOrder:
    return SuggestedOrderFactory(sku=SkuFactory(code="AMOX-500"), site=SiteFactory(code="H1"))


@pytest.fixture
def plan_rows():  # type: ignore[no-untyped-def]
    """Three suggestions in the current plan: two from ACME, one critical; one rejected."""
    plan = published_plan()
    acme, beta = SupplierFactory(code="ACME"), SupplierFactory(code="BETA")
    return {
        "plan": plan,
        "acme": acme,
        "critical": SuggestedOrderFactory(
            plan=plan, supplier=acme, urgency="critical", urgency_rank=0, abc_class="A"
        ),
        "normal": SuggestedOrderFactory(
            plan=plan, supplier=acme, urgency="normal", urgency_rank=2, abc_class="C"
        ),
        "rejected": SuggestedOrderFactory(plan=plan, supplier=beta, status="rejected"),
    }


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [row["id"] for row in response.json()["results"]]


# ---- search ------------------------------------------------------------------------------------


def test_search_lists_the_open_suggestions_most_urgent_first(api_for, plan_rows) -> None:  # type: ignore[no-untyped-def]
    response = api_for(Role.VIEWER).post(SEARCH, {}, format="json")
    body = response.json()

    assert response.status_code == 200
    assert ids(response) == [plan_rows["critical"].pk, plan_rows["normal"].pk]
    assert (body["plan"], body["count"], body["page"], body["pages"]) == (
        plan_rows["plan"].pk,
        2,
        1,
        1,
    )


def test_search_row_has_the_suggestion_fields(api_for, suggestion) -> None:  # type: ignore[no-untyped-def]
    row = api_for(Role.VIEWER).post(SEARCH, {}, format="json").json()["results"][0]

    assert row["sku_code"] == "AMOX-500" and row["site_code"] == "H1"
    assert row["supplier_code"] == suggestion.supplier.code
    assert (row["status"], row["urgency"], row["quantity"]) == ("proposed", "high", 100)
    assert (row["unit_price"], row["value"], row["version"]) == ("10.00", "1000.00", 1)
    assert row["reason_codes"] == ["below_reorder_point", "eoq"]
    assert row["purchase_order"] is None


def test_search_filters_by_supplier_urgency_and_abc(api_for, plan_rows) -> None:  # type: ignore[no-untyped-def]
    api = api_for(Role.VIEWER)

    assert ids(api.post(SEARCH, {"urgency": "critical"}, format="json")) == [
        plan_rows["critical"].pk
    ]
    assert ids(api.post(SEARCH, {"abc": "C"}, format="json")) == [plan_rows["normal"].pk]
    assert ids(
        api.post(SEARCH, {"supplier": plan_rows["acme"].pk, "status": "all"}, format="json")
    ) == [plan_rows["critical"].pk, plan_rows["normal"].pk]


def test_search_by_status_and_sort_descending(api_for, plan_rows) -> None:  # type: ignore[no-untyped-def]
    api = api_for(Role.VIEWER)

    assert ids(api.post(SEARCH, {"status": "rejected"}, format="json")) == [
        plan_rows["rejected"].pk
    ]
    assert ids(api.post(SEARCH, {"sort": "urgency", "descending": True}, format="json")) == [
        plan_rows["normal"].pk,
        plan_rows["critical"].pk,
    ]


def test_search_pages(api_for, plan_rows) -> None:  # type: ignore[no-untyped-def]
    response = api_for(Role.VIEWER).post(SEARCH, {"page": 2, "page_size": 1}, format="json")

    assert ids(response) == [plan_rows["normal"].pk]
    assert response.json()["pages"] == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("urgency", "soon"),
        ("status", "maybe"),
        ("sort", "colour"),
        ("abc", "D"),
        ("site", 999999),
        ("supplier", "acme"),
        ("page", 0),
        ("page_size", 10_000),
    ],
)
def test_search_names_the_bad_filter(api_for, plan_rows, field, value) -> None:  # type: ignore[no-untyped-def]
    response = api_for(Role.VIEWER).post(SEARCH, {field: value}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_search_beyond_the_last_page_names_the_page(api_for, plan_rows) -> None:  # type: ignore[no-untyped-def]
    response = api_for(Role.VIEWER).post(SEARCH, {"page": 9}, format="json")

    assert response.status_code == 400
    assert "page" in response.json()["error"]["fields"]


def test_search_without_a_plan_is_empty(api_for) -> None:  # type: ignore[no-untyped-def]
    body = api_for(Role.VIEWER).post(SEARCH, {}, format="json").json()

    assert (body["plan"], body["count"], body["results"]) == (None, 0, [])


def test_search_reads_in_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
    api_for, plan_rows, django_assert_max_num_queries
) -> None:
    api = api_for(Role.VIEWER)
    for _ in range(10):
        SuggestedOrderFactory(plan=plan_rows["plan"])

    with django_assert_max_num_queries(8):
        api.post(SEARCH, {"status": "all"}, format="json")


# ---- edit and reject ----------------------------------------------------------------------------


def test_edit_changes_quantity_and_date_and_bumps_the_version(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    order_date = date.today() + timedelta(days=3)
    response = planner_api.post(
        edit_url(suggestion.pk),
        {"quantity": 120, "order_date": order_date.isoformat(), "reason": "Tender", "version": 1},
        format="json",
    )
    body = response.json()

    assert response.status_code == 200
    assert (body["quantity"], body["order_date"], body["status"], body["version"]) == (
        120,
        order_date.isoformat(),
        "edited",
        2,
    )


def test_edit_ignores_protected_fields(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    other = SupplierFactory()
    planner_api.post(
        edit_url(suggestion.pk),
        {
            "quantity": 120,
            "order_date": date.today().isoformat(),
            "reason": "Tender",
            "version": 1,
            "status": "approved",
            "supplier": other.pk,
            "unit_price": "0.01",
            "decided_by": 1,
        },
        format="json",
    )
    suggestion.refresh_from_db()

    assert suggestion.status == "edited"
    assert suggestion.supplier_id != other.pk
    assert str(suggestion.unit_price) == "10.00"
    assert suggestion.decided_by is None


def test_edit_refused_by_a_rule_names_the_field(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    response = planner_api.post(
        edit_url(suggestion.pk),
        {"quantity": 125, "order_date": date.today().isoformat(), "reason": "x", "version": 1},
        format="json",
    )
    error = response.json()["error"]

    assert response.status_code == 400
    assert error["code"] == "suggestion_refused"
    assert "multiple of 10" in error["fields"]["quantity"][0]
    suggestion.refresh_from_db()
    assert suggestion.quantity == 100


def test_edit_with_badly_typed_input_names_the_fields(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    response = planner_api.post(
        edit_url(suggestion.pk), {"quantity": "lots", "order_date": "soon"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "quantity",
        "order_date",
        "reason",
        "version",
    }


def test_edit_without_a_reason_is_400_on_reason(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    response = planner_api.post(
        edit_url(suggestion.pk),
        {"quantity": 120, "order_date": date.today().isoformat(), "reason": " ", "version": 1},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"reason": ["Required."]}


def test_edit_on_a_stale_version_is_409_and_saves_nothing(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    SuggestedOrder.objects.filter(pk=suggestion.pk).update(version=3)

    response = planner_api.post(
        edit_url(suggestion.pk),
        {"quantity": 120, "order_date": date.today().isoformat(), "reason": "x", "version": 2},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "suggestion_conflict"
    suggestion.refresh_from_db()
    assert suggestion.quantity == 100


def test_edit_of_a_missing_suggestion_is_404(planner_api) -> None:  # type: ignore[no-untyped-def]
    response = planner_api.post(
        edit_url(999999),
        {"quantity": 120, "order_date": date.today().isoformat(), "reason": "x", "version": 1},
        format="json",
    )

    assert response.status_code == 404


def test_reject_keeps_the_reason(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    response = planner_api.post(
        reject_url(suggestion.pk), {"reason": "Product discontinued", "version": 1}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    suggestion.refresh_from_db()
    assert suggestion.decision_reason == "Product discontinued"


def test_reject_on_a_stale_version_is_409(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    response = planner_api.post(
        reject_url(suggestion.pk), {"reason": "No", "version": 7}, format="json"
    )

    assert response.status_code == 409
    suggestion.refresh_from_db()
    assert suggestion.status == "proposed"


# ---- approve ------------------------------------------------------------------------------------


def test_approve_creates_one_purchase_order_line_and_a_signature(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    response = planner_api.post(
        APPROVE, {"ids": [suggestion.pk], "password": TEST_PASSWORD}, format="json"
    )
    body = response.json()

    assert response.status_code == 200
    assert body["approved"] == [suggestion.pk] and body["replayed"] is False
    line = PurchaseOrderLine.objects.get()
    assert (line.sku_id, line.quantity) == (suggestion.sku_id, 100)
    assert body["purchase_orders"] == [line.purchase_order.number]
    assert (
        Signature.objects.filter(
            content_type__model="suggestedorder", object_pk=str(suggestion.pk), meaning="approved"
        ).count()
        == 1
    )


def test_search_shows_the_purchase_order_of_an_approved_suggestion(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    number = planner_api.post(
        APPROVE, {"ids": [suggestion.pk], "password": TEST_PASSWORD}, format="json"
    ).json()["purchase_orders"][0]

    row = planner_api.post(SEARCH, {"status": "approved"}, format="json").json()["results"][0]

    assert (row["status"], row["purchase_order"]) == ("approved", number)


def test_the_same_idempotency_key_twice_approves_once(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    request = {"ids": [suggestion.pk], "password": TEST_PASSWORD, "idempotency_key": "erp-42"}

    first = planner_api.post(APPROVE, request, format="json").json()
    second = planner_api.post(APPROVE, request, format="json").json()

    assert PurchaseOrderLine.objects.count() == 1
    assert second["replayed"] is True
    assert second["approved"] == first["approved"] == [suggestion.pk]


def test_the_idempotency_key_header_is_honoured(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    request = {"ids": [suggestion.pk], "password": TEST_PASSWORD}

    planner_api.post(APPROVE, request, format="json", HTTP_IDEMPOTENCY_KEY="erp-43")
    again = planner_api.post(APPROVE, request, format="json", HTTP_IDEMPOTENCY_KEY="erp-43")

    assert again.status_code == 200 and again.json()["replayed"] is True
    assert PurchaseOrderLine.objects.count() == 1


def test_a_wrong_password_approves_nothing(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    response = planner_api.post(
        APPROVE, {"ids": [suggestion.pk], "password": "not-my-password"}, format="json"
    )
    error = response.json()["error"]

    assert response.status_code == 400
    assert error["code"] == "signature_refused"
    assert "password" in error["fields"]
    assert not PurchaseOrderLine.objects.exists()
    suggestion.refresh_from_db()
    assert suggestion.status == "proposed"


def test_approve_on_a_stale_expected_version_is_409(planner_api, suggestion) -> None:  # type: ignore[no-untyped-def]
    response = planner_api.post(
        APPROVE,
        {"ids": [suggestion.pk], "password": TEST_PASSWORD, "versions": {str(suggestion.pk): 5}},
        format="json",
    )

    assert response.status_code == 409
    assert not PurchaseOrderLine.objects.exists()


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        ({"password": TEST_PASSWORD}, "ids"),
        ({"ids": [], "password": TEST_PASSWORD}, "ids"),
        ({"ids": ["x"], "password": TEST_PASSWORD}, "ids"),
        ({"ids": [1]}, "password"),
        ({"ids": [1], "password": TEST_PASSWORD, "versions": {"one": 1}}, "versions"),
        ({"ids": [1], "password": TEST_PASSWORD, "idempotency_key": "k" * 81}, "idempotency_key"),
    ],
)
def test_approve_names_the_bad_field(planner_api, request_body, field) -> None:  # type: ignore[no-untyped-def]
    response = planner_api.post(APPROVE, request_body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


# ---- plan runs ----------------------------------------------------------------------------------


@pytest.fixture
def policies():  # type: ignore[no-untyped-def]
    """A published forecast and a computed policy, so a plan run may start."""
    from optimization.services.policies import policies_refresh
    from tests.factories import published_series

    published_series(SkuFactory(), SiteFactory(), [5.0] * 30, as_of=date(2026, 1, 1))
    policies_refresh()


def test_start_plan_run_answers_202_with_the_pending_run(planner_api, policies) -> None:  # type: ignore[no-untyped-def]
    response = planner_api.post(RUNS, {"horizon": 60}, format="json")
    body = response.json()

    assert response.status_code == 202
    assert body["status"] == "pending"
    assert (body["chunks_done"], body["chunks_total"]) == (0, 1)
    assert PlanRun.objects.get().parameters["horizon"] == 60


def test_start_plan_run_refused_names_the_field(planner_api, policies) -> None:  # type: ignore[no-untyped-def]
    response = planner_api.post(RUNS, {"horizon": 5000}, format="json")

    assert response.status_code == 400
    assert "horizon" in response.json()["error"]["fields"]
    assert not PlanRun.objects.exists()


def test_start_plan_run_without_policies_is_refused(planner_api) -> None:  # type: ignore[no-untyped-def]
    response = planner_api.post(RUNS, {}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "plan_run_refused"


def test_plan_run_shows_its_progress(api_for) -> None:  # type: ignore[no-untyped-def]
    run = PlanRunFactory(status="running", chunks_total=3)
    PlanRunChunk.objects.create(run=run, index=0)

    body = api_for(Role.VIEWER).get(f"{RUNS}/{run.pk}").json()

    assert (body["id"], body["status"]) == (run.pk, "running")
    assert (body["chunks_done"], body["chunks_total"]) == (1, 3)
    assert body["error"] == ""


def test_plan_runs_list_newest_first(api_for) -> None:  # type: ignore[no-untyped-def]
    older, newer = PlanRunFactory(), PlanRunFactory()

    body = api_for(Role.VIEWER).get(RUNS).json()

    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]


# ---- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (APPROVE, {"ids": [1], "password": TEST_PASSWORD}),
        ("edit", {"quantity": 120, "order_date": "2030-01-01", "reason": "x", "version": 1}),
        ("reject", {"reason": "x", "version": 1}),
        (RUNS, {}),
    ],
)
def test_viewers_may_not_write(api_for, suggestion, url, body) -> None:  # type: ignore[no-untyped-def]
    url = {"edit": edit_url(suggestion.pk), "reject": reject_url(suggestion.pk)}.get(url, url)

    response = api_for(Role.VIEWER).post(url, body, format="json")

    assert response.status_code == 403
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.version) == ("proposed", 1)


def test_suppliers_may_not_read_suggestions_or_runs(api_for, suggestion) -> None:  # type: ignore[no-untyped-def]
    api = api_for(Role.SUPPLIER)

    assert api.post(SEARCH, {}, format="json").status_code == 403
    assert api.get(RUNS).status_code == 403


def test_anonymous_calls_get_401(suggestion) -> None:  # type: ignore[no-untyped-def]
    api = APIClient()

    assert api.post(SEARCH, {}, format="json").status_code == 401
    assert api.post(APPROVE, {"ids": [suggestion.pk]}, format="json").status_code == 401
    assert api.get(RUNS).status_code == 401


def test_the_schema_documents_the_reorder_routes(api_for) -> None:  # type: ignore[no-untyped-def]
    schema = api_for(Role.VIEWER).get("/api/schema/", {"format": "json"}).json()

    assert {
        "/api/v1/reorder/recommendations",
        "/api/v1/reorder/recommendations/approve",
        "/api/v1/reorder/recommendations/{id}/edit",
        "/api/v1/reorder/recommendations/{id}/reject",
        "/api/v1/reorder/plan-runs",
        "/api/v1/reorder/plan-runs/{id}",
    } <= set(schema["paths"])
    assert (
        "409" in schema["paths"]["/api/v1/reorder/recommendations/{id}/edit"]["post"]["responses"]
    )
