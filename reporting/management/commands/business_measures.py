"""Print the business measures (reporting.selectors.business) of a range of days: in total and
per ABC class as a table, or everything with the weekly series as JSON (`--json`)."""

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.figures import MeasureTotals
from reporting.selectors.business import MeasureRangeError, business_measures

COLUMNS = (
    ("fill rate", lambda t: _share(t.fill_rate)),
    ("value fill", lambda t: _share(t.value_fill_rate)),
    ("stock-out", lambda t: _share(t.stockout_rate)),
    ("avg inventory", lambda t: f"{t.average_inventory_value:,.2f}"),
    ("turnover", lambda t: "-" if t.turnover is None else f"{t.turnover:.2f}"),
    ("carrying", lambda t: f"{t.carrying_cost:,.2f}"),
    ("expired", lambda t: f"{t.expired_value:,.2f}"),
    ("emergency", lambda t: str(t.emergency_orders)),
)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


class Command(BaseCommand):
    help = "Print the business measures of a range of days (from the ledger and the demand)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
        parser.add_argument(
            "--end", type=date.fromisoformat, required=True, help="YYYY-MM-DD (included)"
        )
        parser.add_argument(
            "--json", action="store_true", help="Everything, with the weekly series, as JSON."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            measures = business_measures(start=options["start"], end=options["end"])
        except MeasureRangeError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(measures.as_dict(), indent=2))
            return
        rows: list[tuple[str, MeasureTotals]] = [
            *((abc or "unclassified", t) for abc, t in sorted(measures.by_abc.items())),
            ("total", measures.total),
        ]
        table = [("class", *(name for name, _ in COLUMNS))]
        table += [(label, *(cell(t) for _, cell in COLUMNS)) for label, t in rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        self.stdout.write(
            f"Business measures {measures.start:%Y-%m-%d} to {measures.end:%Y-%m-%d} "
            f"({measures.total.days} days; carrying cost for the period)"
        )
        for row in table:
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) if i == 0 else cell.rjust(width)
                    for i, (cell, width) in enumerate(zip(row, widths, strict=True))
                )
            )
