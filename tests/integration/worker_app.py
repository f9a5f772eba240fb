"""The Celery app test workers run (`celery -A tests.integration.worker_app worker`): the
project's app, plus a gate that holds a chunk task at its start so a test can kill the
worker while the chunk is under way.

The gate is inert unless PHARMASTOCK_TEST_CHUNK_GATE names a directory. Then a plan or
forecast chunk whose index is PHARMASTOCK_TEST_HOLD_CHUNK (default 0) writes
`started-<pid>` there (the process running it) and waits while a file `hold` exists."""

import os
import time
from pathlib import Path
from typing import Any

from celery.signals import task_prerun

from config.celery import app

__all__ = ["app"]

CHUNK_TASKS = {"optimization.tasks.plan_chunk", "forecasting.tasks.forecast_chunk"}


@task_prerun.connect
def hold_chunk(sender: Any = None, task_id: str = "", args: Any = None, **_: Any) -> None:
    gate = os.environ.get("PHARMASTOCK_TEST_CHUNK_GATE")
    if not gate or sender is None or sender.name not in CHUNK_TASKS:
        return
    if list(args or [])[1:2] != [int(os.environ.get("PHARMASTOCK_TEST_HOLD_CHUNK", "0"))]:
        return
    folder = Path(gate)
    (folder / f"started-{os.getpid()}").write_text(task_id)
    while (folder / "hold").exists():
        time.sleep(0.05)
