"""Load time of the demo-data generator at 10,000 SKUs x 730 days (7.3 M demand rows) on
PostgreSQL. The requirement: under 3 minutes on a 2-core machine.

Creates the database if it is missing, migrates it, then runs
`manage.py generate_demo_data ... --replace -v 2` in a subprocess and times it as a user
would see it (Django start-up, generation, load, foreign-key checks, stock positions and
commit). Prints the command's own phase timings, the rows per table (counted in the database
afterwards), DailyDemand rows per second, and the network the command reports: SKU-sites with
demand and stocked upstream, and the history's fill rate, inventory turnover and expiry over
its last year.

    .venv/bin/python bench/generate_demo_data.py \
        --database-url postgres://postgres@127.0.0.1:5432/pharmastock_bench

--replace deletes every SKU, site, lot, movement, supplier and purchase order of that database,
so the script refuses the databases CI and the test suite use (pharmastock, test_pharmastock).
bench/page_timings.py reads the data this leaves behind.
"""

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pharmastock_bench"
PROTECTED = {"pharmastock", "test_pharmastock"}


def ensure_database(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit(f"Needs a PostgreSQL DATABASE_URL, not {parts.scheme}://")
    name = parts.path.lstrip("/")
    if not name or name in PROTECTED:
        sys.exit(f"Refusing database '{name}': use a database of its own (pharmastock_bench).")
    maintenance = (
        parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    )
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}")
        return conn.execute("SHOW server_version").fetchone()[0]


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this Python running this repository's manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def row_counts(url: str) -> dict[str, int]:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from demo.generator import demo_models

    return {model._meta.label: model.objects.count() for model in demo_models()}


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = names[0] if names else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo.read_text()).group(1))
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--sites", type=int, default=12)
    parser.add_argument("--suppliers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--today", help="YYYY-MM-DD; default: the run date")
    parser.add_argument("--fk-checks", choices=["auto", "rows", "set"], default="auto")
    parser.add_argument("--repeat", type=int, default=1, help="Runs (each replaces the data).")
    args = parser.parse_args()

    version = ensure_database(args.database_url)
    env = {**os.environ, "DATABASE_URL": args.database_url}
    migrated = manage("migrate", "--noinput", "-v", "0", env=env)
    if migrated.returncode:
        sys.exit(migrated.stderr)

    command = [
        "generate_demo_data",
        f"--skus={args.skus}",
        f"--days={args.days}",
        f"--sites={args.sites}",
        f"--suppliers={args.suppliers}",
        f"--seed={args.seed}",
        f"--fk-checks={args.fk_checks}",
        "--replace",
        "-v",
        "2",
    ]
    if args.today:
        command.append(f"--today={args.today}")
    print(f"Machine: {machine()}; PostgreSQL {version}")
    print(
        f"Command: DATABASE_URL={args.database_url} .venv/bin/python manage.py {' '.join(command)}"
    )
    walls, copies, figures = [], [], []
    for run in range(1, args.repeat + 1):
        started = time.perf_counter()
        result = manage(*command, env=env)
        walls.append(time.perf_counter() - started)
        if result.returncode:
            sys.exit(result.stdout + result.stderr)
        print(f"\n--- run {run}: {walls[-1]:.1f} s wall clock\n{result.stdout.rstrip()}")
        copy = re.search(r"load inventory\.DailyDemand\s+([\d.]+) s", result.stdout)
        if copy:
            copies.append(float(copy.group(1)))
        figures = [
            line.strip()
            for line in result.stdout.splitlines()
            if line.strip().startswith(("SKU-sites:", "Last "))
        ]

    counts = row_counts(args.database_url)
    demand = counts["inventory.DailyDemand"]
    wall = statistics.median(walls)
    print("\nRows per table:")
    for label, rows in counts.items():
        print(f"  {label:<32} {rows:>12,}")
    print(
        f"\nLoad time (median of {len(walls)}): {wall:.1f} s wall clock "
        f"({'pass' if wall < 180 else 'FAIL'}: the budget is 180 s); runs: "
        + ", ".join(f"{w:.1f} s" for w in walls)
    )
    print(f"DailyDemand: {demand / wall:,.0f} rows/s over the whole command", end="")
    if copies:
        print(f", {demand / statistics.median(copies):,.0f} rows/s for its COPY alone")
    else:
        print()
    for line in figures:
        print(line)


if __name__ == "__main__":
    main()
