"""A replenishment plan run over every SKU-site with a policy, and the planners' worklist, on
the 10,000-SKU benchmark data on PostgreSQL. The requirements: the run finishes in under 2
minutes on this machine; the worklist with 2,000 open suggestions answers in under 300 ms.

The run goes through the same code as production: plan_run_create, then the Celery job with
its chord of chunks, here executed in this process one chunk after another (what a single
worker does; more workers run chunks side by side). Printed: the wall time from create to
publish, each chunk's time, and the rows written. Then the worklist page (Django test client,
full middleware and templates, a signed-in planner) is timed, its first page and a filtered,
sorted page, median and 95th percentile.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pharmastock_bench \
        .venv/bin/python bench/plan_run.py --repeat 30

The database must hold the generated data with a published forecast and policies
(bench/generate_demo_data.py, then manage.py refresh_lead_times and run_forecast).
"""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["REDIS_URL"] = ""  # chunks in this process

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from optimization.models import (  # noqa: E402
    OPEN_SUGGESTION_STATUSES,
    InventoryPolicy,
    SuggestedOrder,
    SuggestedTransfer,
)
from optimization.services import plans  # noqa: E402
from optimization.tasks import plan_run  # noqa: E402


def timed_run(window: int | None) -> tuple[float, object, list[float]]:
    chunk_seconds: list[float] = []
    compute = plans.plan_chunk_compute

    def timed_chunk(**kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        written = compute(**kwargs)
        chunk_seconds.append(time.perf_counter() - started)
        return written

    plans.plan_chunk_compute = timed_chunk
    try:
        started = time.perf_counter()
        run = plans.plan_run_create(actor=None, window=window)
        plan_run.delay(run.pk)
        elapsed = time.perf_counter() - started
    finally:
        plans.plan_chunk_compute = compute
    run.refresh_from_db()
    return elapsed, run, chunk_seconds


def page_times(client: Client, url: str, repeat: int) -> tuple[float, float]:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[round(0.95 * (len(samples) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--runs", type=int, default=2, help="Plan runs in a row.")
    parser.add_argument(
        "--window",
        type=int,
        default=None,
        help="Days ahead to suggest orders for (default: the review period).",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run this on PostgreSQL (DATABASE_URL=postgres://...).")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, PostgreSQL {connection.pg_version // 10000}"
    )
    print(f"SKU-sites with a policy: {InventoryPolicy.objects.count():,}")
    for attempt in range(1, args.runs + 1):
        elapsed, run, chunks = timed_run(args.window)
        print(
            f"Plan run {run.pk} ({run.status}): {elapsed:.1f} s wall for {run.keys_total:,} "
            f"SKU-sites in {run.chunks_total} chunks; chunk median "
            f"{statistics.median(chunks):.2f} s, max {max(chunks):.2f} s; "
            f"{SuggestedOrder.objects.filter(plan=run).count():,} suggested orders, "
            f"{SuggestedTransfer.objects.filter(plan=run).count():,} transfers"
            + (" (rerun)" if attempt > 1 else "")
        )
        if run.status != "succeeded":
            raise SystemExit(run.error)

    current = plans.current_plan()
    open_rows = SuggestedOrder.objects.filter(plan=current, status__in=OPEN_SUGGESTION_STATUSES)
    print(f"Open suggestions in the current plan: {open_rows.count():,}")
    planner, _ = User.objects.get_or_create(
        username="bench-planner", defaults={"full_name": "Bench Planner"}
    )
    planner.groups.add(*planner.groups.model.objects.filter(name=Role.PLANNER))
    client = Client()
    client.force_login(planner)
    url = reverse("optimization:worklist")
    first = open_rows.order_by("site_id").first()
    for label, address in (
        ("worklist, first page (urgency order)", url),
        ("worklist, sorted by value, descending", f"{url}?sort=value&dir=desc"),
        ("worklist, one site, search 'SKU-00'", f"{url}?site={first.site_id}&q=SKU-00"),
        ("worklist, page 20", f"{url}?page=20"),
    ):
        median, p95 = page_times(client, address, args.repeat)
        print(f"{label:45s} median {median:6.1f} ms  p95 {p95:6.1f} ms")


if __name__ == "__main__":
    main()
