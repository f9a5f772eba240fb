"""Real Celery worker processes for tests that must prove task delivery (and survive a
worker killed mid-task)."""

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import current_app
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url_of_this_test_run() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


class Workers:
    """Worker processes consuming a queue of their own, so no other worker takes the tasks.
    Everything a worker sends itself (chord parts, callbacks) stays on that queue."""

    def __init__(self, queue: str, redis_url: str) -> None:
        self.queue = queue
        self.redis_url = redis_url
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, *, pool: str = "solo", env: dict[str, str] | None = None) -> int:
        """Start a worker; its process id. `-A tests.integration.worker_app` is the project's
        app plus the test-only chunk gate (inert unless PHARMASTOCK_TEST_CHUNK_GATE is set)."""
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.integration.worker_app",
                "worker",
                "-Q",
                self.queue,
                f"--pool={pool}",
                "--concurrency=1",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                f"--hostname={self.queue}-{len(self.running)}@%h",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.base",
                "DATABASE_URL": database_url_of_this_test_run(),
                "REDIS_URL": self.redis_url,
                "CELERY_TASK_ALWAYS_EAGER": "0",
                "CELERY_DEFAULT_QUEUE": self.queue,
                "CELERY_HEAVY_QUEUE": self.queue,
                **(env or {}),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.running.append(worker)
        return worker.pid

    def kill(self) -> None:
        """SIGKILL every worker started so far: no shutdown, no acknowledgement, no cleanup."""
        for worker in self.running:
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=20)

    def stop(self) -> None:
        for worker in self.running:
            if worker.poll() is None:
                worker.terminate()
            try:
                output, _ = worker.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                output, _ = worker.communicate()
            if worker.returncode not in (0, -15, -9):
                print(output.decode(errors="replace"))


@pytest.fixture
def workers(require_postgres: None, redis_url: str, transactional_db: None) -> Iterator[Workers]:
    """A private queue and the workers the test starts on it (none yet)."""
    control = Workers(f"test-{uuid.uuid4().hex[:8]}", redis_url)
    current_app.conf.task_always_eager = False
    try:
        yield control
    finally:
        current_app.conf.task_always_eager = True
        control.stop()


@pytest.fixture
def worker_queue(workers: Workers) -> str:
    """A worker process consuming a queue of its own, so no other worker can take the task."""
    workers.start()
    return workers.queue
