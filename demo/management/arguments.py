"""Command-line arguments the demo's commands share (generate, simulate, business case)."""

from argparse import ArgumentParser, ArgumentTypeError
from datetime import date

from demo.simulation.parameters import PlannerMode, SimulationParameters

DEFAULTS = SimulationParameters()


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as bad:
        raise ArgumentTypeError(f"expected a date as YYYY-MM-DD, not '{value}'") from bad


def add_planner_arguments(parser: ArgumentParser) -> None:
    """How the simulation's planners decide, and how often the simulated nights refit the
    forecast."""
    parser.add_argument(
        "--planner",
        choices=[mode.value for mode in PlannerMode],
        default=DEFAULTS.planner.value,
        help="all: every due suggestion is ordered the same day; limits: orders above the "
        "first planner's approval limit wait a day for the second planner.",
    )
    parser.add_argument(
        "--forecast-every",
        type=int,
        default=DEFAULTS.forecast_every_days,
        help="Refit the forecast every K simulated days (the other nights reuse it).",
    )
