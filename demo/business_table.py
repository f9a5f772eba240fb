"""The business case's table: measure, textbook, optimized and change, in total and per ABC
class, from the two arms' stored measures (reporting.selectors.business
BusinessMeasures.as_dict). Pure: no Django, no database, so the command, the page and the
tests read the same rows from the same stored figures.

- Rates (fill rate pooled and by value, stock-out rate) change in percentage points
  (optimized - textbook, x 100); the other measures change relative to the textbook figure,
  in per cent (none when the textbook figure is zero).
- Inventory figures (turnover, average inventory value, carrying cost) compare two policies
  only at equal service: each section states the fill rates the two arms achieved, and says
  plainly when they differ by more than UNEQUAL_SERVICE_POINTS, in which case less stock may
  be bought with worse service and is no saving by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UNEQUAL_SERVICE_POINTS = 0.5  # percentage points of pooled fill rate
TOTAL = "total"
UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class Measure:
    key: str  # the field of MeasureTotals.as_dict
    label: str
    kind: str  # "rate", "ratio", "money" or "count"
    higher_is_better: bool
    inventory: bool = False  # a stock figure: comparable at equal service only


MEASURES: tuple[Measure, ...] = (
    Measure("fill_rate", "Fill rate (units)", "rate", higher_is_better=True),
    Measure("value_fill_rate", "Fill rate (value)", "rate", higher_is_better=True),
    Measure("stockout_rate", "Stock-out rate (SKU-site-days)", "rate", higher_is_better=False),
    Measure(
        "turnover", "Inventory turnover (per year)", "ratio", higher_is_better=True, inventory=True
    ),
    Measure(
        "average_inventory_value",
        "Average inventory value",
        "money",
        higher_is_better=False,
        inventory=True,
    ),
    Measure(
        "carrying_cost", "Carrying cost (period)", "money", higher_is_better=False, inventory=True
    ),
    Measure("emergency_orders", "Emergency orders", "count", higher_is_better=False),
    Measure("expired_value", "Expired value", "money", higher_is_better=False),
)


@dataclass(frozen=True)
class Row:
    measure: Measure
    textbook: float | None
    optimized: float | None
    change: float | None  # points for rates, per cent otherwise; None when not defined

    @property
    def label(self) -> str:
        return self.measure.label

    @property
    def change_unit(self) -> str:
        return "pt" if self.measure.kind == "rate" else "%"

    @property
    def better(self) -> bool | None:
        """True when the optimized figure is the better one, False when worse, None when
        equal or not comparable."""
        if self.textbook is None or self.optimized is None or self.textbook == self.optimized:
            return None
        return (self.optimized > self.textbook) == self.measure.higher_is_better

    @property
    def textbook_text(self) -> str:
        return format_value(self.measure.kind, self.textbook)

    @property
    def optimized_text(self) -> str:
        return format_value(self.measure.kind, self.optimized)

    @property
    def change_text(self) -> str:
        if self.change is None:
            return "-"
        return f"{self.change:+.1f} {self.change_unit}"


@dataclass(frozen=True)
class Section:
    """The rows of one group: all SKU-sites (TOTAL) or one ABC class."""

    name: str
    rows: list[Row]
    textbook_fill: float | None
    optimized_fill: float | None

    @property
    def fill_gap_points(self) -> float | None:
        if self.textbook_fill is None or self.optimized_fill is None:
            return None
        return (self.optimized_fill - self.textbook_fill) * 100

    @property
    def equal_service(self) -> bool:
        """Whether the two fill rates are within UNEQUAL_SERVICE_POINTS of each other."""
        gap = self.fill_gap_points
        return gap is not None and abs(gap) <= UNEQUAL_SERVICE_POINTS

    @property
    def service_note(self) -> str:
        """The achieved fill rates, stated beside the stock figures."""
        textbook = format_value("rate", self.textbook_fill)
        optimized = format_value("rate", self.optimized_fill)
        gap = self.fill_gap_points
        if gap is None:
            return f"Fill rate textbook {textbook}, optimized {optimized}."
        if self.equal_service:
            return (
                f"Stock figures at fill rate {textbook} (textbook) and {optimized} (optimized), "
                f"within {UNEQUAL_SERVICE_POINTS} points: about equal service."
            )
        return (
            f"Not at equal service: fill rate {textbook} (textbook) against {optimized} "
            f"(optimized), {gap:+.1f} points. The stock figures compare different service "
            "levels; less stock at lower service is no saving."
        )


@dataclass(frozen=True)
class BusinessTable:
    sections: list[Section]

    @property
    def total(self) -> Section:
        return self.sections[0]

    def section(self, name: str) -> Section:
        return next(section for section in self.sections if section.name == name)


def format_value(kind: str, value: float | None) -> str:
    if value is None:
        return "-"
    if kind == "rate":
        return f"{value:.2%}"
    if kind == "ratio":
        return f"{value:.2f}"
    return f"{value:,.0f}"  # money in whole units, counts


def change_of(measure: Measure, textbook: float | None, optimized: float | None) -> float | None:
    """Optimized against textbook: points for a rate, per cent of the textbook figure for
    the others (None when either is missing or the textbook figure is zero)."""
    if textbook is None or optimized is None:
        return None
    if measure.kind == "rate":
        return (optimized - textbook) * 100
    if textbook == 0:
        return None
    return (optimized - textbook) / abs(textbook) * 100


def _section(name: str, textbook: dict[str, Any], optimized: dict[str, Any]) -> Section:
    rows = []
    for measure in MEASURES:
        before, after = textbook.get(measure.key), optimized.get(measure.key)
        rows.append(Row(measure, before, after, change_of(measure, before, after)))
    return Section(
        name=name,
        rows=rows,
        textbook_fill=textbook.get("fill_rate"),
        optimized_fill=optimized.get("fill_rate"),
    )


def business_table(textbook: dict[str, Any], optimized: dict[str, Any]) -> BusinessTable:
    """The table from the two arms' measures (BusinessMeasures.as_dict: "total" and "by_abc"):
    the total first, then every ABC class either arm has, A to C, unclassified last."""
    sections = [_section(TOTAL, textbook["total"], optimized["total"])]
    classes = set(textbook.get("by_abc", {})) | set(optimized.get("by_abc", {}))
    for abc in sorted(classes, key=lambda label: (label == "", label)):
        sections.append(
            _section(
                abc or UNCLASSIFIED,
                textbook.get("by_abc", {}).get(abc, {}),
                optimized.get("by_abc", {}).get(abc, {}),
            )
        )
    return BusinessTable(sections=sections)


def weekly_series(measures: dict[str, Any], key: str) -> list[float | None]:
    """One measure per week of an arm's stored weekly series ("weekly")."""
    return [week.get(key) for week in measures.get("weekly", [])]


def table_lines(table: BusinessTable) -> list[str]:
    """The table as text: one block per section, the achieved fill rates under each."""
    width = max(len(measure.label) for measure in MEASURES) + 2
    lines = [f"{'measure':<{width}} {'textbook':>14} {'optimized':>14} {'change':>10}"]
    for section in table.sections:
        title = "All SKU-sites" if section.name == TOTAL else f"ABC class {section.name}"
        lines.append(title)
        for row in section.rows:
            lines.append(
                f"  {row.label:<{width - 2}} {row.textbook_text:>14} {row.optimized_text:>14} "
                f"{row.change_text:>10}"
            )
        lines.append(f"  {section.service_note}")
    return lines
