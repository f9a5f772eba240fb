"""Checking a batch of rows whole (an API batch of stock movements or temperature readings):
every problem of every row is collected first, then the batch is refused in one error that
names its rows ({"row", "field", "message"} each), so nothing of it is written."""

from typing import Any

from common.errors import DomainError


class RowProblems:
    """The problems found in a batch, by row number (counted from 1)."""

    def __init__(self, *, shown: int) -> None:
        self.shown = shown  # problems returned at most; the message says when there were more
        self.items: list[dict[str, Any]] = []

    def add(self, row: int, field: str, message: str) -> None:
        self.items.append({"row": row, "field": field, "message": message})

    def refuse(
        self,
        error: type[DomainError],
        *,
        total: int,
        noun: str,
        field: str,
        what: str = "are invalid",
        nothing: str = "Nothing was saved.",
    ) -> None:
        """Raise `error` naming the bad rows, e.g. "3 of 1,000 readings are invalid. Nothing
        was saved."; return when there is no problem."""
        if not self.items:
            return
        bad_rows = len({item["row"] for item in self.items})
        more = "" if len(self.items) <= self.shown else f" (the first {self.shown} shown)"
        raise error(
            f"{bad_rows} of {total} {noun} {what}{more}. {nothing}",
            fields={field: self.items[: self.shown]},
        )
