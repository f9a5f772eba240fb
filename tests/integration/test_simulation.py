"""The world simulator (demo.simulation) on a small generated world: a few days move stock
through the product's services only, the ledger stays whole, and the same start, seed and
days give the same ledger."""

import ast
import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import Sum

from accounts.models import AuditLogEntry
from accounts.roles import Role
from common.models import ChunkedRunStatus
from demo import generator as demo_data
from demo import services as demo_services
from demo.models import SimulationRun
from demo.services import simulation_run_create
from demo.simulation.ledger import ledger_checksum
from demo.simulation.parameters import SimulationParameters
from demo.simulation.runs import first_day, simulation_run_execute
from demo.tasks import simulate_world
from inventory.models import DailyDemand, Lot, MovementKind, StockMovement
from inventory.services.stock import lot_set_status
from suppliers.models import PurchaseOrder, PurchaseOrderStatus, Receipt

TODAY = date(2026, 3, 2)
DAYS = 4
SIMULATION_PACKAGE = Path(__file__).resolve().parents[2] / "demo" / "simulation"
ALWAYS_WRITES = {
    "save",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
QUERYSET_WRITES = {"create", "update"}
QUERYSET_METHODS = ("filter", "exclude", "all", "select_for_update", "select_related")


@pytest.fixture(autouse=True)
def demo_world(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True


def build_world() -> None:
    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=12, days=120, sites=8, suppliers=3, seed=4, today=TODAY)
    )


def simulate(seed: int = 5, days: int = DAYS) -> SimulationRun:
    run = simulation_run_create(
        actor=None,
        days=days,
        seed=seed,
        start_day=first_day(None),
        parameters=SimulationParameters(seed=seed).as_dict(),
    )
    return simulation_run_execute(run_id=run.pk)


@pytest.fixture
def simulated(db) -> SimulationRun:  # type: ignore[no-untyped-def]
    build_world()
    return simulate()


def test_the_simulation_starts_the_day_after_the_last_recorded_demand(simulated) -> None:  # type: ignore[no-untyped-def]
    assert simulated.start_day == TODAY
    assert DailyDemand.objects.filter(date__gte=TODAY).values("date").distinct().count() == DAYS


def test_stock_moves_through_dispenses_receipts_and_sent_orders(simulated) -> None:  # type: ignore[no-untyped-def]
    since = StockMovement.objects.filter(occurred_at__date__gte=TODAY)

    assert since.filter(kind=MovementKind.ISSUE, reference="patients").exists()
    assert Receipt.objects.filter(received_on__gte=TODAY).exists()
    assert sum(day["orders_approved"] for day in simulated.days) >= 1
    assert PurchaseOrder.objects.filter(
        sent_at__date__gte=TODAY,
        status__in=[PurchaseOrderStatus.SENT, PurchaseOrderStatus.ACKNOWLEDGED],
    ).exists()


def test_every_lot_equals_its_ledger_afterwards(simulated) -> None:  # type: ignore[no-untyped-def]
    ledger = dict(StockMovement.objects.values_list("lot_id").annotate(units=Sum("quantity")))

    assert all(lot.quantity == ledger.get(lot.pk, 0) for lot in Lot.objects.all())


def test_demand_asked_and_served_are_in_the_ledger_as_the_days_report_them(simulated) -> None:  # type: ignore[no-untyped-def]
    asked = DailyDemand.objects.filter(date__gte=TODAY).aggregate(units=Sum("quantity"))["units"]
    served = -StockMovement.objects.filter(
        kind=MovementKind.ISSUE, reference="patients", occurred_at__date__gte=TODAY
    ).aggregate(units=Sum("quantity"))["units"]

    assert asked == sum(day["asked"] for day in simulated.days)
    assert served == sum(day["served"] for day in simulated.days)


def test_demand_a_site_cannot_serve_is_recorded_as_asked_without_an_issue(db, make_user) -> None:  # type: ignore[no-untyped-def]
    build_world()
    sku_id, site_id, _ = (
        DailyDemand.objects.values_list("sku_id", "site_id")
        .annotate(units=Sum("quantity"))
        .order_by("-units")
        .first()
    )
    quality = make_user(Role.QUALITY)
    for lot in Lot.objects.filter(sku_id=sku_id, site_id=site_id).exclude(status="rejected"):
        lot_set_status(actor=quality, lot=lot, status="rejected", reason="test: no stock left")

    run = simulate(days=1)

    asked = DailyDemand.objects.get(sku_id=sku_id, site_id=site_id, date=TODAY).quantity
    assert asked > 0
    assert not StockMovement.objects.filter(
        sku_id=sku_id, site_id=site_id, kind=MovementKind.ISSUE, occurred_at__date=TODAY
    ).exists()
    assert run.days[0]["asked"] - run.days[0]["served"] >= asked
    entry = AuditLogEntry.objects.filter(
        object_pk=str(site_id), changes__has_key="unserved_demand"
    ).get()
    assert entry.changes["unserved_demand"][1]["date"] == TODAY.isoformat()


def test_the_run_records_each_day_and_ends_with_the_checksum(simulated) -> None:  # type: ignore[no-untyped-def]
    simulated.refresh_from_db()

    assert simulated.status == ChunkedRunStatus.SUCCEEDED
    assert simulated.days_done == DAYS
    assert [day["day"] for day in simulated.days] == [f"2026-03-0{d}" for d in range(2, 2 + DAYS)]
    assert simulated.checksum == ledger_checksum()


def flush() -> None:
    """Empty every table, then put back the role groups the migrations made."""
    call_command("flush", interactive=False, verbosity=0)
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@pytest.mark.django_db(transaction=True)
def test_the_same_world_seed_and_days_give_the_same_ledger_and_another_seed_does_not() -> None:
    flush()  # an earlier transactional test may have flushed the role groups away
    build_world()
    first = simulate(seed=5, days=3).checksum
    flush()
    build_world()
    again = simulate(seed=5, days=3).checksum
    flush()
    build_world()
    other = simulate(seed=6, days=3).checksum

    assert first == again
    assert other != first


def test_the_command_prints_each_day_and_the_checksum(db, capsys) -> None:  # type: ignore[no-untyped-def]
    build_world()

    call_command("simulate_days", "2", "--seed", "3", "--planner", "limits")

    out = capsys.readouterr().out
    assert "2026-03-02" in out and "2026-03-03" in out
    assert f"Ledger checksum: {ledger_checksum()}" in out


def test_a_failing_day_marks_the_run_failed_with_its_cause(db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    build_world()

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the warehouse system is down")

    monkeypatch.setattr("demo.simulation.day.selectors.notices_due", broken)
    with pytest.raises(RuntimeError):
        simulate(days=2)

    run = SimulationRun.objects.get()
    assert run.status == ChunkedRunStatus.FAILED
    assert "the warehouse system is down" in run.error
    assert run.days_done == 0


def business_writes(path: Path) -> list[str]:
    """Calls in a module that would write a table directly: `.save()`, `.delete()`, bulk and
    get-or-create calls on anything; `.create()` and `.update()` on a manager or queryset
    (`Model.objects...`, `....filter(...)`), not on a dict or a hash."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, receiver = node.func.attr, ast.unparse(node.func.value)
        on_queryset = "objects" in receiver or any(
            f".{method}(" in receiver for method in QUERYSET_METHODS
        )
        if name in ALWAYS_WRITES or (name in QUERYSET_WRITES and on_queryset):
            found.append(f"{path.name}:{node.lineno} .{name}()")
    return found


def test_the_simulation_never_writes_a_table_itself() -> None:
    modules = sorted(SIMULATION_PACKAGE.glob("*.py"))

    assert len(modules) >= 5
    assert [write for path in modules for write in business_writes(path)] == []


def test_the_write_scan_finds_a_direct_write(tmp_path) -> None:  # type: ignore[no-untyped-def]
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "def f(lot, totals):\n"
        "    lot.save()\n"
        "    Lot.objects.filter(pk=1).update(quantity=1)\n"
        "    StockMovement.objects.create(quantity=1)\n"
        "    totals.update(x=1)\n"
    )

    assert business_writes(sneaky) == [
        "sneaky.py:2 .save()",
        "sneaky.py:3 .update()",
        "sneaky.py:4 .create()",
    ]


def test_the_job_advances_its_progress_row_day_by_day(db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    build_world()
    run = simulation_run_create(
        actor=None, days=2, seed=5, start_day=TODAY, parameters=SimulationParameters().as_dict()
    )
    seen = []
    record = demo_services.simulation_run_day_record

    def watch(*, run_id, summary):  # type: ignore[no-untyped-def]
        record(run_id=run_id, summary=summary)
        seen.append(SimulationRun.objects.get(pk=run_id).days_done)

    monkeypatch.setattr("demo.simulation.runs.simulation_run_day_record", watch)

    checksum = simulate_world.delay(run.pk).get()

    run.refresh_from_db()
    assert seen == [1, 2]
    assert (run.status, run.days_done, run.checksum) == ("succeeded", 2, checksum)


def test_to_yesterday_simulates_up_to_yesterday_and_leaves_the_last_plan_to_a_person(
    db, capsys
) -> None:  # type: ignore[no-untyped-def]
    build_world()

    with time_machine.travel(datetime(2026, 3, 4, 8, tzinfo=UTC), tick=False):
        call_command("simulate_days", "--to-yesterday", "--leave-last-plan", "--seed", "3")
        call_command("simulate_days", "--to-yesterday")

    first, *others = SimulationRun.objects.order_by("pk")
    assert not others  # the second call found the world current
    assert (first.start_day, first.days_asked, first.days_done) == (TODAY, 2, 2)
    assert "planner" in first.days[0]["seconds"]
    assert "planner" not in first.days[-1]["seconds"]
    assert "The world is current (its next day is 2026-03-04)" in capsys.readouterr().out


def test_a_number_of_days_and_to_yesterday_are_not_both_accepted(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="not both"):
        call_command("simulate_days", "3", "--to-yesterday")


@pytest.mark.parametrize(("verbosity", "level"), [(1, logging.WARNING), (2, logging.NOTSET)])
def test_the_command_keeps_the_jobs_log_lines_out_unless_asked(db, verbosity, level) -> None:  # type: ignore[no-untyped-def]
    build_world()
    chatty = [logging.getLogger(name) for name in ("celery.app.trace", "demo.simulation.day")]
    for logger in chatty:
        logger.setLevel(logging.NOTSET)

    try:
        call_command("simulate_days", "1", "--seed", "3", verbosity=verbosity)
        assert [logger.level for logger in chatty] == [level, level]
    finally:
        for logger in chatty:
            logger.setLevel(logging.NOTSET)
