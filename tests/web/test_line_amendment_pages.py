"""Changing an approved line on its order's page: a planner changes the terms with a reason,
the line shows it waits for approval, another planner signs the change; the signatures show
which terms they vouch for, on the page, the printable copy and the record's trail."""

from decimal import Decimal

import pytest

from accounts.roles import Role
from optimization.services.approvals import suggestions_approve
from suppliers.models import PurchaseOrderLine, SupplierUser
from suppliers.services.amendments import line_amend
from suppliers.services.portal import purchase_order_send
from tests.factories import TEST_PASSWORD, SkuFactory, SuggestedOrderFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def author(make_user):  # type: ignore[no-untyped-def]
    return make_user(
        Role.PLANNER, username="ann", full_name="Ann Author", approval_limit=Decimal("5000")
    )


@pytest.fixture
def reviewer(make_user):  # type: ignore[no-untyped-def]
    return make_user(
        Role.PLANNER, username="rob", full_name="Rob Reviewer", approval_limit=Decimal("5000")
    )


@pytest.fixture
def line(author) -> PurchaseOrderLine:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory(sku=SkuFactory(code="AMOX-500"))
    suggestions_approve(actor=author, suggestion_ids=[suggestion.pk], password=TEST_PASSWORD)
    suggestion.refresh_from_db()
    return PurchaseOrderLine.objects.select_related("purchase_order").get(
        pk=suggestion.purchase_order_line_id
    )


def detail_url(line: PurchaseOrderLine) -> str:
    return f"/suppliers/purchase-orders/{line.purchase_order_id}/"


def amend_data(line: PurchaseOrderLine, **changes: object) -> dict:
    data = {
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "requested_date": line.requested_date.isoformat(),
        "reason": "Supplier short of stock",
    }
    data.update(changes)
    return {f"a{line.pk}-{name}": value for name, value in data.items()}


def changed(line: PurchaseOrderLine, author) -> None:  # type: ignore[no-untyped-def]
    line_amend(
        actor=author,
        line_id=line.pk,
        quantity=line.quantity + 50,
        unit_price=line.unit_price,
        requested_date=line.requested_date,
        reason="Tender volume",
    )


def test_the_page_shows_the_approval_signature_valid_for_the_terms(client, line, author) -> None:  # type: ignore[no-untyped-def]
    client.force_login(author)

    page = client.get(detail_url(line)).content.decode()

    assert 'data-testid="signature-valid"' in page
    assert 'data-testid="signature-stale"' not in page
    assert 'data-testid="line-amend-form"' in page


def test_a_planner_changes_a_line_and_it_waits_for_approval(client, line, author) -> None:  # type: ignore[no-untyped-def]
    client.force_login(author)

    response = client.post(
        f"/suppliers/purchase-orders/lines/{line.pk}/amend/",
        amend_data(line, quantity=line.quantity + 50),
        **HTMX,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "AMOX-500 changed: it waits for another planner" in page
    assert 'data-testid="line-reapproval"' in page
    assert 'data-testid="signature-stale"' in page
    assert 'data-testid="line-reapprove-own"' in page  # the author may not approve it
    assert PurchaseOrderLine.objects.get(pk=line.pk).quantity == line.quantity + 50


def test_a_change_without_a_reason_shows_the_message_and_changes_nothing(
    client, line, author
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(author)

    response = client.post(
        f"/suppliers/purchase-orders/lines/{line.pk}/amend/",
        amend_data(line, quantity=line.quantity + 50, reason=""),
        **HTMX,
    )

    assert 'data-testid="error-reason"' in response.content.decode()
    assert PurchaseOrderLine.objects.get(pk=line.pk).quantity == line.quantity


def test_a_bad_quantity_is_shown_by_its_field(client, line, author) -> None:  # type: ignore[no-untyped-def]
    client.force_login(author)

    response = client.post(
        f"/suppliers/purchase-orders/lines/{line.pk}/amend/",
        amend_data(line, quantity=0),
        **HTMX,
    )

    page = response.content.decode()
    assert 'data-testid="error-quantity"' in page
    assert f'<tr class="collapse show" id="amend-{line.pk}"' in page  # the form stays open


def test_without_javascript_a_refusal_answers_the_page_with_400(client, line, author) -> None:  # type: ignore[no-untyped-def]
    client.force_login(author)

    response = client.post(
        f"/suppliers/purchase-orders/lines/{line.pk}/amend/", amend_data(line, reason="")
    )

    assert response.status_code == 400


def test_another_planner_signs_the_change(client, line, author, reviewer) -> None:  # type: ignore[no-untyped-def]
    changed(line, author)
    client.force_login(reviewer)

    response = client.post(
        f"/suppliers/purchase-orders/lines/{line.pk}/reapprove/",
        {f"r{line.pk}-password": TEST_PASSWORD, f"r{line.pk}-reason": "Agreed by phone"},
        **HTMX,
    )

    page = response.content.decode()
    assert "The change to AMOX-500 is approved and signed." in page
    assert 'data-testid="line-reapproval"' not in page
    assert "Rob Reviewer" in page and "Agreed by phone" in page
    assert PurchaseOrderLine.objects.get(pk=line.pk).reapproval_required is False


def test_a_wrong_password_is_shown_on_the_password(client, line, author, reviewer) -> None:  # type: ignore[no-untyped-def]
    changed(line, author)
    client.force_login(reviewer)

    response = client.post(
        f"/suppliers/purchase-orders/lines/{line.pk}/reapprove/",
        {f"r{line.pk}-password": "wrong"},
        **HTMX,
    )

    assert 'data-testid="error-password"' in response.content.decode()
    assert PurchaseOrderLine.objects.get(pk=line.pk).reapproval_required is True


def test_the_reviewer_sees_the_signing_form(client, line, author, reviewer) -> None:  # type: ignore[no-untyped-def]
    changed(line, author)
    client.force_login(reviewer)

    page = client.get(detail_url(line)).content.decode()

    assert 'data-testid="line-reapprove-form"' in page


def test_viewers_see_the_waiting_change_but_no_forms(client, make_user, line, author) -> None:  # type: ignore[no-untyped-def]
    changed(line, author)
    client.force_login(make_user(Role.VIEWER))

    page = client.get(detail_url(line)).content.decode()

    assert 'data-testid="line-reapproval"' in page
    assert 'data-testid="line-reapprove-form"' not in page
    assert 'data-testid="line-amend-form"' not in page


@pytest.mark.parametrize("role", [Role.VIEWER, Role.QUALITY, Role.ADMIN])
def test_non_planners_cannot_post_a_change(client, make_user, line, role) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(role))

    response = client.post(
        f"/suppliers/purchase-orders/lines/{line.pk}/amend/", amend_data(line, quantity=1)
    )

    assert response.status_code == 403
    assert PurchaseOrderLine.objects.get(pk=line.pk).quantity == line.quantity


def test_a_closed_order_offers_no_change(client, line, author) -> None:  # type: ignore[no-untyped-def]
    line.purchase_order.status = "received"
    line.purchase_order.save()
    client.force_login(author)

    page = client.get(detail_url(line)).content.decode()

    assert 'data-testid="line-amend-form"' not in page


def test_the_printable_copy_says_which_signatures_still_hold(client, line, author) -> None:  # type: ignore[no-untyped-def]
    changed(line, author)
    client.force_login(author)

    page = client.get(f"{detail_url(line)}print/").content.decode()

    assert "Changed after approval: not yet approved" in page
    assert "changed since" in page and "order line" in page


def test_the_lines_trail_says_the_signed_content_changed(client, make_user, line, author) -> None:  # type: ignore[no-untyped-def]
    changed(line, author)
    client.force_login(make_user(Role.QUALITY))

    page = client.get(f"/audit/object/suppliers.purchaseorderline/{line.pk}/").content.decode()
    export = client.get(f"/audit/object/suppliers.purchaseorderline/{line.pk}/export.csv")
    csv = b"".join(export.streaming_content).decode()

    assert "Changed since signing" in page
    assert "changed since signing" in csv


def test_the_supplier_portal_shows_the_line_is_being_changed(
    client, make_user, line, author
) -> None:  # type: ignore[no-untyped-def]
    purchase_order_send(actor=author, order_id=line.purchase_order_id)
    changed(line, author)
    supplier_user = make_user(Role.SUPPLIER)
    SupplierUser.objects.create(user=supplier_user, supplier=line.purchase_order.supplier)
    client.force_login(supplier_user)

    page = client.get(f"/portal/orders/{line.purchase_order.number}/").content.decode()

    assert 'data-testid="line-being-changed"' in page
    assert 'data-testid="line-confirm"' not in page


def test_the_date_field_is_a_date_input(client, line, author) -> None:  # type: ignore[no-untyped-def]
    client.force_login(author)

    page = client.get(detail_url(line)).content.decode()

    assert f'name="a{line.pk}-requested_date"' in page
    assert 'type="date"' in page


def test_a_refused_change_keeps_the_other_lines_forms(client, line, author) -> None:  # type: ignore[no-untyped-def]
    other = PurchaseOrderLine.objects.create(
        purchase_order=line.purchase_order,
        sku=SkuFactory(code="PARA-1G"),
        quantity=40,
        unit_price=Decimal("1.00"),
        requested_date=line.requested_date,
    )
    client.force_login(author)

    response = client.post(
        f"/suppliers/purchase-orders/lines/{line.pk}/amend/",
        amend_data(line, quantity=line.quantity + 50, reason=""),
        **HTMX,
    )

    assert f'name="a{other.pk}-quantity"' in response.content.decode()


def test_a_refused_signature_keeps_the_other_waiting_lines_forms(  # type: ignore[no-untyped-def]
    client, line, author, reviewer
) -> None:
    other = PurchaseOrderLine.objects.create(
        purchase_order=line.purchase_order,
        sku=SkuFactory(code="PARA-1G"),
        quantity=40,
        unit_price=Decimal("1.00"),
        requested_date=line.requested_date,
    )
    changed(line, author)
    changed(other, author)
    client.force_login(reviewer)

    response = client.post(
        f"/suppliers/purchase-orders/lines/{line.pk}/reapprove/",
        {f"r{line.pk}-password": "wrong"},
        **HTMX,
    )

    assert response.content.decode().count('data-testid="line-reapprove-form"') == 2


def test_the_reviewer_reads_why_the_line_changed(client, line, author, reviewer) -> None:  # type: ignore[no-untyped-def]
    changed(line, author)
    client.force_login(reviewer)

    page = client.get(detail_url(line)).content.decode()

    assert "Tender volume" in page[page.index('data-testid="line-amendment-reason"') :]


def test_sending_is_offered_again_only_once_the_change_is_approved(  # type: ignore[no-untyped-def]
    client, line, author, reviewer
) -> None:
    client.force_login(author)
    changed_page = client.post(
        f"/suppliers/purchase-orders/lines/{line.pk}/amend/",
        amend_data(line, quantity=line.quantity + 50),
        **HTMX,
    ).content.decode()
    client.force_login(reviewer)
    approved_page = client.post(
        f"/suppliers/purchase-orders/lines/{line.pk}/reapprove/",
        {f"r{line.pk}-password": TEST_PASSWORD},
        **HTMX,
    ).content.decode()

    # Each answer carries the workflow card out of band, so the send button follows.
    assert 'id="po-workflow"' in changed_page and 'hx-swap-oob="true"' in changed_page
    assert 'data-testid="po-send-blocked"' in changed_page
    assert 'data-testid="po-send"' in approved_page
    assert 'data-testid="po-send-blocked"' not in approved_page
