"""The bookkeeping of world simulations (demo.models.SimulationRun) and business cases
(demo.models.BusinessCase): create one, mark it running, record its progress, and end it
succeeded or failed (with the first cause). Each is one short transaction of its own,
committed at once, so a page polling the row sees the progress while the simulation goes on.

And the one write that clears a simulated world's derived data (`world_derived_clear`), so
the generator can replace the world (demo.generator empties only the tables it fills)."""

from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import audit_context
from accounts.models import User
from common.errors import DomainError
from common.models import ChunkedRunStatus
from demo.models import BusinessCase, SimulationRun
from demo.world_tables import world_models


class SimulationRefused(DomainError):
    code = "simulation_refused"


def simulation_run_create(
    *,
    actor: User | None,
    days: int,
    seed: int,
    start_day: date,
    parameters: dict[str, Any],
) -> SimulationRun:
    """Record a simulation to run: `days` days (1 or more) from `start_day` with `seed`."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise SimulationRefused("Simulate at least one day.", fields={"days": ["At least 1."]})
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SimulationRefused("The seed is a whole number, 0 or more.", fields={"seed": ["0+"]})
    with transaction.atomic(), audit_context(actor=actor):
        return SimulationRun.objects.create(
            days_asked=days,
            seed=seed,
            start_day=start_day,
            parameters=parameters,
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def simulation_run_start(*, run_id: int) -> SimulationRun:
    """The run is under way (a run already finished is refused)."""
    with transaction.atomic():
        run = SimulationRun.objects.select_for_update().get(pk=run_id)
        if run.status in (ChunkedRunStatus.SUCCEEDED, ChunkedRunStatus.FAILED):
            raise SimulationRefused(f"Simulation {run.pk} has already ended ({run.status}).")
        run.status = ChunkedRunStatus.RUNNING
        run.started_at = run.started_at or timezone.now()
        run.save(update_fields=["status", "started_at"])
    return run


def simulation_run_day_record(*, run_id: int, summary: dict[str, Any]) -> None:
    """One more day done, with its summary appended."""
    with transaction.atomic():
        run = SimulationRun.objects.select_for_update().get(pk=run_id)
        run.days = [*run.days, summary]
        run.days_done += 1
        run.save(update_fields=["days", "days_done"])


def simulation_run_finish(*, run_id: int, checksum: str) -> SimulationRun:
    with transaction.atomic():
        run = SimulationRun.objects.select_for_update().get(pk=run_id)
        run.status = ChunkedRunStatus.SUCCEEDED
        run.checksum = checksum
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "checksum", "finished_at"])
    return run


def simulation_run_fail(*, run_id: int, error: str) -> SimulationRun:
    """Mark the run failed with its first cause (the days done stay on record)."""
    with transaction.atomic():
        run = SimulationRun.objects.select_for_update().get(pk=run_id)
        if run.status != ChunkedRunStatus.FAILED:
            run.status = ChunkedRunStatus.FAILED
            run.error = error[:4000]
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "error", "finished_at"])
    return run


# ---- business cases -----------------------------------------------------------------------


class BusinessCaseRefused(DomainError):
    code = "business_case_refused"


ARMS = ("textbook", "optimized")  # the order a case simulates them in


def business_case_require_allowed() -> None:
    """A business case replaces the world's data twice: demo and benchmark databases only."""
    if not settings.DEMO_DATA_ALLOWED:
        raise BusinessCaseRefused(
            "A business case deletes and rebuilds every SKU, site, lot, movement, order and plan "
            "(twice): it runs only where demo data is allowed (DEMO_DATA_ALLOWED=1)."
        )
    if not settings.DEBUG:
        raise BusinessCaseRefused(
            "A business case runs the world simulator, which makes users with a known password: "
            "demo and benchmark worlds only (DEBUG=1)."
        )


def _whole(value: Any, name: str, *, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise BusinessCaseRefused(
            f"{name.replace('_', ' ').capitalize()} is a whole number, {least} or more.",
            fields={name: [f"{least} or more."]},
        )
    return value


def business_case_create(
    *,
    actor: User | None,
    seed: int,
    skus: int,
    sites: int,
    suppliers: int,
    history_days: int,
    today: date,
    days: int,
    parameters: dict[str, Any],
) -> BusinessCase:
    """Record a business case to compute: a world of `skus` x `sites` with `suppliers` and
    `history_days` of demand ending before `today`, built from `seed`, simulated `days` days
    with each policy. Refused where demo data is not allowed."""
    business_case_require_allowed()
    sizes = {
        "seed": _whole(seed, "seed", least=0),
        "skus": _whole(skus, "skus", least=1),
        "sites": _whole(sites, "sites", least=3),
        "suppliers": _whole(suppliers, "suppliers", least=1),
        "history_days": _whole(history_days, "history_days", least=14),
        "days": _whole(days, "days", least=1),
    }
    with transaction.atomic(), audit_context(actor=actor):
        return BusinessCase.objects.create(
            **sizes,
            today=today,
            parameters=parameters,
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def business_case_start(*, case_id: int) -> BusinessCase:
    """The case is under way; one that has ended is refused (a case is computed once)."""
    with transaction.atomic():
        case = BusinessCase.objects.select_for_update().get(pk=case_id)
        if case.status != ChunkedRunStatus.PENDING:
            raise BusinessCaseRefused(
                f"Business case {case.pk} has already started or ended ({case.status}): "
                "compute a new one."
            )
        case.status = ChunkedRunStatus.RUNNING
        case.started_at = timezone.now()
        case.save(update_fields=["status", "started_at"])
    return case


def business_case_progress(*, case_id: int, phase: str, days_done: int | None = None) -> None:
    """What the case is doing now, and how many simulated days (both arms) are done."""
    with transaction.atomic():
        case = BusinessCase.objects.select_for_update().get(pk=case_id)
        case.phase = phase[:200]
        fields = ["phase"]
        if days_done is not None:
            case.days_done = days_done
            fields.append("days_done")
        case.save(update_fields=fields)


def business_case_arm_record(*, case_id: int, arm: str, result: dict[str, Any]) -> BusinessCase:
    """Store one arm's result (its run, checksums, timings and measures). The first arm's
    starting checksum becomes the case's; the second must start from the same ledger."""
    if arm not in ARMS:
        raise BusinessCaseRefused(f"No arm {arm!r}: the arms are {', '.join(ARMS)}.")
    start = result.get("start_checksum", "")
    with transaction.atomic():
        case = BusinessCase.objects.select_for_update().get(pk=case_id)
        if case.start_checksum and start != case.start_checksum:
            raise BusinessCaseRefused(
                f"The {arm} run started from another world (ledger {start[:12]}, the case's "
                f"{case.start_checksum[:12]}): the two policies would not be compared on the "
                "same demand."
            )
        case.start_checksum = case.start_checksum or start
        setattr(case, arm, result)
        case.save(update_fields=["start_checksum", arm])
    return case


def business_case_finish(*, case_id: int) -> BusinessCase:
    with transaction.atomic():
        case = BusinessCase.objects.select_for_update().get(pk=case_id)
        missing = [arm for arm in ARMS if not getattr(case, arm).get("measures")]
        if missing:
            raise BusinessCaseRefused(
                f"Business case {case.pk} has no measures of the {' and '.join(missing)} run yet."
            )
        case.status = ChunkedRunStatus.SUCCEEDED
        case.phase = "done"
        case.finished_at = timezone.now()
        case.save(update_fields=["status", "phase", "finished_at"])
    return case


def business_case_fail(*, case_id: int, error: str) -> BusinessCase:
    """Mark the case failed with its first cause (what was measured stays on record)."""
    with transaction.atomic():
        case = BusinessCase.objects.select_for_update().get(pk=case_id)
        if case.status != ChunkedRunStatus.FAILED:
            case.status = ChunkedRunStatus.FAILED
            case.error = error[:4000]
            case.finished_at = timezone.now()
            case.save(update_fields=["status", "error", "finished_at"])
    return case


# ---- clearing a simulated world -------------------------------------------------------------


def world_clear(*, actor: User | None) -> dict[str, int]:
    """Empty every table of the world (world_models) in one transaction, so the generator can
    build a world again from a seed; returns the rows deleted per model. Users, the audit
    trail, signatures, run records without rows in the world and the demo app's own tables
    stay.

    Plain TRUNCATE (PostgreSQL) or DELETE (SQLite) statements, as the generator's own
    --replace: no per-row signal, hence no audit entry per deleted lot or suggestion
    (generated and simulated data nobody edited). Refused where demo data is not allowed."""
    business_case_require_allowed()
    tables = [model._meta.db_table for model in world_models()]
    quoted = [connection.ops.quote_name(table) for table in tables]
    with transaction.atomic(), audit_context(actor=actor), connection.cursor() as cursor:
        counts = {}
        for table, name in zip(tables, quoted, strict=True):
            cursor.execute(f"SELECT COUNT(*) FROM {name}")  # noqa: S608 - a model's table
            counts[table] = cursor.fetchone()[0]
        if connection.vendor == "postgresql":
            # Foreign keys are checked at commit: rows written earlier in this transaction
            # leave checks pending, which TRUNCATE refuses to run over. Check them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(quoted)}")
        else:
            for name in quoted:
                cursor.execute(f"DELETE FROM {name}")  # noqa: S608 - a model's table
    return counts
