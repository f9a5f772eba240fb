"""Speed and accuracy of the vectorised forecasting engine on demo-like demand.

    .venv/bin/python bench/forecast_engine.py --series 10000 --days 730

Generates the demo demand (demo.generator.demand_matrix, seed 42), then:

1. times the full engine (pattern classification, rolling-origin backtest of every method,
   champion per series, refit, 90-day forecast, 80/95 % intervals) on all series, wall clock
   and the process's CPU time (on a shared machine the CPU time is the steadier figure: the
   engine runs on one core), with the load average when it ended;
2. holds out the last 28 days, runs the engine on the days before, and prints the champions'
   mean MASE against the seasonal naive's (same scale) and how many held-out days fall inside
   the 80 % and 95 % intervals.
"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

import numpy as np  # noqa: E402

from demo.generator import DemoConfig, demand_matrix  # noqa: E402
from forecasting.engine.accuracy import mase, naive_scale  # noqa: E402
from forecasting.engine.backtest import BacktestConfig  # noqa: E402
from forecasting.engine.methods import METHODS  # noqa: E402
from forecasting.engine.pipeline import EngineConfig, run  # noqa: E402

HOLD_OUT = 28


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=10000)
    parser.add_argument("--days", type=int, default=730)
    args = parser.parse_args()

    demo = DemoConfig(skus=args.series, days=args.days, seed=42, today=date(2026, 11, 24))
    y = demand_matrix(demo).astype(np.float64)
    config = EngineConfig(horizon=90, backtest=BacktestConfig(origins=4, step=7, horizon=28))
    print(
        f"{y.shape[0]:,} series x {y.shape[1]} days; {len(METHODS)} methods; "
        f"backtest {config.backtest.origins} origins x {config.backtest.horizon} days; "
        f"horizon {config.horizon} days"
    )

    started, cpu_started = time.perf_counter(), time.process_time()
    result = run(y, config, METHODS)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(
        f"full run: {elapsed:.1f} s ({elapsed / y.shape[0] * 1000:.2f} ms per series); "
        f"{cpu:.1f} s of CPU time; load average {os.getloadavg()[0]:.2f} when it ended"
    )
    methods, counts = np.unique(result.method, return_counts=True)
    print(
        "champions: "
        + ", ".join(
            f"{m} {c:,}" for m, c in sorted(zip(methods, counts, strict=True), key=lambda x: -x[1])
        )
    )
    patterns, counts = np.unique(result.pattern, return_counts=True)
    print("patterns: " + ", ".join(f"{p} {c:,}" for p, c in zip(patterns, counts, strict=True)))

    train, actual = y[:, :-HOLD_OUT], y[:, -HOLD_OUT:]
    held = run(train, EngineConfig(horizon=HOLD_OUT, backtest=config.backtest), METHODS)
    scale = naive_scale(train)
    naive = METHODS["seasonal_naive"](train, HOLD_OUT).forecast
    champion_mase = mase(actual, held.forecast, scale)
    naive_mase = mase(actual, naive, scale)
    usable = np.isfinite(champion_mase) & np.isfinite(naive_mase)
    print(f"hold-out {HOLD_OUT} days, {usable.sum():,} series with a defined MASE:")
    champion_mean, naive_mean = champion_mase[usable].mean(), naive_mase[usable].mean()
    print(
        f"  mean MASE champion {champion_mean:.3f} vs seasonal naive {naive_mean:.3f} "
        f"(ratio {champion_mean / naive_mean:.3f})"
    )
    for index, level in enumerate(held.levels):
        inside = (actual >= held.lower[index]) & (actual <= held.upper[index])
        print(f"  {level:.0%} interval holds {inside.mean():.1%} of held-out days")


if __name__ == "__main__":
    main()
