"""A real Celery worker, started as a separate process against Redis and the test database,
runs the diagnostic task and stores its result (django-celery-results)."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import current_app
from django.db import connection
from django_celery_results.models import TaskResult

from accounts.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


def database_url_of_this_test_run() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker_queue(require_postgres: None, redis_url: str, transactional_db: None) -> Iterator[str]:
    """A worker process consuming a queue of its own, so no other worker can take the task."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url_of_this_test_run(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--concurrency=1",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            f"--hostname={queue}@%h",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    current_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        current_app.conf.task_always_eager = True
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        if worker.returncode not in (0, -15):
            print(output.decode(errors="replace"))


@pytest.mark.redis
def test_worker_runs_the_task_and_its_result_is_stored(worker_queue: str) -> None:
    result = ping.apply_async(args=["hello"], queue=worker_queue)

    answer = result.get(timeout=60)

    assert answer["reply"] == "hello"
    assert answer["worker"].startswith(worker_queue)
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert stored.task_name == "accounts.diagnostics.ping"
