"""The Celery settings the issue asks for, as the running app sees them."""

import pytest
from celery import current_app

from accounts.tasks import ping


def test_json_is_the_only_serialization() -> None:
    conf = current_app.conf
    assert (conf.task_serializer, conf.result_serializer, list(conf.accept_content)) == (
        "json",
        "json",
        ["json"],
    )


def test_tasks_are_acknowledged_late_and_requeued_when_a_worker_dies() -> None:
    assert current_app.conf.task_acks_late is True
    assert current_app.conf.task_reject_on_worker_lost is True


def test_every_task_has_a_soft_limit_below_its_hard_limit() -> None:
    conf = current_app.conf
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit


def test_redis_visibility_timeout_outlasts_the_longest_task() -> None:
    from django.conf import settings

    conf = current_app.conf
    visibility = conf.broker_transport_options["visibility_timeout"]
    task_limits = [
        getattr(task, "time_limit", None) or conf.task_time_limit
        for task in current_app.tasks.values()
    ]
    assert visibility > max([*task_limits, settings.CELERY_LONGEST_TASK_LIMIT])


def test_numeric_jobs_go_to_the_heavy_queue() -> None:
    router = current_app.amqp.router
    assert router.route({}, "forecasting.tasks.forecast_chunk")["queue"].name == "heavy"
    assert router.route({}, "optimization.tasks.plan_chunk")["queue"].name == "heavy"
    assert router.route({}, "accounts.diagnostics.ping")["queue"].name == "default"


def test_beat_schedules_live_in_the_database() -> None:
    assert current_app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


@pytest.mark.django_db
def test_delay_on_commit_enqueues_only_after_the_transaction_commits(
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ping.delay_on_commit("after commit")

    assert len(callbacks) == 1


def test_every_beat_schedule_is_declared_in_one_place_and_names_a_registered_task() -> None:
    current_app.loader.import_default_modules()
    declared = {entry["task"] for entry in current_app.conf.beat_schedule.values()}

    assert declared == {
        "optimization.tasks.nightly_chain",
        "alerts.tasks.evaluate_alerts",
        "suppliers.tasks.monthly_scorecards",
    }
    assert declared <= set(current_app.tasks)


@pytest.mark.django_db
def test_the_schedules_the_nightly_chain_replaced_are_gone_from_the_database() -> None:
    from django_celery_beat.models import PeriodicTask

    scheduled = set(PeriodicTask.objects.values_list("task", flat=True))

    assert {"alerts.tasks.evaluate_alerts", "suppliers.tasks.monthly_scorecards"} <= scheduled
    assert scheduled.isdisjoint(
        {
            "inventory.write_off_expired_lots",
            "suppliers.refresh_stock_positions",
            "inventory.classify_abc_xyz",
            "forecasting.tasks.nightly_forecast_run",
            "forecasting.tasks.refresh_lead_time_estimates",
            "optimization.tasks.nightly_plan_run",
            "alerts.tasks.refresh_dashboard",
        }
    )


@pytest.mark.django_db
def test_nightly_refresh_task_rebuilds_positions_with_on_order() -> None:
    from inventory.models import StockPosition
    from suppliers.tasks import refresh_stock_positions
    from tests.factories import PurchaseOrderLineFactory

    line = PurchaseOrderLineFactory(quantity=40, purchase_order__status="sent")

    assert refresh_stock_positions.delay().get() == 1
    position = StockPosition.objects.get(sku=line.sku, site=line.purchase_order.destination)
    assert (position.on_order, position.inventory_position) == (40, 40)
