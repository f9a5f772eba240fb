"""A real Celery worker, started as a separate process against Redis and the test database,
runs the diagnostic task and stores its result (django-celery-results)."""

import pytest
from django_celery_results.models import TaskResult

from accounts.tasks import ping


@pytest.mark.redis
@pytest.mark.slow
def test_worker_runs_the_task_and_its_result_is_stored(worker_queue: str) -> None:
    result = ping.apply_async(args=["hello"], queue=worker_queue)

    answer = result.get(timeout=60)

    assert answer["reply"] == "hello"
    assert answer["worker"].startswith(worker_queue)
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert stored.task_name == "accounts.diagnostics.ping"
