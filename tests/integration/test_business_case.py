"""The closed-loop business case (demo.simulation.business_case) on a small world: the two
runs start from the same ledger, both are measured and stored, the command prints the table
from the stored figures, and nothing runs where demo data is not allowed."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from common.models import ChunkedRunStatus
from demo.business_table import business_table
from demo.models import BusinessCase, SimulationRun
from demo.services import (
    BusinessCaseRefused,
    business_case_arm_record,
    business_case_create,
    world_clear,
)
from demo.simulation.business_case import business_case_run
from demo.simulation.parameters import PolicyMethod, SimulationParameters
from inventory.models import Sku
from optimization.models import PolicyRun

TODAY = date(2026, 3, 2)
DAYS = 2
SIZES = {"seed": 4, "skus": 10, "sites": 6, "suppliers": 3, "history_days": 120}


@pytest.fixture(autouse=True)
def demo_deployment(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    settings.DEMO_DATA_ALLOWED = True


def new_case(days: int = DAYS) -> BusinessCase:
    return business_case_create(
        actor=None,
        **SIZES,
        today=TODAY,
        days=days,
        parameters=SimulationParameters(seed=SIZES["seed"]).as_dict(),
    )


@pytest.fixture
def computed(db) -> BusinessCase:  # type: ignore[no-untyped-def]
    return business_case_run(case_id=new_case().pk)


def test_both_runs_start_from_the_same_ledger_and_end_apart(computed) -> None:  # type: ignore[no-untyped-def]
    textbook, optimized = computed.textbook, computed.optimized

    assert computed.status == ChunkedRunStatus.SUCCEEDED
    assert len(computed.start_checksum) == 64
    assert textbook["start_checksum"] == optimized["start_checksum"] == computed.start_checksum
    assert textbook["end_checksum"] != computed.start_checksum
    assert computed.days_done == 2 * DAYS


def test_each_run_simulates_the_case_days_with_its_own_policy_method(computed) -> None:  # type: ignore[no-untyped-def]
    runs = {
        arm: SimulationRun.objects.get(pk=getattr(computed, arm)["simulation_run_id"])
        for arm in ("textbook", "optimized")
    }

    assert {arm: run.parameters["policy_method"] for arm, run in runs.items()} == {
        "textbook": "textbook",
        "optimized": "optimized",
    }
    assert all(run.start_day == TODAY and run.days_done == DAYS for run in runs.values())
    methods = list(PolicyRun.objects.order_by("pk").values_list("parameters__method", flat=True))
    assert methods[-DAYS:] == ["optimized"] * DAYS
    assert "textbook" in methods


def test_the_stored_case_has_both_measure_sets_with_classes_and_weeks(computed) -> None:  # type: ignore[no-untyped-def]
    for arm in ("textbook", "optimized"):
        measures = computed.optimized if arm == "optimized" else computed.textbook
        measures = measures["measures"]
        assert (measures["start"], measures["end"]) == ("2026-03-02", "2026-03-03")
        assert measures["total"]["units_asked"] > 0
        assert set(measures["by_abc"]) >= {"A"}
        assert len(measures["weekly"]) == 1


def test_the_command_prints_the_table_from_the_stored_figures(db, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command(
        "business_case",
        "--skus", "10", "--sites", "6", "--suppliers", "3", "--days-history", "120",
        "--days", "1", "--seed", "4", "--today", TODAY.isoformat(),
    )  # fmt: skip

    out = capsys.readouterr().out
    case = BusinessCase.objects.get()
    table = business_table(case.textbook["measures"], case.optimized["measures"])
    fill = table.total.rows[0]
    assert case.start_checksum in out
    assert f"{fill.textbook_text:>14} {fill.optimized_text:>14} {fill.change_text:>10}" in out
    assert table.total.service_note in out


def test_the_job_computes_a_queued_case_and_records_its_progress(db) -> None:  # type: ignore[no-untyped-def]
    call_command(
        "business_case",
        "--skus", "10", "--sites", "6", "--suppliers", "3", "--days-history", "120",
        "--days", "1", "--seed", "4", "--today", TODAY.isoformat(), "--background",
    )  # fmt: skip

    case = BusinessCase.objects.get()  # Celery runs eagerly in the tests: done on return
    assert (case.status, case.phase, case.days_done) == (ChunkedRunStatus.SUCCEEDED, "done", 2)
    assert case.textbook["measures"]["total"]["units_asked"] > 0


def test_the_world_left_is_the_optimized_runs(computed) -> None:  # type: ignore[no-untyped-def]
    assert Sku.objects.count() == SIZES["skus"]
    assert PolicyRun.objects.latest("pk").parameters["method"] == PolicyMethod.OPTIMIZED


def test_an_arm_from_another_world_is_refused(db) -> None:  # type: ignore[no-untyped-def]
    case = new_case()
    business_case_arm_record(
        case_id=case.pk, arm="textbook", result={"start_checksum": "a" * 64, "measures": {}}
    )

    with pytest.raises(BusinessCaseRefused, match="started from another world"):
        business_case_arm_record(
            case_id=case.pk, arm="optimized", result={"start_checksum": "b" * 64}
        )

    case.refresh_from_db()
    assert case.optimized == {}


def test_without_demo_data_allowed_nothing_is_recorded_or_replaced(db, settings) -> None:  # type: ignore[no-untyped-def]
    case = new_case()
    settings.DEMO_DATA_ALLOWED = False

    with pytest.raises(BusinessCaseRefused, match="DEMO_DATA_ALLOWED=1"):
        new_case()
    with pytest.raises(BusinessCaseRefused, match="DEMO_DATA_ALLOWED=1"):
        business_case_run(case_id=case.pk)
    with pytest.raises(BusinessCaseRefused, match="DEMO_DATA_ALLOWED=1"):
        world_clear(actor=None)
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED=1"):
        call_command("business_case", "--days", "1")

    case.refresh_from_db()
    assert (BusinessCase.objects.count(), case.status) == (1, ChunkedRunStatus.PENDING)
