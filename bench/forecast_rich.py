"""Cost and backtest wins of the per-series rich models on demo-like demand.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/forecast_rich.py --series 20 --days 730

Generates the demo demand (demo.generator.demand_matrix, seed 42, today 2026-11-24) and
uses the engine's backtest settings (4 origins 7 days apart, 28-day horizon; 90-day forecast).

1. Per rich method (statsmodels_ets, sarimax, prophet with default options), the seconds per
   series of what the pipeline does for a series it may win: a backtest of 4 origins plus
   the final fit on the full history, timed one series at a time on every series.
2. Head to head, per series whose pattern lets rich methods compete (smooth or erratic): each
   rich method's backtest MASE against the best vectorised candidate's; a win is a strictly
   lower MASE.
3. The pipeline itself with all rich methods on every series (pipeline.run with rich_methods,
   rich_rows all True): the champions and the time taken.
4. A hold-out check of 3. (the lowest of more backtest scores is an optimistic estimate):
   the last 28 days are held out, the pipeline runs on the days before with and without rich
   methods, and the champions' MASE on the held-out days is compared on the series where
   rich methods may compete.

OpenBLAS threads: the statsmodels fits spend their time in small linear-algebra calls, which
several BLAS threads only slow down (4-10x on a loaded two-core machine); the header prints
the setting used.
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
from forecasting.engine.backtest import (  # noqa: E402
    BacktestConfig,
    Method,
    backtest,
    select_champions,
)
from forecasting.engine.methods import METHODS  # noqa: E402
from forecasting.engine.patterns import classify  # noqa: E402
from forecasting.engine.pipeline import (  # noqa: E402
    CONTINUOUS_METHODS,
    INTERMITTENT_METHODS,
    RICH_PATTERNS,
    EngineConfig,
    run,
)
from forecasting.engine.rich import rich_methods  # noqa: E402

HOLD_OUT = 28


def table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for line in [header, ["-" * width for width in widths], *rows]:
        print("  ".join(str(cell).rjust(width) for cell, width in zip(line, widths, strict=True)))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=20)
    parser.add_argument("--days", type=int, default=730)
    args = parser.parse_args()

    demo = DemoConfig(skus=args.series, days=args.days, seed=42, today=date(2026, 11, 24))
    y = demand_matrix(demo).astype(np.float64)
    config = EngineConfig(horizon=90, backtest=BacktestConfig(origins=4, step=7, horizon=28))
    rich = rich_methods(demo.start)
    patterns = classify(y).pattern
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    print(
        f"{y.shape[0]} series x {y.shape[1]} days from {demo.start}; backtest "
        f"{config.backtest.origins} origins x {config.backtest.horizon} days + final fit of "
        f"{config.horizon} days; OPENBLAS_NUM_THREADS={blas}"
    )
    kinds, counts = np.unique(patterns, return_counts=True)
    print("patterns: " + ", ".join(f"{k} {c}" for k, c in zip(kinds, counts, strict=True)))
    print()

    rich_mase = time_rich_methods(y, config, rich)
    head_to_head(y, config, patterns, rich, rich_mase)
    pipeline_with_rich(y, config, patterns, rich)
    hold_out(y, config, patterns, rich)


def time_rich_methods(
    y: np.ndarray, config: EngineConfig, rich: dict[str, Method]
) -> dict[str, np.ndarray]:
    """Print 1.; return each rich method's backtest MASE per series."""
    seconds = {name: np.empty(len(y)) for name in rich}
    rich_mase = {name: np.empty(len(y)) for name in rich}
    fallbacks = dict.fromkeys(rich, 0)
    for name, method in rich.items():
        for row in range(len(y)):
            series = y[row : row + 1]
            started = time.perf_counter()
            score = backtest(series, {name: method}, config.backtest)[name]
            final = method(series, config.horizon)
            seconds[name][row] = time.perf_counter() - started
            rich_mase[name][row] = score.mase[0]
            fallbacks[name] += int(final.params["fallback"][0])
    print("1. seconds per series (backtest of 4 origins + final fit = 5 fits)")
    table(
        ["method", "mean", "median", "min", "max", "per fit", "final fits fell back"],
        [
            [
                name,
                f"{s.mean():.2f}",
                f"{np.median(s):.2f}",
                f"{s.min():.2f}",
                f"{s.max():.2f}",
                f"{s.mean() / (config.backtest.origins + 1):.2f}",
                f"{fallbacks[name]} / {len(y)}",
            ]
            for name, s in seconds.items()
        ],
    )
    return rich_mase


def head_to_head(
    y: np.ndarray,
    config: EngineConfig,
    patterns: np.ndarray,
    rich: dict[str, Method],
    rich_mase: dict[str, np.ndarray],
) -> None:
    """Print 2.: rich methods against the best vectorised candidate each series may choose."""
    vectorised = backtest(y, METHODS, config.backtest)
    intermittent = np.isin(patterns, ("intermittent", "lumpy"))
    allowed = dict.fromkeys(INTERMITTENT_METHODS, intermittent)
    allowed.update(dict.fromkeys(CONTINUOUS_METHODS, ~intermittent))
    best = select_champions(vectorised, allowed)
    best_mase = np.array([vectorised[name].mase[row] for row, name in enumerate(best)])
    eligible = np.isin(patterns, RICH_PATTERNS)
    print(
        f"2. backtest MASE per series where rich methods may compete ({eligible.sum()} of "
        f"{len(y)}; the others are intermittent or lumpy)"
    )
    rows = []
    for row in np.flatnonzero(eligible):
        cells = [str(row), str(patterns[row]), str(best[row]), f"{best_mase[row]:.3f}"]
        cells += [f"{rich_mase[name][row]:.3f}" for name in rich]
        rows.append(cells)
    table(["row", "pattern", "best vectorised", "MASE", *rich], rows)
    wins = []
    for name in rich:
        beat = eligible & (rich_mase[name] < best_mase)
        ratio = np.nanmean(rich_mase[name][eligible] / best_mase[eligible])
        wins.append([name, f"{beat.sum()} / {eligible.sum()}", f"{ratio:.3f}"])
    table(["method", "beats best vectorised", "mean MASE ratio rich / vectorised"], wins)


def pipeline_with_rich(
    y: np.ndarray, config: EngineConfig, patterns: np.ndarray, rich: dict[str, Method]
) -> None:
    """Print 3.: the pipeline with every rich method on every series."""
    eligible = np.isin(patterns, RICH_PATTERNS)
    started = time.perf_counter()
    result = run(y, config, METHODS, rich_methods=rich, rich_rows=np.ones(len(y), dtype=bool))
    elapsed = time.perf_counter() - started
    plain = run(y, config, METHODS)
    print(f"3. pipeline with rich methods on all series: {elapsed:.1f} s")
    names, counts = np.unique(result.method, return_counts=True)
    table(
        ["champion", "series"],
        [[n, str(c)] for n, c in sorted(zip(names, counts, strict=True), key=lambda x: -x[1])],
    )
    print(
        f"mean champion backtest MASE on those {eligible.sum()} series: "
        f"{result.mase[eligible].mean():.3f} with rich methods, "
        f"{plain.mase[eligible].mean():.3f} without"
    )


def hold_out(
    y: np.ndarray, config: EngineConfig, patterns: np.ndarray, rich: dict[str, Method]
) -> None:
    """Print 4.: held-out MASE of the champions with and without rich methods."""
    train, actual = y[:, :-HOLD_OUT], y[:, -HOLD_OUT:]
    short = EngineConfig(horizon=HOLD_OUT, backtest=config.backtest)
    everywhere = np.ones(len(y), dtype=bool)
    with_rich = run(train, short, METHODS, rich_methods=rich, rich_rows=everywhere)
    without = run(train, short, METHODS)
    scale = naive_scale(train)
    eligible = np.isin(classify(train).pattern, RICH_PATTERNS)
    print(f"4. held-out last {HOLD_OUT} days, {eligible.sum()} series where rich methods compete")
    plain = mase(actual, without.forecast, scale)
    richer = mase(actual, with_rich.forecast, scale)
    rows = [
        [
            str(row),
            str(without.method[row]),
            f"{plain[row]:.3f}",
            str(with_rich.method[row]),
            f"{richer[row]:.3f}",
        ]
        for row in np.flatnonzero(eligible)
    ]
    table(["row", "champion without", "MASE", "champion with rich", "MASE"], rows)
    print(
        f"mean held-out MASE: {richer[eligible].mean():.3f} with rich methods, "
        f"{plain[eligible].mean():.3f} without"
    )


if __name__ == "__main__":
    main()
