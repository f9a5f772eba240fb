"""Load bench of the overview dashboard: gunicorn + PostgreSQL, 20 concurrent users.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pharmastock_bench \
        .venv/bin/python bench/dashboard_load.py [--users 20] [--seconds 30] [--workers 4]

1. Recomputes the dashboard snapshot in this process (alerts.dashboard_snapshot_refresh over
   the whole database, e.g. 10,000 SKUs x 730 days) and prints how long it took.
2. Creates (or reuses) a planner "bench-planner" and signs in once per simulated user through
   the real login form, so each of the users has its own session.
3. Starts gunicorn (sync workers, DEBUG=0, production-like settings) on a free local port,
   warms each worker, then has `--users` threads request /alerts/dashboard/ back to back for
   `--seconds` seconds, and prints median, p95, max, throughput and errors.

Standard library only on the client side (http.client), so the client adds little overhead;
it runs on the same machine as the server and the database, which it therefore slows a little.
The target (issue): median under 300 ms and p95 under 1 s.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from loopback import free_port, login, machine, wait_for

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PAGE = "/alerts/dashboard/"
USERNAME = "bench-planner"
PASSWORD = "bench-planner-password-42"  # noqa: S105 - a local bench account, reset each run


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()


def refresh_snapshot() -> None:
    from django.db import connection

    from inventory.models import DailyDemand, Sku
    from reporting.services import dashboard_snapshot_refresh

    skus = Sku.objects.count()
    first = DailyDemand.objects.order_by("date").values_list("date", flat=True).first()
    last = DailyDemand.objects.order_by("-date").values_list("date", flat=True).first()
    started = time.perf_counter()
    snapshot = dashboard_snapshot_refresh()
    elapsed = time.perf_counter() - started
    print(
        f"Snapshot refresh: {elapsed:.2f} s ({connection.vendor}, {skus:,} SKUs, "
        f"demand {first} .. {last}, {snapshot.positions:,} SKU-sites)"
    )
    for k in snapshot.kpis.all():
        print(
            f"  {k.window_days:>2} days: fill rate {k.fill_rate}, "
            f"stock-out rate {k.stockout_rate}, turnover {k.turnover}, "
            f"carrying cost {k.carrying_cost}, expired {k.expired_value}"
        )
    connection.close()


def bench_user() -> None:
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.roles import Role

    user, _ = User.objects.get_or_create(
        username=USERNAME, defaults={"full_name": "Bench Planner", "email": "bench@example.test"}
    )
    user.set_password(PASSWORD)
    user.is_active = True
    user.save()
    user.groups.add(Group.objects.get_or_create(name=Role.PLANNER.value)[0])


def client(port: int, cookie: str, until: float, times: list[float], errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            conn.request("GET", PAGE, headers={"Cookie": cookie})
            response = conn.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200 or b'data-testid="kpi-windows"' not in body:
                errors.append(str(response.status))
            else:
                times.append(elapsed)
        except (OSError, http.client.HTTPException) as error:
            errors.append(type(error).__name__)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (2 cores: 4)")
    parser.add_argument("--skip-refresh", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to the PostgreSQL bench database.")

    print(f"Machine: {machine()}")
    setup_django()
    if not args.skip_refresh:
        refresh_snapshot()
    bench_user()

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get(
            "SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789"
        ),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_CONN_MAX_AGE": "600",
    }
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={args.workers}",
        "--worker-class=sync",
        "--log-level=warning",
        "--timeout=60",
    ]
    print(f"Server: {' '.join(command[1:])} (DEBUG=0, PostgreSQL)")
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603 - our own argv
    try:
        wait_for(port)
        cookies = [login(port, USERNAME, PASSWORD) for _ in range(args.users)]
        for cookie in cookies[: args.workers * 2]:  # warm every worker (imports, connections)
            for _ in range(3):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", PAGE, headers={"Cookie": cookie})
                conn.getresponse().read()
        times: list[float] = []
        errors: list[str] = []
        until = time.monotonic() + args.seconds
        started = time.monotonic()
        threads = [
            threading.Thread(target=client, args=(port, cookie, until, times, errors))
            for cookie in cookies
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    if not times:
        raise SystemExit(f"no successful request; errors: {errors[:5]}")
    median, p95 = statistics.median(times), percentile(times, 0.95)
    print(
        f"GET {PAGE}: {args.users} concurrent users for {args.seconds:.0f} s: "
        f"{len(times):,} requests, {len(times) / wall:.1f} req/s, "
        f"median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms, errors {len(errors)}"
    )
    verdict = "PASS" if median < 0.3 and p95 < 1.0 and not errors else "FAIL"
    print(f"Target median < 300 ms and p95 < 1 s with no errors: {verdict}")


if __name__ == "__main__":
    main()
