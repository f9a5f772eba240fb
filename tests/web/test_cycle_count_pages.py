"""The cycle-count pages: the list with its filters, a new count, the blind count sheet (its
page, print and export never show the book), saving and submitting, the review with book,
difference and value, and the four-eyes approval."""

import csv
import io
from datetime import date

import pytest

from accounts.roles import Role
from inventory.models import CycleCount, CycleCountStatus, MovementKind, StockMovement
from inventory.services.counts import cycle_count_create, cycle_count_record
from tests.factories import LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db

EXPIRY = date(2030, 1, 1)
BOOK = 7351  # a figure that appears nowhere else on the pages


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    return SiteFactory(code="WH1", name="Main warehouse")


@pytest.fixture
def lot(site):  # type: ignore[no-untyped-def]
    sku = SkuFactory(code="PARA-500", unit_cost="2.50")
    return LotFactory(sku=sku, site=site, lot_number="L-1", expiry_date=EXPIRY, quantity=BOOK)


@pytest.fixture
def counter(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.WAREHOUSE, username="counter", full_name="Cora Counter")


@pytest.fixture
def approver(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.WAREHOUSE, username="approver", full_name="Abe Approver")


@pytest.fixture
def count(site, lot, counter):  # type: ignore[no-untyped-def]
    return cycle_count_create(actor=counter, site=site)


def submitted(count, counter, units):  # type: ignore[no-untyped-def]
    return cycle_count_record(
        actor=counter, count=count, quantities={count.lines.get().pk: units}, submit=True
    )


def field(count) -> str:  # type: ignore[no-untyped-def]
    return f"line-{count.lines.get().pk}"


def test_viewers_and_planners_cannot_open_the_counts(client, make_user) -> None:  # type: ignore[no-untyped-def]
    for role in (Role.VIEWER, Role.PLANNER, Role.QUALITY):
        client.force_login(make_user(role))
        assert client.get("/inventory/counts/").status_code == 403


def test_the_list_shows_the_counts_and_filters_them_by_status(client, counter, count) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)

    page = client.get("/inventory/counts/").content.decode()
    approved = client.get("/inventory/counts/?status=approved").content.decode()

    assert count.number in page
    assert 'data-testid="tab-counts"' in page
    assert count.number not in approved
    assert "No cycle count matches these filters." in approved


def test_the_list_filters_by_site(client, counter, count) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)
    other = SiteFactory(code="WH2")

    page = client.get(f"/inventory/counts/?site={other.pk}").content.decode()

    assert count.number not in page


def test_the_list_has_an_empty_state(client, counter) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)

    page = client.get("/inventory/counts/").content.decode()

    assert "No cycle counts yet." in page


def test_the_list_is_paginated(client, counter, site) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)
    CycleCount.objects.bulk_create(
        CycleCount(number=f"CC-T{n:04d}", site=site, status=CycleCountStatus.CANCELLED)
        for n in range(55)
    )

    page = client.get("/inventory/counts/").content.decode()

    assert "1\u201350 of 55" in page
    assert "CC-T0000" in client.get("/inventory/counts/?page=2").content.decode()


def test_a_new_count_opens_and_leads_to_its_sheet(client, counter, site, lot) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)

    response = client.post("/inventory/counts/new/", {"site": site.pk, "zone": ""})

    count = CycleCount.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/inventory/counts/{count.pk}/"
    assert count.created_by == counter
    assert count.lines.get().book_quantity == BOOK


def test_a_new_count_with_nothing_to_count_says_so(client, counter, site, lot) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)

    response = client.post("/inventory/counts/new/", {"site": site.pk, "zone": "frozen"})

    assert response.status_code == 400
    assert "there is nothing to count" in response.content.decode()
    assert not CycleCount.objects.exists()


def test_the_sheet_does_not_show_the_book_quantity(client, counter, count) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)

    page = client.get(f"/inventory/counts/{count.pk}/").content.decode()

    assert "L-1" in page and "PARA-500" in page and "2030-01-01" in page
    assert f'name="{field(count)}"' in page
    assert str(BOOK) not in page
    assert "7,351" not in page


def test_the_printed_sheet_and_its_export_do_not_show_the_book(client, counter, count) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)

    printed = client.get(f"/inventory/counts/{count.pk}/print/").content.decode()
    exported = b"".join(client.get(f"/inventory/counts/{count.pk}/?export=csv").streaming_content)
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))

    assert "L-1" in printed and str(BOOK) not in printed
    assert rows[0] == [
        "count",
        "site",
        "location",
        "sku_code",
        "sku_name",
        "lot_number",
        "expiry_date",
        "counted_quantity",
    ]
    assert rows[1][:6] == [count.number, "WH1", "", "PARA-500", rows[1][4], "L-1"]
    assert str(BOOK) not in exported.decode()


def test_saving_keeps_the_count_open_with_what_was_entered(client, counter, count) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)

    response = client.post(f"/inventory/counts/{count.pk}/", {field(count): "12", "action": "save"})

    assert response.status_code == 302
    assert count.lines.get().counted_quantity == 12
    page = client.get(f"/inventory/counts/{count.pk}/").content.decode()
    assert 'value="12"' in page


def test_submitting_without_every_line_is_refused_on_the_sheet(client, counter, count) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)

    response = client.post(f"/inventory/counts/{count.pk}/", {field(count): "", "action": "submit"})

    content = response.content.decode()
    assert response.status_code == 400
    assert "1 of 1 line(s) have no count yet" in content
    assert str(BOOK) not in content
    count.refresh_from_db()
    assert count.status == CycleCountStatus.OPEN


def test_a_negative_count_is_refused_under_its_line(client, counter, count) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)

    response = client.post(
        f"/inventory/counts/{count.pk}/",
        {field(count): "-4", "action": "save"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "0 or more." in response.content.decode()
    assert count.lines.get().counted_quantity is None


def test_submitting_leads_to_the_review(client, counter, count) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)

    response = client.post(
        f"/inventory/counts/{count.pk}/", {field(count): "7300", "action": "submit"}
    )

    assert response["Location"] == f"/inventory/counts/{count.pk}/review/"
    count.refresh_from_db()
    assert (count.status, count.counted_by) == (CycleCountStatus.COUNTED, counter)


def test_the_review_of_an_open_count_goes_back_to_the_sheet(client, counter, count) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)

    response = client.get(f"/inventory/counts/{count.pk}/review/")

    assert response.status_code == 302
    assert response["Location"] == f"/inventory/counts/{count.pk}/"


def test_the_review_shows_book_counted_difference_and_value(  # type: ignore[no-untyped-def]
    client, approver, counter, count
) -> None:
    submitted(count, counter, 7300)
    client.force_login(approver)

    page = client.get(f"/inventory/counts/{count.pk}/review/").content.decode()

    assert "7,351" in page and "7300" in page
    assert "-51" in page
    assert "-127.50" in page  # 51 units x 2.50
    assert 'data-testid="differing-line"' in page
    assert 'data-testid="count-approve-form"' in page
    assert 'data-testid="four-eyes-notice"' not in page


def test_lines_without_a_difference_are_not_highlighted(client, approver, counter, count) -> None:  # type: ignore[no-untyped-def]
    submitted(count, counter, BOOK)
    client.force_login(approver)

    page = client.get(f"/inventory/counts/{count.pk}/review/").content.decode()

    assert 'data-testid="equal-line"' in page
    assert 'data-testid="differing-line"' not in page


def test_the_counter_is_told_a_colleague_approves_and_is_refused(client, counter, count) -> None:  # type: ignore[no-untyped-def]
    submitted(count, counter, 7300)
    client.force_login(counter)

    page = client.get(f"/inventory/counts/{count.pk}/review/").content.decode()
    response = client.post(f"/inventory/counts/{count.pk}/approve/", {"reason": "fine"})

    assert 'data-testid="four-eyes-notice"' in page
    assert response.status_code == 400
    assert "another person approves it" in response.content.decode()
    assert not StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).exists()


def test_approval_without_a_reason_is_refused_under_the_reason(  # type: ignore[no-untyped-def]
    client, approver, counter, count
) -> None:
    submitted(count, counter, 7300)
    client.force_login(approver)

    response = client.post(
        f"/inventory/counts/{count.pk}/approve/", {"reason": ""}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "Give a reason for approving the count." in response.content.decode()
    count.refresh_from_db()
    assert count.status == CycleCountStatus.COUNTED


def test_a_colleague_approves_and_the_differences_are_adjusted(  # type: ignore[no-untyped-def]
    client, approver, counter, count, lot
) -> None:
    submitted(count, counter, 7300)
    client.force_login(approver)

    response = client.post(f"/inventory/counts/{count.pk}/approve/", {"reason": "Year-end count"})

    assert response.status_code == 302
    movement = StockMovement.objects.get(kind=MovementKind.ADJUSTMENT)
    assert (movement.lot, movement.quantity, movement.user) == (lot, -51, approver)
    page = client.get(response["Location"]).content.decode()
    assert "approved: 1 lot(s) adjusted" in page
    assert "Year-end count" in page


def test_a_count_is_cancelled_from_its_sheet(client, counter, count) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)

    response = client.post(f"/inventory/counts/{count.pk}/cancel/", {"reason": "Wrong site"})

    count.refresh_from_db()
    assert response.status_code == 302
    assert (count.status, count.cancel_reason) == (CycleCountStatus.CANCELLED, "Wrong site")
    page = client.get(f"/inventory/counts/{count.pk}/", follow=True).content.decode()
    assert 'data-testid="save-count"' not in page


def test_cancelling_without_a_reason_answers_with_the_form_and_its_message(  # type: ignore[no-untyped-def]
    client, counter, count
) -> None:
    client.force_login(counter)

    response = client.post(
        f"/inventory/counts/{count.pk}/cancel/", {"reason": ""}, HTTP_HX_REQUEST="true"
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<form method="post" action="/inventory/counts/')
    assert 'id="cancel-form"' in content
    assert "Give a reason for cancelling the count." in content
    count.refresh_from_db()
    assert count.status == CycleCountStatus.OPEN


def test_the_sheet_loads_its_keyboard_script(client, counter, count) -> None:  # type: ignore[no-untyped-def]
    client.force_login(counter)

    page = client.get(f"/inventory/counts/{count.pk}/").content.decode()

    assert "js/cycle_count.js" in page
    assert "data-count-sheet" in page and "data-count-input" in page
