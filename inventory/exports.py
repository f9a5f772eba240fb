"""Exports of inventory pages: the shared CSV/XLSX export with formula cells defused. It lives in
common.exports (the bottom layer), so every app, the audit trail too, uses the same one."""

from common.exports import (
    EXPORT_FORMATS,
    FORMULA_PREFIXES,
    XLSX_TYPE,
    escape_cell,
    export_response,
)

__all__ = ["EXPORT_FORMATS", "FORMULA_PREFIXES", "XLSX_TYPE", "escape_cell", "export_response"]
