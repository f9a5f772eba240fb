"""The closed-loop business case on PostgreSQL: the demo world built from a seed, simulated
with the textbook policy and again, from the same starting ledger, with the optimized one,
both measured over the simulated days (demo.simulation.business_case). Prints the table and
the command that reproduces it.

Sized to finish in about 15-25 minutes on the 2-core bench machine: 150 SKUs x 8 sites, 90
days per policy. Measured there: a world build about 2-4 s and its set-up 8 s; 6.3 s per
simulated day alone on the machine, 10.4 s with the test suite running beside it (25.4 min in
all that time). With a faster simulator, ask for more SKUs or days.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pharmastock_c \\
        .venv/bin/python bench/business_case.py

The case replaces the world's data in that database (twice)."""

import argparse
import logging
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
# The simulator makes its users: demo and benchmark worlds only. Django's query log under
# DEBUG keeps the last 9,000 queries, so it does not grow with the days.
os.environ["DEBUG"] = "1"
os.environ["REDIS_URL"] = ""  # Celery in this process
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skus", type=int, default=150)
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--suppliers", type=int, default=8)
    parser.add_argument("--days-history", type=int, default=730)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--today", default="2026-01-05")
    parser.add_argument("--planner", choices=["all", "limits"], default="all")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database.")
    logging.getLogger("celery").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    command = (
        f"manage.py business_case --skus {args.skus} --sites {args.sites} "
        f"--suppliers {args.suppliers} --days-history {args.days_history} --days {args.days} "
        f"--seed {args.seed} --today {date.fromisoformat(args.today)} --planner {args.planner}"
    )
    print(f"{platform.node()}, {os.cpu_count()} cores, PostgreSQL: {command}", flush=True)
    started = time.perf_counter()
    call_command(*command.split()[1:])
    print(f"Business case computed in {(time.perf_counter() - started) / 60:.1f} min.")
    print(f"Reproduce: DEBUG=1 .venv/bin/python {command}")


if __name__ == "__main__":
    main()
