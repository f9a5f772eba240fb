"""Supplier scorecards for every active supplier over the last 12 months: wall time and
queries per run, and, with --baseline, the same against the scorecards module of an earlier
commit, side by side in one process, with a check that both write the same scorecards.

    DATABASE_URL=sqlite:////tmp/scorecards.sqlite3 DEBUG=1 \\
        .venv/bin/python bench/scorecards.py --setup --repeat 3 --baseline 0b44898~1

--setup migrates and generates the demo data (1,000 SKUs, 730 days, 12 sites, 8 suppliers,
seed 42) when the database has none. The baseline module is read with `git show` and run
from memory; nothing in the tree changes.
"""

import argparse
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ["REDIS_URL"] = ""

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.forms.models import model_to_dict  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from suppliers.models import SupplierScorecard  # noqa: E402
from suppliers.services import scorecards  # noqa: E402

# Where the scorecards module stood: its path since the layout change, then before it.
SCORECARD_PATHS = ("suppliers/services/scorecards.py", "suppliers/scorecards.py")


def baseline_module(revision: str) -> ModuleType:
    for path in SCORECARD_PATHS:
        shown = subprocess.run(  # noqa: S603 - git reading this repository's own history
            ["git", "show", f"{revision}:{path}"],  # noqa: S607
            check=False,  # a path missing at that revision: try the next one
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if shown.returncode == 0:
            break
    else:
        raise SystemExit(f"No scorecards module at {revision}.")
    spec = importlib.util.spec_from_loader("suppliers._scorecards_baseline", loader=None)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    module.__package__ = "suppliers"
    exec(compile(shown.stdout, f"{revision}:{path}", "exec"), module.__dict__)  # noqa: S102
    return module


def written() -> dict:
    return {
        (card.supplier_id, card.month): {
            k: v for k, v in model_to_dict(card).items() if k not in ("id", "computed_at")
        }
        for card in SupplierScorecard.objects.all()
    }


def timed(module: ModuleType, repeat: int) -> tuple[list[float], int, int, dict]:
    seconds, queries, cards = [], 0, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            cards = module.scorecards_compute(months=12)
            seconds.append(time.perf_counter() - started)
        queries = len(captured.captured_queries)
    return seconds, queries, cards, written()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", help="a commit whose scorecards module to compare with")
    args = parser.parse_args()
    if args.setup:
        call_command("migrate", interactive=False, verbosity=0)
        call_command(
            "generate_demo_data",
            if_empty=True,
            skus=1000,
            days=730,
            sites=12,
            suppliers=8,
            seed=42,
            verbosity=0,
        )
    print(f"{platform.node()}: {os.cpu_count()} cores, {connection.vendor}")
    runs = [("current", scorecards)]
    if args.baseline:
        runs.insert(0, (f"baseline {args.baseline}", baseline_module(args.baseline)))
    results = {}
    for name, module in runs:
        seconds, queries, cards, rows = timed(module, args.repeat)
        results[name] = rows
        print(
            f"{name:>24}: {cards} scorecards, {queries} queries, "
            f"median {statistics.median(seconds):.2f} s (runs: "
            + ", ".join(f"{s:.2f}" for s in seconds)
            + ")"
        )
    if len(results) == 2:
        first, second = results.values()
        print(f"same scorecards written: {first == second}")


if __name__ == "__main__":
    main()
