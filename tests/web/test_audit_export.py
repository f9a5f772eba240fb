"""One record's trail: a page listing every change oldest first with old → new values, who, UTC
time, reason and source, and the signatures; the same as CSV (formula cells defused) and PDF;
linked from the audit trail's rows; for those who may read the trail only."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import AuditLogEntry, User
from accounts.roles import Role
from accounts.services import signature_sign, user_update
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(make_user, admin_user) -> User:  # type: ignore[no-untyped-def]
    user = make_user(Role.VIEWER, username="target", full_name="Jon Smiht")
    user_update(actor=admin_user, user=user, full_name="Jon Smith", reason="typo in name")
    user_update(actor=admin_user, user=user, full_name="=HYPERLINK(1)", reason="@sum(A1)")
    signature_sign(
        signer=admin_user, password=TEST_PASSWORD, meaning="reviewed", target=user, reason="ok"
    )
    return user


def url(user: User, fmt: str = "") -> str:
    if fmt:
        return reverse("audit_object_export", args=["accounts.user", user.pk, fmt])
    return reverse("audit_object", args=["accounts.user", user.pk])


def test_the_page_lists_every_change_oldest_first_with_the_signatures(admin_client, record) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.get(url(record))

    assert response.status_code == 200
    page = response.content.decode()
    trail = page[
        page.index('data-testid="object-trail"') : page.index('data-testid="object-signatures"')
    ]
    first, second = (
        trail.index("Jon Smiht</del> → Jon Smith"),
        trail.index("Jon Smith</del> → =HYPERLINK(1)"),
    )
    assert first < second
    assert "typo in name" in trail
    assert " UTC</time>" in trail
    assert "Admin" in trail or "admin-user" in trail
    signatures = page[page.index('data-testid="object-signatures"') :]
    assert "Reviewed" in signatures
    assert " UTC</time>" in signatures


def test_csv_export_has_old_and_new_values_in_order_and_defuses_formulas(
    admin_client, record
) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.get(url(record, "csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    names = [r for r in rows if r["kind"] == "change" and r["field"] == "full_name"]
    assert [(r["old value"], r["new value"]) for r in names][-2:] == [
        ("Jon Smiht", "Jon Smith"),
        ("Jon Smith", "'=HYPERLINK(1)"),
    ]
    sequences = [int(r["sequence"]) for r in rows if r["kind"] == "change"]
    assert sequences == sorted(sequences)
    assert names[-1]["reason"] == "'@sum(A1)"
    assert all(r["time (UTC)"].endswith(" UTC") for r in rows)
    [signature] = [r for r in rows if r["kind"] == "signature"]
    assert signature["action or meaning"] == "Reviewed"
    assert signature["user"].endswith("(admin-user)")


def test_pdf_export_is_a_pdf_of_the_trail(admin_client, record) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.get(url(record, "pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="audit-trail-accounts-user-' in response["Content-Disposition"]


def test_an_unknown_format_or_record_is_not_found(admin_client, record) -> None:  # type: ignore[no-untyped-def]
    assert admin_client.get(url(record, "xlsx")).status_code == 404
    assert admin_client.get(reverse("audit_object", args=["nope.model", "1"])).status_code == 404
    assert admin_client.get(reverse("audit_object", args=["accounts.user", "0"])).status_code == 404


def test_the_audit_trail_rows_link_to_the_record_trail(admin_client, record) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.get(reverse("audit_trail"))

    assert f'href="{url(record)}"' in response.content.decode()


@pytest.mark.parametrize(
    ("role", "status"), [(Role.VIEWER, 403), (Role.PLANNER, 403), (Role.QUALITY, 200)]
)
def test_only_roles_that_read_the_trail_see_it(client, make_user, record, role, status) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(role, username=f"who-{role}"))

    assert client.get(url(record)).status_code == status
    assert client.get(url(record, "csv")).status_code == status
    assert AuditLogEntry.objects.filter(object_pk=str(record.pk)).exists()
