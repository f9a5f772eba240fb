"""Trail entries of rows written as plain values (accounts.audit `created_changes` and
`audit_rows_write`): the same fields and content as the entries the instance path writes for the
same rows, chained so that the verification recomputes every hash."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from accounts.audit import (
    audit_context,
    audit_rows_write,
    audited_bulk_create,
    audited_bulk_update,
    created_changes,
)
from accounts.audit_chain import verify_chain
from accounts.models import AuditLogEntry
from common.bulk import insert_values, update_values
from inventory.models import Lot, MovementKind, StockMovement
from tests.factories import LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db

COLUMNS = (
    "kind",
    "quantity",
    "lot_id",
    "sku_id",
    "site_id",
    "occurred_at",
    "reference",
    "reason",
    "user_id",
)
COMPARED = (
    "content_type_id",
    "action",
    "object_repr",
    "serialized_data",
    "changes_text",
    "actor_id",
    "actor_email",
    "remote_addr",
    "remote_port",
    "additional_data",
    "reason",
    "source",
)


@pytest.fixture
def lot(db):  # type: ignore[no-untyped-def]
    return LotFactory(
        sku=SkuFactory(code="AMOX-500"),
        site=SiteFactory(code="HOSP-1"),
        lot_number="L-1",
        expiry_date=date(2027, 6, 30),
        quantity=100,
    )


def movement_values(lot: Lot, user_id: int) -> list[tuple[Any, ...]]:
    return [
        (
            MovementKind.ISSUE.value,
            -3,
            lot.pk,
            lot.sku_id,
            lot.site_id,
            datetime(2026, 1, 9, 7, 30, 15, 123456, tzinfo=UTC),
            "DISP-1",
            "dispense",
            user_id,
        ),
        (
            MovementKind.ADJUSTMENT.value,
            2,
            lot.pk,
            lot.sku_id,
            lot.site_id,
            datetime(2026, 1, 9, tzinfo=UTC),
            "",
            "found in the fridge",
            None,
        ),
    ]


def latest_entries(model: type, count: int) -> list[AuditLogEntry]:
    entries = AuditLogEntry.objects.filter(content_type__model=model._meta.model_name)
    return list(entries.order_by("-sequence")[:count])[::-1]


def context(admin_user):  # type: ignore[no-untyped-def]
    return audit_context(
        actor=admin_user, reason="daily feed", source="api", remote_addr="10.0.0.7"
    )


def test_entries_of_rows_written_as_values_equal_those_of_instances(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    values = movement_values(lot, admin_user.pk)
    with context(admin_user):
        audited_bulk_create(
            StockMovement,
            [StockMovement(**dict(zip(COLUMNS, row, strict=True))) for row in values],
        )
        by_instance = latest_entries(StockMovement, 2)
        ids = insert_values(StockMovement, COLUMNS, values, with_ids=True)
        changes = created_changes(StockMovement, ("id", *COLUMNS))
        audit_rows_write(
            StockMovement,
            AuditLogEntry.Action.CREATE,
            [
                (pk, str(StockMovement.objects.get(pk=pk)), changes((pk, *row)))
                for pk, row in zip(ids, values, strict=True)
            ],
        )
    by_values = latest_entries(StockMovement, 2)

    for old, new, pk in zip(by_instance, by_values, ids, strict=True):
        assert {name: getattr(new, name) for name in COMPARED} == {
            name: getattr(old, name) for name in COMPARED
        }
        assert new.changes == {**old.changes, "id": [None, pk]}
        assert (new.object_pk, new.object_id) == (str(pk), pk)
    assert by_values[0].changes["occurred_at"] == [None, "2026-01-09 07:30:15.123456"]
    assert by_values[1].changes["occurred_at"] == [None, "2026-01-09 00:00:00"]
    assert verify_chain().ok


def test_update_entries_of_values_equal_those_of_instances(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    lot.quantity = 90
    with context(admin_user):
        audited_bulk_update(Lot, [lot], ["quantity"])
        [by_instance] = latest_entries(Lot, 1)
        update_values(Lot, ("quantity",), [(lot.pk, 80)])
        audit_rows_write(
            Lot, AuditLogEntry.Action.UPDATE, [(lot.pk, str(lot), {"quantity": [90, 80]})]
        )
    [by_values] = latest_entries(Lot, 1)

    assert {name: getattr(by_values, name) for name in COMPARED} == {
        name: getattr(by_instance, name) for name in COMPARED
    }
    assert (by_instance.changes, by_values.changes) == (
        {"quantity": [100, 90]},
        {"quantity": [90, 80]},
    )
    assert by_values.sequence == by_instance.sequence + 1
    assert verify_chain().ok


def test_entries_of_values_are_chained_and_verified(lot) -> None:  # type: ignore[no-untyped-def]
    before = AuditLogEntry.objects.count()
    rows = [(lot.pk, str(lot), {"quantity": [100, 100 - i]}) for i in range(1, 4)]

    assert audit_rows_write(Lot, AuditLogEntry.Action.UPDATE, rows) == 3

    entries = list(AuditLogEntry.objects.order_by("sequence"))
    assert len(entries) == before + 3
    assert [entry.previous_hash for entry in entries[-3:]] == [
        entry.entry_hash for entry in entries[-4:-1]
    ]
    assert [entry.changes["quantity"][1] for entry in entries[-3:]] == [99, 98, 97]
    assert entries[-1].source == "shell"
    assert verify_chain().ok


def test_any_text_in_an_entry_is_hashed_as_the_verification_reads_it(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    texts = ['Lot "É-1" \\ ß', "tab\tnew\nline", "{braces: [1, 2]}", "日本語"]
    with audit_context(actor=admin_user, reason="Réception « froide »"):
        audit_rows_write(
            Lot,
            AuditLogEntry.Action.UPDATE,
            [(lot.pk, text, {"lot_number": ["L-1", text], "quantity": [1, 2.5]}) for text in texts],
        )

    entries = latest_entries(Lot, len(texts))
    assert [entry.object_repr for entry in entries] == texts
    assert entries[0].reason == "Réception « froide »"
    assert verify_chain().ok


def test_a_row_written_as_values_needs_its_primary_key(lot) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="primary key"):
        audit_rows_write(Lot, AuditLogEntry.Action.UPDATE, [(None, str(lot), {})])


def test_created_changes_need_every_logged_column() -> None:
    with pytest.raises(ValueError, match="sku_id"):
        created_changes(StockMovement, ("id", "kind", "quantity", "lot_id"))
