"""The columns of a list page's table, declared once beside the page's view.

templates/components/table.html draws the head from them and sizes the empty-state row to
their number, so a page that adds a column changes one declaration and its row template."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """A column head. `sort` is the filter form's sort key when the page can sort by the
    column: the head then links to that order (components/sort_header.html). `align` is the
    Bootstrap text alignment of the head ("end" over figures, whose cells align the same)."""

    label: str
    sort: str = ""
    align: str = ""
