"""Supplier price breaks as one value object.

A supplier's all-units price schedule is stored as JSON on `SupplierItem.price_breaks` (and
copied onto each `SuggestedOrder`): `[{"min_quantity": 500, "unit_price": "9.50"}, ...]`. The
schedule is read by the API, the import, the plan, approvals, scorecards and the policy
engine; each used to decode the JSON its own way, some in float and some in Decimal. Here it
is parsed once into Decimal tiers, checked by one rule, and handed to the engines as float
arrays only at their boundary.

All-units pricing: an order of quantity q pays, for every unit, the price of the largest
break whose minimum quantity q reaches, or the list price when it reaches none (a break never
raises the price above the list price).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np


class PriceBreaksInvalid(ValueError):
    """A schedule that breaks the rule: whole quantities rising from above zero, prices not
    negative. The message names the break so a person can fix it."""


@dataclass(frozen=True, order=True)
class PriceBreak:
    min_quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class PriceBreaks:
    """A price schedule, tiers in the order they were given (rising once validated)."""

    tiers: tuple[PriceBreak, ...] = ()

    @classmethod
    def from_stored(cls, rows: Iterable[Mapping[str, Any]] | None) -> "PriceBreaks":
        """The schedule as stored, or as the calculator takes it: trusted, not re-validated
        (the stored JSON was validated when written)."""
        return cls(
            tuple(
                PriceBreak(Decimal(str(row["min_quantity"])), Decimal(str(row["unit_price"])))
                for row in rows or []
            )
        )

    @classmethod
    def parse(cls, rows: object) -> "PriceBreaks":
        """A schedule from outside (API body, import cell): a list of
        {"min_quantity": whole number > 0, "unit_price": decimal >= 0}, quantities rising."""
        if not isinstance(rows, list):
            raise PriceBreaksInvalid("A list of price breaks is expected.")
        tiers: list[PriceBreak] = []
        previous = 0
        for index, row in enumerate(rows, start=1):
            try:
                quantity = int(row["min_quantity"])
                price = Decimal(str(row["unit_price"]))
            except (KeyError, TypeError, ValueError, InvalidOperation) as error:
                raise PriceBreaksInvalid(
                    f"Break {index} needs a whole min_quantity and a unit_price."
                ) from error
            if quantity <= previous or price < 0:
                raise PriceBreaksInvalid(
                    f"Break {index}: quantities must rise and prices must not be negative."
                )
            tiers.append(PriceBreak(Decimal(quantity), price))
            previous = quantity
        return cls(tuple(tiers))

    @classmethod
    def parse_cell(cls, text: str) -> "PriceBreaks":
        """A schedule written in one spreadsheet cell as `quantity:price` pairs separated by
        semicolons, e.g. `500:9.50; 1000:9.00`; empty for none."""
        rows = []
        for part in text.split(";"):
            quantity, separator, price = part.strip().partition(":")
            if not separator:
                raise PriceBreaksInvalid(f"'{part.strip()}' is not quantity:price.")
            rows.append({"min_quantity": quantity, "unit_price": price})
        return cls.parse(rows)

    def to_stored(self) -> list[dict[str, int | str]]:
        """The JSON stored on the model: whole quantities, prices as decimal strings."""
        return [
            {"min_quantity": int(tier.min_quantity), "unit_price": str(tier.unit_price)}
            for tier in self.tiers
        ]

    def to_cell(self) -> str:
        return "; ".join(f"{int(tier.min_quantity)}:{tier.unit_price}" for tier in self.tiers)

    def unit_price_at(self, quantity: int | float | Decimal, list_price: Decimal) -> Decimal:
        """The all-units price per unit of an order of `quantity`."""
        reached = [tier for tier in self.tiers if quantity >= tier.min_quantity]
        if not reached:
            return Decimal(list_price)
        return min(Decimal(list_price), max(reached).unit_price)


def engine_arrays(
    schedules: Sequence[PriceBreaks],
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Price breaks as the optimization engine takes them: break quantities and prices of
    shape (n, K) in float, NaN-padded, one row per schedule; (None, None) when no schedule has
    a break."""
    width = max((len(schedule.tiers) for schedule in schedules), default=0)
    if width == 0:
        return None, None
    quantities = np.full((len(schedules), width), np.nan)
    prices = np.full((len(schedules), width), np.nan)
    for row, schedule in enumerate(schedules):
        for column, tier in enumerate(schedule.tiers):
            quantities[row, column] = float(tier.min_quantity)
            prices[row, column] = float(tier.unit_price)
    return quantities, prices
