"""The audit trail is complete on bulk paths, append-only in the database and tamper-evident:
every entry is numbered and hash-chained, `verify_audit_trail` names the first broken entry,
and the database refuses to change or remove entries and signatures."""

import ast
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from auditlog.registry import auditlog
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from accounts.append_only import APPEND_ONLY_TABLES, purge_permitted
from accounts.audit import (
    audit_context,
    audited_bulk_create,
    audited_bulk_update,
    audited_update,
)
from accounts.audit_chain import GENESIS_HASH, compute_hash, content_type_key_of, verify_chain
from accounts.models import AuditLogEntry, Signature, User
from accounts.roles import Role
from accounts.services import signature_sign, user_update
from alerts.models import Alert
from alerts.services.alerts import alert_raise, notify
from inventory.models import Site
from optimization.models import SuggestedOrder
from optimization.services.approvals import suggestion_edit
from tests.factories import TEST_PASSWORD, SiteFactory, UserFactory
from tests.integration.test_alert_services import condition
from tests.integration.test_plan_runs import AS_OF, build_network, run_plan

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "inventory", "suppliers", "forecasting", "optimization", "alerts", "config"]


def chain() -> list[AuditLogEntry]:
    return list(AuditLogEntry.objects.order_by("sequence"))


def entries_of(obj: object) -> list[AuditLogEntry]:
    return list(
        AuditLogEntry.objects.filter(
            object_pk=str(obj.pk), content_type__model=obj._meta.model_name
        ).order_by("sequence")  # type: ignore[attr-defined]
    )


@pytest.fixture
def renamed(make_user, admin_user) -> User:  # type: ignore[no-untyped-def]
    user = make_user(Role.VIEWER, username="target", full_name="Jon Smiht")
    user_update(actor=admin_user, user=user, full_name="Jon Smith", reason="typo")
    user_update(actor=admin_user, user=user, full_name="John Smith", reason="spelling")
    return user


def settle_deferred_checks(cursor) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL will not ALTER or TRUNCATE a table with foreign-key checks still pending in
    the transaction (the test's own inserts): run them now."""
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@contextmanager
def triggers_off() -> Iterator[None]:
    """What someone with the database owner's rights could do: switch the triggers off (inside
    the test's transaction, so they are back afterwards)."""
    with connection.cursor() as cursor:
        settle_deferred_checks(cursor)
        for table in APPEND_ONLY_TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                cursor.execute(f"DROP TRIGGER {table}_no_update")
                cursor.execute(f"DROP TRIGGER {table}_no_delete")
    yield


# ---- the chain ------------------------------------------------------------------------------


def test_entries_are_numbered_without_gaps_and_each_hash_covers_the_one_before(renamed) -> None:  # type: ignore[no-untyped-def]
    entries = chain()

    assert [e.sequence for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].previous_hash == GENESIS_HASH
    for before, entry in itertools.pairwise(entries):
        assert entry.previous_hash == before.entry_hash
    for entry in entries:
        assert entry.entry_hash == compute_hash(entry, content_type_key_of(entry))
    assert verify_chain().ok


def test_the_hash_covers_reason_source_actor_time_and_values(renamed) -> None:  # type: ignore[no-untyped-def]
    entry = entries_of(renamed)[-1]
    key = content_type_key_of(entry)
    original = compute_hash(entry, key)
    for field, value in [
        ("reason", "other"),
        ("source", "api"),
        ("actor_id", None),
        ("changes", {"full_name": ["Jon Smith", "Someone Else"]}),
        ("timestamp", entry.timestamp.replace(year=2001)),
        ("object_pk", "999999"),
        ("previous_hash", "f" * 64),
    ]:
        saved = getattr(entry, field)
        setattr(entry, field, value)
        assert compute_hash(entry, key) != original, field
        setattr(entry, field, saved)


def test_verify_command_reports_ok_with_the_count(renamed, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("verify_audit_trail")

    assert f"OK: {AuditLogEntry.objects.count()} audit trail entries" in capsys.readouterr().out


def test_verify_command_names_a_changed_entry(renamed) -> None:  # type: ignore[no-untyped-def]
    tampered = entries_of(renamed)[-2]
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_auditlogentry SET reason = %s WHERE id = %s",
            ["nothing to see", tampered.pk],
        )

    with pytest.raises(CommandError) as failure:
        call_command("verify_audit_trail")

    message = str(failure.value)
    assert f"entry #{tampered.sequence} (id {tampered.pk})" in message
    assert "changed after it was written" in message


def test_verify_command_names_the_entry_after_a_removed_one(renamed) -> None:  # type: ignore[no-untyped-def]
    removed, after = entries_of(renamed)[-2:]
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditlogentry WHERE id = %s", [removed.pk])

    with pytest.raises(CommandError, match=rf"entry #{after.sequence} \(id {after.pk}\).*missing"):
        call_command("verify_audit_trail")


def test_verify_command_names_a_rewritten_entry_even_with_its_hash_recomputed(renamed) -> None:  # type: ignore[no-untyped-def]
    """Rewriting an entry and its own hash still breaks the link from the entry after it."""
    rewritten, after = entries_of(renamed)[-2:]
    rewritten.reason = "rewritten"
    forged = compute_hash(rewritten, content_type_key_of(rewritten))
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_auditlogentry SET reason = %s, entry_hash = %s WHERE id = %s",
            ["rewritten", forged, rewritten.pk],
        )

    with pytest.raises(CommandError, match=rf"entry #{after.sequence} \(id {after.pk}\)"):
        call_command("verify_audit_trail")


@pytest.mark.django_db(transaction=True)
def test_an_entry_written_outside_a_transaction_is_chained(admin_user) -> None:  # type: ignore[no-untyped-def]
    assert connection.get_autocommit()
    user = UserFactory(full_name="Ann Old")
    user_update(actor=admin_user, user=user, full_name="Ann New")

    assert verify_chain().ok
    assert entries_of(user)[-1].changes == {"full_name": ["Ann Old", "Ann New"]}


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(require_postgres) -> None:  # type: ignore[no-untyped-def]
    sites = [SiteFactory(code=f"C-{i}") for i in range(4)]
    errors: list[BaseException] = []

    def rename(site: Site) -> None:
        try:
            for round_ in range(5):
                with transaction.atomic():
                    Site.objects.select_for_update().get(pk=site.pk)
                    site.name = f"{site.code} round {round_}"
                    site.save()
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=rename, args=(site,)) for site in sites]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    report = verify_chain()
    assert report.ok, report.first_break
    assert report.checked == AuditLogEntry.objects.count()


# ---- append-only ------------------------------------------------------------------------------


def refused(statement: str, params: list) -> bool:  # type: ignore[type-arg]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    except DatabaseError as error:
        return "append-only" in str(error)
    return False


def test_the_database_refuses_to_change_or_remove_trail_entries(renamed) -> None:  # type: ignore[no-untyped-def]
    entry = entries_of(renamed)[-1]

    assert refused("UPDATE accounts_auditlogentry SET reason = 'x' WHERE id = %s", [entry.pk])
    assert refused("DELETE FROM accounts_auditlogentry WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLogEntry.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.delete()
    assert AuditLogEntry.objects.get(pk=entry.pk).reason == "spelling"


def test_the_database_refuses_to_change_or_remove_signatures(renamed) -> None:  # type: ignore[no-untyped-def]
    signature = signature_sign(
        signer=renamed, password=TEST_PASSWORD, meaning="reviewed", target=renamed
    )

    assert refused(
        "UPDATE accounts_signature SET meaning = 'approved' WHERE id = %s", [signature.pk]
    )
    assert refused("DELETE FROM accounts_signature WHERE id = %s", [signature.pk])
    assert Signature.objects.get(pk=signature.pk).meaning == "reviewed"


def test_postgresql_refuses_truncate_and_bypassing_by_replication_role(
    require_postgres, renamed
) -> None:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        settle_deferred_checks(cursor)
    for table in APPEND_ONLY_TABLES:
        assert refused(f"TRUNCATE {table} CASCADE", [])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    assert refused("DELETE FROM accounts_auditlogentry", [])


def test_the_test_suites_purge_permit_never_allows_an_update(renamed) -> None:  # type: ignore[no-untyped-def]
    """The flush permit (tests/conftest.py) lets Django empty the tables between transactional
    tests; it must not open a way to rewrite an entry."""
    with purge_permitted(connection) as first, connection.cursor() as cursor:
        for statement in first:
            cursor.execute(statement)
        assert refused("UPDATE accounts_auditlogentry SET reason = 'x'", [])


def test_the_admin_offers_no_add_change_or_delete(admin_client, renamed) -> None:  # type: ignore[no-untyped-def]
    entry = entries_of(renamed)[-1]
    signature = signature_sign(
        signer=renamed, password=TEST_PASSWORD, meaning="reviewed", target=renamed
    )
    for name, pk in (("auditlogentry", entry.pk), ("signature", signature.pk)):
        base = f"/admin/accounts/{name}/"
        assert admin_client.get(f"{base}add/").status_code == 403
        assert admin_client.post(f"{base}{pk}/delete/", {"post": "yes"}).status_code == 403
        page = admin_client.get(f"{base}{pk}/change/")
        assert page.status_code == 200  # read-only view
        assert b'name="_save"' not in page.content
        listing = admin_client.get(base)
        assert b"delete_selected" not in listing.content
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


# ---- complete on bulk paths ---------------------------------------------------------------------


def test_audited_update_records_old_and_new_values_per_row(admin_user) -> None:  # type: ignore[no-untyped-def]
    sites = [SiteFactory(code=f"B-{i}", name=f"Old {i}") for i in range(3)]

    with audit_context(actor=admin_user, reason="rename wave", source="command:rename"):
        count = audited_update(Site.objects.filter(code__in=["B-0", "B-1"]), name="New")

    assert count == 2
    for site, expected in zip(sites, [True, True, False], strict=True):
        latest = entries_of(site)[-1]
        if expected:
            assert latest.action == AuditLogEntry.Action.UPDATE
            assert latest.changes == {"name": [site.name, "New"]}
            assert (latest.actor, latest.reason, latest.source) == (
                admin_user,
                "rename wave",
                "command:rename",
            )
        else:
            assert latest.action == AuditLogEntry.Action.CREATE
    assert verify_chain().ok


def test_audited_bulk_create_records_each_row(admin_user) -> None:  # type: ignore[no-untyped-def]
    with audit_context(actor=admin_user, source="import"):
        created = audited_bulk_create(
            Site, [Site(code=f"N-{i}", name=f"New {i}", echelon="hospital") for i in range(3)]
        )

    for site in created:
        [entry] = entries_of(site)
        assert entry.action == AuditLogEntry.Action.CREATE
        assert entry.changes["code"] == [None, site.code]
        assert (entry.actor, entry.source) == (admin_user, "import")
    assert verify_chain().ok


def test_audited_bulk_update_records_old_and_new_values_of_each_changed_row(admin_user) -> None:  # type: ignore[no-untyped-def]
    sites = [SiteFactory(code=f"U-{i}", name=f"Old {i}") for i in range(3)]
    sites[0].name, sites[1].name = "Renamed 0", "Renamed 1"

    with audit_context(actor=admin_user, reason="bulk rename"):
        audited_bulk_update(Site, sites, ["name"])

    assert list(
        Site.objects.filter(code__startswith="U-").order_by("code").values_list("name", flat=True)
    ) == [
        "Renamed 0",
        "Renamed 1",
        "Old 2",
    ]
    for site, old in zip(sites[:2], ["Old 0", "Old 1"], strict=True):
        latest = entries_of(site)[-1]
        assert latest.action == AuditLogEntry.Action.UPDATE
        assert latest.changes == {"name": [old, site.name]}
        assert (latest.actor, latest.reason) == (admin_user, "bulk rename")
    assert entries_of(sites[2])[-1].action == AuditLogEntry.Action.CREATE  # unchanged: no entry
    assert verify_chain().ok


def test_plan_runs_leave_entries_for_created_and_carried_over_suggestions() -> None:
    network = build_network()
    planner = UserFactory(roles=["planner"])
    first = run_plan()
    order = SuggestedOrder.objects.get(plan=first)
    assert [e.action for e in entries_of(order)] == [AuditLogEntry.Action.CREATE]
    suggestion_edit(
        actor=planner,
        suggestion_id=order.pk,
        quantity=order.quantity + 100,
        order_date=AS_OF,
        reason="Tender volume",
        expected_version=order.version,
        today=AS_OF,
    )

    second = run_plan()

    assert SuggestedOrder.objects.get(pk=order.pk).plan == second
    carried = entries_of(order)[-1]
    assert carried.changes == {"plan": [first.pk, second.pk]}
    assert network["low"]
    assert verify_chain().ok


def test_notifying_an_alert_is_on_the_trail(make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.PLANNER, email="paula@example.test")
    alert = alert_raise(condition(severity="critical"))

    notify(alert.pk)

    assert Alert.objects.get(pk=alert.pk).notified_at is not None
    assert "notified_at" in entries_of(alert)[-1].changes


# Bulk writes on audited models that were reviewed and are not audited row by row, and why.
REVIEWED_BULK_WRITES = {
    # Demo data only (refused in production): loaded with COPY/executemany, see its docstring.
    "demo/generator.py",
    # The daily stock feed writes its ledger rows and lot quantities as values and their entries
    # from the same values with accounts.audit.audit_rows_write (tests/integration/
    # test_audit_rows.py, test_stock_feed.py).
    "inventory/services/feed.py",
}
BULK_METHODS = {"update", "bulk_create", "bulk_update"}


def unaudited_bulk_writes(root: Path = ROOT) -> list[str]:
    """`<Model>.objects….update()/bulk_create()/bulk_update()` on a model registered with
    auditlog, anywhere in the application code outside REVIEWED_BULK_WRITES."""
    audited = {model.__name__ for model in auditlog.get_models()}
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if "/migrations/" in relative or relative in REVIEWED_BULK_WRITES:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=relative)):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id
                    in {"update_rows", "insert_rows", "update_values", "insert_values"}
                    and node.args
                    and isinstance(node.args[0], ast.Name)
                    and node.args[0].id in audited
                ):
                    found.append(f"{relative}:{node.lineno} {node.func.id}({node.args[0].id})")
                    continue
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in BULK_METHODS
                ):
                    continue
                model = _manager_model(node.func.value)
                if model in audited:
                    found.append(f"{relative}:{node.lineno} {model}.{node.func.attr}()")
    return found


def _manager_model(node: ast.expr) -> str | None:
    """The `X` of a chain like `X.objects.filter(...).exclude(...)`, if there is one."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in {"objects", "_default_manager", "all_objects"} and isinstance(
                node.value, ast.Name
            ):
                return node.value.id
            node = node.value
        else:
            return None


def test_no_bulk_write_on_an_audited_model_bypasses_the_trail() -> None:
    assert unaudited_bulk_writes() == [], (
        "Use accounts.audit.audited_update / audited_bulk_create (or per-object saves), or add "
        "the file to REVIEWED_BULK_WRITES with the reason."
    )


def test_the_scan_finds_a_bulk_write_on_an_audited_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "services.py").write_text(
        "Alert.objects.filter(pk=1).update(notified_at=None)\n"
        "DailyDemand.objects.bulk_create([])\n"
        "Sku.objects.bulk_create([])\n"
        "context.update(x=1)\n"
        "update_rows(Lot, lots, ['quantity'])\n"
        "update_rows(StockPosition, positions, ['on_hand'])\n"
        "insert_rows(StockMovement, movements)\n"
        "insert_rows(DailyDemand, demand)\n"
    )

    assert unaudited_bulk_writes(tmp_path) == [
        "alerts/services.py:1 Alert.update()",
        "alerts/services.py:3 Sku.bulk_create()",
        "alerts/services.py:5 update_rows(Lot)",
        "alerts/services.py:7 insert_rows(StockMovement)",
    ]
