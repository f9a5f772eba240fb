"""Load test: 500 sessions of planners, supplier users and API clients against gunicorn and
PostgreSQL on loopback, with 20-40 s think time (locust, bench/locustfile.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pharmastock_bench \
        .venv/bin/python bench/load_test.py [--users 500] [--spawn-rate 25] [--seconds 300] \
            [--workers 5] [--threads 1] [--out DIR]

Locust comes from the bench virtualenv, never the runtime one (the whole of
requirements-bench.txt installs there together with the runtime pins):

    python3.11 -m venv .venv-bench && .venv-bench/bin/pip install -r requirements-bench.txt

This script runs from .venv (it needs the project's Django) and:

1. Creates or refreshes the accounts (idempotent): one planner per simulated user
   (bench-load-planner-001 ..., planner role; all get one password hash, computed once), a
   supplier-portal user for each supplier with open orders (bench-load-sup-<code>, supplier
   role, linked through suppliers.SupplierUser) and an API client (bench-load-api, viewer role,
   read-only) with a DRF token. Their django-axes failure records are cleared, so no lockout
   can carry over from an earlier run; the run itself signs in with the right password only.
2. Starts gunicorn from .venv (DEBUG=0, `--workers` sync workers, or gthread with `--threads`
   above 1) on a free port, signs in once and warms every worker on every page.
3. Runs locust headless (`-u --users -r --spawn-rate -t --seconds`, `--csv`) from .venv-bench.
   Planners (weight 14) sign in through the login form and browse the worklist, open a row
   (htmx fragment), the stock list, the alert inbox and the dashboard, each full page followed
   by the alert badge fragment; supplier users (weight 3) sign in and open the portal and an
   open order; API clients (weight 3) page through stock levels, search recommendations and
   read supplier scorecards with their token. Nothing is approved or changed.
4. Prints, per request name: requests, failures, RPS, p50/p95/p99, then totals and the error
   rate, for the steady state (from the first moment after the last sign-in with no request in
   flight, i.e. once the queue the sign-in burst built has drained, to the end) and for the
   whole run, and PASS/FAIL against the issue's goals: no error at all (whole run), p95 under
   1 s for pages (API calls and sign-ins included) and under 300 ms for htmx fragments
   (steady state). Percentiles are exact, from every request's time (locust logs each
   one through bench/locustfile.py); locust's own CSV files stay in --out.

Sessions: the idle timeout (30 min) and absolute lifetime (12 h) are far longer than a run, and
the 20-40 s think time keeps every session active. Sign-in costs one PBKDF2 hash (1,000,000
iterations, about 0.3 s of CPU), so the spawn ramp is also a sign-in burst on the 2 cores: that
is why the steady state is reported separately. Locust, gunicorn and PostgreSQL share the
machine, so the client's own CPU is part of the measurement.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from loopback import free_port, login, machine, wait_for

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LOCUST = ROOT / ".venv-bench/bin/locust"
LOCUSTFILE = ROOT / "bench/locustfile.py"
PLANNER_PREFIX = "bench-load-planner-"
SUPPLIER_PREFIX = "bench-load-sup-"
API_USER = "bench-load-api"
PASSWORD = "bench-load-password-7319"  # noqa: S105 - local bench accounts, reset each run
WEIGHTS = "planners 14 : supplier users 3 : API clients 3"
PAGE_GOAL_MS = 1000
FRAGMENT_GOAL_MS = 300
WARM_PAGES = ["/optimization/plan/", "/inventory/", "/alerts/", "/alerts/dashboard/"]


# ---- accounts -------------------------------------------------------------------------------


@dataclass
class Accounts:
    planners: int
    suppliers: list[str]
    token: str
    database: str


def setup_accounts(planners: int) -> Accounts:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from axes.models import AccessAttempt, AccessFailureLog
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from accounts.roles import Role
    from inventory.models import DailyDemand, Sku
    from suppliers.models import PurchaseOrder, Supplier, SupplierUser
    from suppliers.selectors.portal import PORTAL_OPEN_STATUSES

    password = make_password(PASSWORD)  # once: 1,000,000 PBKDF2 iterations

    def group(role: Role) -> Group:
        return Group.objects.get_or_create(name=role.value)[0]

    def ensure(usernames: list[str], role: Role, full_name: str) -> list[User]:
        existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
        User.objects.bulk_create(
            User(username=name, full_name=f"{full_name} {name[-3:]}", email=f"{name}@bench.test")
            for name in usernames
            if name not in existing
        )
        users = list(User.objects.filter(username__in=usernames))
        for user in users:
            user.password = password
            user.is_active = True
        User.objects.bulk_update(users, ["password", "is_active"])
        through = User.groups.through
        through.objects.bulk_create(
            [through(user_id=user.pk, group_id=group(role).pk) for user in users],
            ignore_conflicts=True,
        )
        return users

    with transaction.atomic():
        ensure(
            [f"{PLANNER_PREFIX}{i:03d}" for i in range(1, planners + 1)], Role.PLANNER, "Planner"
        )

        suppliers = Supplier.objects.filter(
            pk__in=PurchaseOrder.objects.filter(status__in=PORTAL_OPEN_STATUSES).values(
                "supplier_id"
            )
        ).order_by("code")
        names = []
        for supplier in suppliers:
            name = f"{SUPPLIER_PREFIX}{supplier.code.lower()}"
            (user,) = ensure([name], Role.SUPPLIER, f"Supplier {supplier.code}")
            SupplierUser.objects.update_or_create(user=user, defaults={"supplier": supplier})
            names.append(name)
        if not names:
            raise SystemExit("No supplier has open purchase orders: load the demo data first.")

        (api_user,) = ensure([API_USER], Role.VIEWER, "ERP integration")
        token = Token.objects.get_or_create(user=api_user)[0].key

        for prefix in (PLANNER_PREFIX, SUPPLIER_PREFIX, API_USER):
            AccessAttempt.objects.filter(username__startswith=prefix).delete()
            AccessFailureLog.objects.filter(username__startswith=prefix).delete()

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    first = DailyDemand.objects.order_by("date").values_list("date", flat=True).first()
    last = DailyDemand.objects.order_by("-date").values_list("date", flat=True).first()
    database = (
        f"PostgreSQL {version} ({connection.settings_dict['NAME']}): {Sku.objects.count():,} SKUs, "
        f"demand {first} .. {last}"
    )
    connection.close()
    return Accounts(planners=planners, suppliers=names, token=token, database=database)


# ---- server ---------------------------------------------------------------------------------


def warm(port: int, workers: int) -> None:
    """Every worker imports and renders every page once before the measurement."""
    cookie = login(port, f"{PLANNER_PREFIX}001", PASSWORD, timeout=60)
    for _ in range(workers * 2):
        for path in WARM_PAGES:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", path, headers={"Cookie": cookie})
            conn.getresponse().read()
            conn.close()


class CpuSampler(threading.Thread):
    """Samples /proc/stat every second: how busy the machine was in a window of the run."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, int, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
                idle = fields[3] + fields[4]
                self.samples.append((time.time(), sum(fields), idle))
            except (OSError, ValueError, IndexError):
                return
            self.stop.wait(1)

    def busy(self, start: float, end: float) -> float | None:
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return None
        total = inside[-1][1] - inside[0][1]
        idle = inside[-1][2] - inside[0][2]
        return 1 - idle / total if total else None


# ---- report ---------------------------------------------------------------------------------


@dataclass
class Request:
    start: float
    name: str
    ms: float
    status: int
    ok: bool


def read_requests(path: Path) -> list[Request]:
    with path.open() as source:
        return [
            Request(float(r["start"]), r["name"], float(r["ms"]), int(r["status"]), r["ok"] == "1")
            for r in csv.DictReader(source)
        ]


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def goal_ms(name: str) -> int:
    return FRAGMENT_GOAL_MS if name.startswith("fragment:") else PAGE_GOAL_MS


def table(requests: list[Request], seconds: float, title: str) -> list[str]:
    """Prints the table; returns the names over their p95 goal."""
    print(f"\n{title}\n")
    print("| request | requests | failures | RPS | p50 ms | p95 ms | p99 ms | p95 goal |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    over = []
    for name in sorted({r.name for r in requests}):
        mine = [r for r in requests if r.name == name]
        times = [r.ms for r in mine]
        failures = sum(not r.ok for r in mine)
        p95 = percentile(times, 0.95)
        goal = goal_ms(name)
        verdict = "pass" if p95 < goal else "**FAIL**"
        if p95 >= goal:
            over.append(name)
        print(
            f"| {name} | {len(mine):,} | {failures:,} | {len(mine) / seconds:.2f} | "
            f"{percentile(times, 0.5):.0f} | {p95:.0f} | {percentile(times, 0.99):.0f} | "
            f"< {goal} ms: {verdict} |"
        )
    times = [r.ms for r in requests]
    failures = sum(not r.ok for r in requests)
    rps = len(requests) / seconds
    print(
        f"| **total** | **{len(requests):,}** | **{failures:,}** | **{rps:.2f}** "
        f"| {percentile(times, 0.5):.0f} | {percentile(times, 0.95):.0f} | "
        f"{percentile(times, 0.99):.0f} | |"
    )
    rate = failures / len(requests) if requests else 0
    print(f"\nError rate: {rate:.2%} ({failures:,} of {len(requests):,} requests)")
    return over


def failure_summary(requests: list[Request]) -> None:
    failed = [r for r in requests if not r.ok]
    if not failed:
        return
    counts: dict[tuple[str, int], int] = {}
    for r in failed:
        counts[r.name, r.status] = counts.get((r.name, r.status), 0) + 1
    print("\nFailures by request and HTTP status (0: no response):")
    for (name, status), n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {n:>6,}  {status}  {name}")


def server_errors(log: Path) -> None:
    text = log.read_text(errors="replace") if log.exists() else ""
    tracebacks = text.count("Traceback (most recent call last)")
    print(f"\ngunicorn log ({log}): {tracebacks} tracebacks")
    if tracebacks:
        start = text.index("Traceback (most recent call last)")
        print(text[max(0, text.rfind("\n", 0, start - 300)) : start + 4000])


def locust_totals(log: Path) -> str:
    """The totals of locust's own final summary, as a cross-check of requests.csv."""
    text = log.read_text(errors="replace") if log.exists() else ""
    totals = re.findall(r"Aggregated\s+(\d+)\s+(\d+)\(", text)
    if not totals:
        return "unavailable"
    count, failures = totals[-1]
    return f"{int(count):,} requests, {int(failures):,} failures"


def drained_after(requests: list[Request], moment: float) -> float:
    """The first instant at or after `moment` with no request in flight: the backlog that the
    sign-in burst left in gunicorn's queue has been served by then."""
    covered = moment
    for request in sorted(requests, key=lambda r: r.start):
        if request.start > covered:
            break
        covered = max(covered, request.start + request.ms / 1000)
    return covered


# ---- main -----------------------------------------------------------------------------------


def gunicorn_command(port: int, workers: int, threads: int) -> list[str]:
    worker_class = ["--worker-class=sync"]
    if threads > 1:
        worker_class = ["--worker-class=gthread", f"--threads={threads}"]
    return [
        str(ROOT / ".venv/bin/gunicorn"),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        *worker_class,
        "--log-level=warning",
        "--timeout=120",
    ]


def server_env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get(
            "SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789"
        ),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }


def locust_command(args: argparse.Namespace, port: int, out: Path) -> list[str]:
    return [
        str(LOCUST),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        str(args.users),
        "-r",
        f"{args.spawn_rate:g}",
        "-t",
        f"{args.seconds}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(out / "locust"),
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]


@dataclass
class Run:
    started: float
    ended: float
    cpu: CpuSampler


def run(args: argparse.Namespace, accounts: Accounts, out: Path) -> Run:
    """Starts gunicorn, warms it, runs locust against it, stops gunicorn."""
    port = free_port()
    command = gunicorn_command(port, args.workers, args.threads)
    client = locust_command(args, port, out)
    print(f"Server: gunicorn {' '.join(command[2:])} (DEBUG=0, CONN_MAX_AGE 600)")
    print(f"Client: {' '.join(client[1:]).replace(str(ROOT) + '/', '')}")
    locust_env = {
        **os.environ,
        "PHARMA_LOAD_PLANNERS": f"{PLANNER_PREFIX}:{accounts.planners}",
        "PHARMA_LOAD_SUPPLIERS": ",".join(accounts.suppliers),
        "PHARMA_LOAD_PASSWORD": PASSWORD,
        "PHARMA_LOAD_API_TOKEN": accounts.token,
        "PHARMA_LOAD_REQUEST_LOG": str(out / "requests.csv"),
    }
    sampler = CpuSampler()
    with (out / "gunicorn.log").open("w") as server_output:
        server = subprocess.Popen(  # noqa: S603 - our own argv
            command,
            cwd=ROOT,
            env=server_env(),
            stdout=server_output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(port)
            warm(port, args.workers)
            sampler.start()
            started = time.time()
            with (out / "locust.log").open("w") as locust_output:
                subprocess.run(  # noqa: S603 - our own argv
                    client,
                    cwd=ROOT,
                    env=locust_env,
                    stdout=locust_output,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
            ended = time.time()
        finally:
            sampler.stop.set()
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    return Run(started=started, ended=ended, cpu=sampler)


def report(args: argparse.Namespace, out: Path, done: Run) -> None:
    request_log = out / "requests.csv"
    if not request_log.exists():
        raise SystemExit(f"locust wrote no request log; see {out / 'locust.log'}")
    requests = read_requests(request_log)
    if not requests:
        raise SystemExit(f"no request was made; see {out / 'locust.log'}")
    run_start = min(r.start for r in requests)
    logins = [r for r in requests if r.name.startswith("login: POST")]
    last_login = max((r.start + r.ms / 1000 for r in logins), default=run_start)
    steady_from = drained_after(requests, last_login)
    steady = [r for r in requests if r.start >= steady_from]
    steady_seconds = done.ended - steady_from

    print(f"\nOutput: {out} (locust CSV files, requests.csv, locust.log, gunicorn.log)")
    if logins:
        login_ms = [r.ms for r in logins]
        print(
            f"Sign-ins: {sum(r.ok for r in logins):,} of {len(logins):,} sessions signed in "
            f"through the form; the last finished {last_login - run_start:.1f} s after the "
            f"first request (POST p50 {percentile(login_ms, 0.5):.0f} ms, "
            f"p95 {percentile(login_ms, 0.95):.0f} ms, max {max(login_ms):.0f} ms)"
        )
    print(
        f"Steady state: from {steady_from - run_start:.1f} s, the first moment after the last "
        "sign-in with no request in flight (the queue the sign-in burst built has drained)"
    )
    busy = [
        (label, done.cpu.busy(start, done.ended))
        for label, start in (("steady state", steady_from), ("whole run", done.started))
    ]
    busy_text = ", ".join(f"{label} {value:.0%}" for label, value in busy if value is not None)
    print(f"Machine CPU busy (gunicorn, PostgreSQL and locust together): {busy_text or '?'}")

    over_steady = table(
        steady,
        steady_seconds,
        f"Steady state: {steady_seconds:.0f} s (from +{steady_from - run_start:.0f} s to the end "
        f"of the run), {args.users} sessions",
    )
    over_whole = table(
        requests,
        done.ended - run_start,
        f"Whole run: {done.ended - run_start:.0f} s, ramp and sign-ins included",
    )
    failure_summary(requests)
    print(f"\nlocust's own final summary (whole run): {locust_totals(out / 'locust.log')}")
    server_errors(out / "gunicorn.log")

    errors = sum(not r.ok for r in requests)
    print("\nGoals (issue): 0 errors, page p95 under 1 s, htmx fragments p95 under 300 ms")
    print(f"  0 errors over the whole run ({errors:,}): {'PASS' if errors == 0 else 'FAIL'}")
    print(
        "  every page, API call and fragment under its p95 goal in the steady state: "
        + ("PASS" if not over_steady else f"FAIL ({', '.join(over_steady)})")
    )
    print(
        "  the same over the whole run, sign-in ramp included (for information): "
        + ("pass" if not over_whole else f"fail ({len(over_whole)} request names over)")
    )
    if steady_seconds < 60:
        print(f"  Note: the steady state lasted only {steady_seconds:.0f} s: run longer.")
    verdict = "PASS" if errors == 0 and not over_steady else "FAIL"
    print(f"Verdict: {verdict} ({args.users} sessions on {os.cpu_count()} cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--spawn-rate", type=float, default=25)
    parser.add_argument("--seconds", type=int, default=300, help="whole run, ramp included")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers (2 cores: 5)")
    parser.add_argument("--threads", type=int, default=1, help="above 1: gthread workers")
    parser.add_argument("--out", type=Path, default=None, help="where the run's files go")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to the PostgreSQL bench database.")
    if not LOCUST.exists():
        raise SystemExit(
            "No locust in .venv-bench: python3.11 -m venv .venv-bench && "
            ".venv-bench/bin/pip install -r requirements-bench.txt"
        )
    out = args.out or Path(tempfile.mkdtemp(prefix="pharmastock-load-"))
    out.mkdir(parents=True, exist_ok=True)

    print(f"Machine: {machine()}")
    accounts = setup_accounts(args.users)
    print(f"Database: {accounts.database}")
    version = subprocess.run(  # noqa: S603 - our own argv
        [str(LOCUST), "--version"], capture_output=True, text=True, check=True
    ).stdout.split()[1]
    print(
        f"Load: locust {version} headless, {args.users} users ({WEIGHTS}), "
        f"spawn {args.spawn_rate:g}/s, {args.seconds} s, think time 20-40 s; "
        f"{len(accounts.suppliers)} supplier accounts"
    )
    done = run(args, accounts, out)
    report(args, out, done)


if __name__ == "__main__":
    main()
