"""The world simulator on a 1,000-SKU x 10-site world on PostgreSQL: seconds per simulated
day, by step (suppliers, receiving, quality, transfers, demand, night, planner), and the total.
The target: 365 days in under 10 minutes on the 2-core bench machine.

The world is built as the demo's set-up builds it (generate_demo_data, refresh_lead_times,
run_forecast, run_plan), or reused as it is with --reuse (a reused world goes on from the day
after its last recorded demand). The days run through the same code as `manage.py
simulate_days` (demo.simulation.runs), Celery in this process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pharmastock_a \
        .venv/bin/python bench/simulate_world.py --days 30

Signatures check the signer's password with the configured hasher (PBKDF2, about 0.3-0.5 s
a check here): the planners and quality sign two or three times a day, which is part of
what the figures measure. With --fast-signatures this process hashes passwords with a fast
hasher (MD5, as the tests do), so the simulation's users, whose passwords are hashed and
checked here only, sign in microseconds; the product keeps PBKDF2. The output says so, counts
the password checks and projects the run at one measured PBKDF2 check each.
"""

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
os.environ.setdefault("DEBUG", "0")  # no query log: it would grow with every simulated day
os.environ["REDIS_URL"] = ""  # Celery in this process
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import check_password, make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from accounts.models import User  # noqa: E402
from demo.services import simulation_run_create  # noqa: E402
from demo.simulation.day import STEPS, DaySummary  # noqa: E402
from demo.simulation.parameters import PlannerMode, SimulationParameters  # noqa: E402
from demo.simulation.runs import first_day, simulation_run_execute  # noqa: E402
from inventory.models import Sku  # noqa: E402

STEP_NAMES = [name for name, _ in STEPS]
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


class PasswordChecks:
    """Counts the password checks of the run (each signature checks one)."""

    def __init__(self) -> None:
        self.count = 0
        self._check = User.check_password

        def counted(user: User, raw_password: str) -> bool:
            self.count += 1
            return self._check(user, raw_password)

        User.check_password = counted  # type: ignore[method-assign]


def configured_check_seconds() -> float:
    """One password check with the configured (product) hasher, best of three."""
    encoded = make_password("a-password-to-time", hasher="default")
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        check_password("a-password-to-time", encoded)
        best = min(best, time.perf_counter() - started)
    return best


def build(args: argparse.Namespace) -> float:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command(
        "generate_demo_data",
        skus=args.skus,
        days=args.history_days,
        sites=args.sites,
        suppliers=args.suppliers,
        seed=args.world_seed,
        today=args.today,
        replace=True,
        verbosity=0,
    )
    for command in ("refresh_lead_times", "run_forecast", "run_plan"):
        call_command(command, verbosity=0)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--skus", type=int, default=1000)
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--suppliers", type=int, default=8)
    parser.add_argument("--history-days", type=int, default=730)
    parser.add_argument("--world-seed", type=int, default=42)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 1, 5))
    parser.add_argument("--seed", type=int, default=1, help="The simulation's seed.")
    parser.add_argument("--planner", choices=[m.value for m in PlannerMode], default="all")
    parser.add_argument("--forecast-every", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="Simulate on the world as it is.")
    parser.add_argument(
        "--fast-signatures",
        action="store_true",
        help="Hash the simulation users' passwords with a fast hasher (bench only).",
    )
    args = parser.parse_args()
    configured_hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1]
    check_seconds = configured_check_seconds()
    if args.fast_signatures:
        override_settings(PASSWORD_HASHERS=[FAST_HASHER, *settings.PASSWORD_HASHERS]).enable()
        print(
            f"FAST SIGNATURES: the simulation's users sign with {FAST_HASHER.rsplit('.', 1)[-1]}"
            f" (bench only); the product checks with {configured_hasher}, "
            f"{check_seconds:.3f} s a check here."
        )
    else:
        print(f"Signatures: {configured_hasher} as configured, {check_seconds:.3f} s a check here.")
    checks = PasswordChecks()
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database.")
    logging.getLogger("celery").setLevel(logging.WARNING)
    if args.reuse and Sku.objects.exists():
        print("Reusing the world in the database.")
    else:
        print(f"Built the world in {build(args):.0f} s.")
    params = SimulationParameters(
        seed=args.seed,
        planner=PlannerMode(args.planner),
        forecast_every_days=args.forecast_every,
    )
    run = simulation_run_create(
        actor=None,
        days=args.days,
        seed=params.seed,
        start_day=first_day(None),
        parameters=params.as_dict(),
    )
    print(
        f"{platform.node()}: {Sku.objects.count():,} SKUs, {args.days} days from "
        f"{run.start_day}, {os.cpu_count()} cores"
    )
    print(f"{'date':<10} " + " ".join(f"{name:>9}" for name in STEP_NAMES) + f" {'total':>7}")

    def on_day(day: DaySummary) -> None:
        print(
            f"{day.day:<10} "
            + " ".join(f"{day.seconds[name]:>9.2f}" for name in STEP_NAMES)
            + f" {sum(day.seconds.values()):>7.2f}"
            + (" forecast" if day.forecast else ""),
            flush=True,
        )

    started = time.perf_counter()
    run = simulation_run_execute(run_id=run.pk, on_day=on_day)
    elapsed = time.perf_counter() - started
    days = run.days
    print(
        "mean s/day "
        + " ".join(
            f"{name} {sum(d['seconds'][name] for d in days) / len(days):.2f}" for name in STEP_NAMES
        )
    )
    asked, served = sum(d["asked"] for d in days), sum(d["served"] for d in days)
    print(
        f"{len(days)} days in {elapsed:.0f} s ({elapsed / len(days):.2f} s/day; 365 days at "
        f"this pace: {elapsed / len(days) * 365 / 60:.1f} min). Fill rate "
        f"{served / max(asked, 1):.1%}. Checksum {run.checksum}"
    )
    per_day = checks.count / len(days)
    line = f"Password checks: {checks.count} ({per_day:.1f} a day)"
    if args.fast_signatures:
        projected = elapsed + checks.count * check_seconds
        line += (
            f"; with {configured_hasher} ({check_seconds:.3f} s each) the run would take about "
            f"{projected:.0f} s ({projected / len(days):.2f} s/day, 365 days: "
            f"{projected / len(days) * 365 / 60:.1f} min)"
        )
    else:
        line += (
            f", about {checks.count * check_seconds:.0f} s of the run at {check_seconds:.3f} s each"
        )
    print(line + ".")


if __name__ == "__main__":
    main()
