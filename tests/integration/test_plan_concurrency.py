"""Approvals and plan runs on the real database and broker: simultaneous approvals of one
suggestion make one purchase-order line, a double-submitted request approves once, two starts
make one run, and a real worker runs a plan's chunks and publishes it.

Each race pauses inside the critical section, so without the row lock, the idempotency key's
unique index or the advisory lock both sides would act (the tests fail if those are removed)."""

import threading
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from celery import current_app
from django.db import connection

from optimization.models import PlanRun, PlanRunStatus, SuggestedOrder
from optimization.services import approvals, plans
from optimization.services.approvals import SuggestionRefused, suggestions_approve
from optimization.tasks import plan_run
from suppliers.models import PurchaseOrder, PurchaseOrderLine
from tests.factories import TEST_PASSWORD, SuggestedOrderFactory, UserFactory
from tests.integration.test_plan_runs import build_network

pytestmark = [pytest.mark.django_db(transaction=True)]


def race(*actions: Callable[[], str]) -> list[str]:
    """Start the actions at the same moment in threads of their own; their outcomes."""
    start = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def run(action: Callable[[], str]) -> None:
        try:
            start.wait()
            outcomes.append(action())
        except Exception as error:  # the outcome is what the test checks
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


@pytest.fixture
def slow_purchase_orders(monkeypatch):  # type: ignore[no-untyped-def]
    """Pause between reading a suggestion and writing its purchase-order line."""
    add = approvals.purchase_order_line_add

    def add_slowly(**kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.5)
        return add(**kwargs)

    monkeypatch.setattr(approvals, "purchase_order_line_add", add_slowly)


def approver(user, *suggestions, key: str = "") -> Callable[[], str]:  # type: ignore[no-untyped-def]
    def act() -> str:
        outcome = suggestions_approve(
            actor=user,
            suggestion_ids=[s.pk for s in suggestions],
            password=TEST_PASSWORD,
            idempotency_key=key,
        )
        return "replayed" if outcome.replayed else "approved"

    return act


def test_two_planners_approving_one_suggestion_make_one_line(
    require_postgres, slow_purchase_orders
) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()
    first, second = (UserFactory(roles=["planner"]) for _ in range(2))

    outcomes = race(approver(first, suggestion), approver(second, suggestion))

    assert outcomes == ["SuggestionRefused", "approved"]
    assert PurchaseOrderLine.objects.count() == 1
    assert SuggestedOrder.objects.get(pk=suggestion.pk).status == "approved"


def test_a_double_submitted_approval_approves_once(require_postgres, slow_purchase_orders) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()
    planner = UserFactory(roles=["planner"])

    outcomes = race(
        approver(planner, suggestion, key="dialog-7"),
        approver(planner, suggestion, key="dialog-7"),
    )

    assert outcomes == ["approved", "replayed"]
    assert PurchaseOrderLine.objects.count() == 1


def test_simultaneous_approvals_for_one_supplier_and_site_share_one_order(
    require_postgres, slow_purchase_orders
) -> None:  # type: ignore[no-untyped-def]
    first = SuggestedOrderFactory()
    second = SuggestedOrderFactory(plan=first.plan, site=first.site, supplier=first.supplier)
    planners = [UserFactory(roles=["planner"]) for _ in range(2)]

    outcomes = race(approver(planners[0], first), approver(planners[1], second))

    assert outcomes == ["approved", "approved"]
    assert PurchaseOrder.objects.count() == 1
    assert PurchaseOrderLine.objects.count() == 2


def test_two_simultaneous_plan_starts_create_one_run(require_postgres, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    build_network()
    read = plans.current_run

    def read_then_pause():  # type: ignore[no-untyped-def]
        found = read()
        time.sleep(0.5)
        return found

    monkeypatch.setattr(plans, "current_run", read_then_pause)

    def start() -> str:
        plans.plan_run_create(actor=None, as_of=date(2026, 12, 1))
        return "created"

    outcomes = race(start, start)

    assert outcomes == ["PlanRunRefused", "created"]
    assert PlanRun.objects.filter(status="pending").count() == 1


@pytest.mark.redis
def test_a_real_worker_runs_every_chunk_and_publishes_the_plan(worker_queue, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    build_network()
    run = plans.plan_run_create(actor=None, as_of=date(2026, 12, 1), chunk_skus=1)
    assert run.chunks_total == 2
    monkeypatch.setitem(
        current_app.conf, "task_routes", {"optimization.tasks.*": {"queue": worker_queue}}
    )

    plan_run.apply_async(args=[run.pk], queue=worker_queue)

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (PlanRunStatus.SUCCEEDED, PlanRunStatus.FAILED):
            break
        time.sleep(0.5)
    assert run.status == PlanRunStatus.SUCCEEDED, run.error
    assert plans.current_plan() == run
    assert run.chunks_done == 2
    assert SuggestedOrder.objects.filter(plan=run).count() == 1


def test_limits_hold_under_the_lock_too(require_postgres) -> None:  # type: ignore[no-untyped-def]
    """Two planners each giving the first approval of an order above their limits at once: one
    is the first approval, the other's then counts as the second."""
    suggestion = SuggestedOrderFactory(quantity=1000)
    first, second = (
        UserFactory(roles=["planner"], approval_limit=Decimal("5000")) for _ in range(2)
    )

    outcomes = race(approver(first, suggestion), approver(second, suggestion))

    assert outcomes == ["approved", "approved"]
    stored = SuggestedOrder.objects.get(pk=suggestion.pk)
    assert stored.status == "approved"
    assert stored.first_approved_by != stored.decided_by
    assert PurchaseOrderLine.objects.count() == 1
    with pytest.raises(SuggestionRefused):
        suggestions_approve(actor=first, suggestion_ids=[suggestion.pk], password=TEST_PASSWORD)
