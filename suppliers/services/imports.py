"""Import kinds of the suppliers app (registered with inventory.services.imports when the app
starts): suppliers, their terms per SKU, and open purchase orders."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from import_export import fields, widgets

from accounts.audit import current_audit_context
from inventory.models import Site, Sku
from inventory.services.imports import (
    CleanedModelResource,
    CodeWidget,
    ImportReport,
    ResourceKind,
    RowError,
    Table,
    register_import_kind,
)
from inventory.services.stock_imports import RowCells
from suppliers.models import (
    OPEN_PO_STATUSES,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Supplier,
    SupplierItem,
)
from suppliers.price_breaks import PriceBreaks
from suppliers.services.purchase_orders import on_order_refresh


class PriceBreaksWidget(widgets.Widget):
    """Price breaks in one cell as `quantity:price` pairs separated by semicolons,
    e.g. `500:9.50; 1000:9.00`; empty for none."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[dict[str, int | str]]:
        if value in (None, ""):
            return []
        return PriceBreaks.parse_cell(str(value)).to_stored()

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return PriceBreaks.from_stored(value).to_cell()


class SupplierResource(CleanedModelResource):
    class Meta(CleanedModelResource.Meta):
        model = Supplier
        import_id_fields = ["code"]
        fields = Supplier.MASTER_FIELDS


class SupplierItemResource(CleanedModelResource):
    supplier = fields.Field(
        attribute="supplier",
        column_name="supplier_code",
        widget=CodeWidget(Supplier),
    )
    sku = fields.Field(attribute="sku", column_name="sku_code", widget=CodeWidget(Sku))
    price_breaks = fields.Field(
        attribute="price_breaks", column_name="price_breaks", widget=PriceBreaksWidget()
    )

    class Meta(CleanedModelResource.Meta):
        model = SupplierItem
        import_id_fields = ["supplier", "sku"]
        fields = SupplierItem.MASTER_FIELDS


def register() -> None:
    register_import_kind(
        ResourceKind(
            "suppliers",
            "Suppliers",
            SupplierResource,
            ("code", "name"),
            ("contact_name", "email", "phone", "active"),
        )
    )
    register_import_kind(
        ResourceKind(
            "supplier_items",
            "Supplier terms per SKU",
            SupplierItemResource,
            ("supplier_code", "sku_code", "lead_time_mean_days", "unit_price"),
            (
                "lead_time_std_days",
                "moq",
                "order_multiple",
                "price_breaks",
                "cost_per_order",
                "is_primary",
            ),
        )
    )
    register_import_kind(OpenPurchaseOrderKind())


# ---- open purchase orders --------------------------------------------------------------------


@dataclass(frozen=True)
class _Masters:
    """The suppliers, sites and SKUs a file names, and which supplier-SKU pairs have terms."""

    skus: dict[str, Sku]
    sites: dict[str, Site]
    suppliers: dict[str, Supplier]
    terms: set[tuple[int, int]]

    @classmethod
    def of(cls, table: Table) -> "_Masters":
        def codes(name: str) -> set[str]:
            position = table.headers.index(name)
            return {row[position].strip() for row in table.rows}

        skus = {s.code: s for s in Sku.objects.filter(code__in=codes("sku_code"))}
        suppliers = {s.code: s for s in Supplier.objects.filter(code__in=codes("supplier_code"))}
        terms = set(
            SupplierItem.objects.filter(
                supplier__in=suppliers.values(), sku__in=skus.values()
            ).values_list("supplier_id", "sku_id")
        )
        sites = {s.code: s for s in Site.objects.filter(code__in=codes("site_code"))}
        return cls(skus=skus, sites=sites, suppliers=suppliers, terms=terms)

    @staticmethod
    def find(cells: RowCells, column: str, found: dict[str, Any], what: str) -> Any:
        code = cells.text(column)
        if code and code not in found:
            cells.error(column, f"No {what} with code '{code}'.")
        return found.get(code)


@dataclass
class _OrderRows:
    """The rows of one order number: its header (from its first row) and its lines."""

    number: str
    first_row: int
    header: dict[str, Any]
    lines: list[tuple[int, Sku, int, int, Decimal]] = field(default_factory=list)


class OpenPurchaseOrderKind:
    """Open purchase orders, one row per line, grouped by order number. Orders come in with
    their status (approved, sent, acknowledged or partially received) and are not signed
    suggestions: their lines show as entered directly. The supplier must have terms for each
    SKU. An order already in the database is left as it is when its lines match the file's
    (SKU, ordered quantity and price); what was received since is not overwritten. On-order of
    every touched SKU-site follows."""

    key = "purchase_orders"
    label = "Open purchase orders"
    columns: tuple[str, ...] = (
        "number",
        "supplier_code",
        "site_code",
        "sku_code",
        "ordered_quantity",
        "unit_price",
        "ordered_on",
        "status",
    )
    optional_columns: tuple[str, ...] = ("received_quantity", "expected_on")
    HEADER_FIELDS = ("supplier_code", "site_code", "ordered_on", "expected_on", "status")

    def run(self, table: Table, *, commit: bool) -> ImportReport:
        report = ImportReport(rows_total=len(table.rows))
        masters = _Masters.of(table)
        orders: dict[str, _OrderRows] = {}
        for number, row in enumerate(table.rows, start=2):
            cells = RowCells(number, row, table.headers)
            self._row(cells, masters, orders)
            report.errors.extend(cells.errors)
        existing = {
            order.number: order
            for order in PurchaseOrder.objects.filter(number__in=orders).prefetch_related(
                "lines__sku"
            )
        }
        new: list[_OrderRows] = []
        for order_number, group in orders.items():
            lines = group.lines
            if lines and all(received >= quantity for _, _, quantity, received, _ in lines):
                report.errors.append(
                    RowError(
                        group.first_row,
                        "received_quantity",
                        f"Every line of order {order_number} is fully received: it is not open; "
                        "leave it out.",
                    )
                )
            elif order_number in existing:
                errors = self._compare(existing[order_number], group)
                report.errors.extend(errors)
                report.rows_unchanged += 0 if errors else len(group.lines)
            else:
                new.append(group)
                report.rows_new += len(group.lines)
        if commit and not report.errors:
            self._write(new)
        return report

    @staticmethod
    def _row(cells: RowCells, masters: "_Masters", orders: dict[str, "_OrderRows"]) -> None:
        """Check one row and add it to its order's group; errors go on `cells`."""
        order_number = cells.text("number")
        if len(order_number) > 40:
            cells.error("number", "At most 40 characters.")
        supplier = masters.find(cells, "supplier_code", masters.suppliers, "supplier")
        site = masters.find(cells, "site_code", masters.sites, "site")
        sku = masters.find(cells, "sku_code", masters.skus, "SKU")
        if supplier and sku and (supplier.pk, sku.pk) not in masters.terms:
            cells.error(
                "sku_code",
                f"Supplier {supplier.code} has no terms for {sku.code}: import its supplier "
                "terms first.",
            )
        quantity = cells.whole("ordered_quantity", minimum=1)
        received = cells.whole("received_quantity", minimum=0, required=False)
        if quantity is not None and received is not None and received > quantity:
            cells.error(
                "received_quantity", f"{received} received is more than the {quantity} ordered."
            )
        price = cells.money("unit_price")
        if price is not None and price >= Decimal("1e10"):
            cells.error("unit_price", "The price is too large.")
        ordered_on = cells.day("ordered_on")
        expected_on = cells.day("expected_on", required=False)
        if ordered_on and expected_on and expected_on < ordered_on:
            cells.error("expected_on", "The expected date is before the order date.")
        status = cells.text("status").lower()
        if status and status not in OPEN_PO_STATUSES:
            cells.error(
                "status",
                f"'{status}' is not an open order status: one of {', '.join(OPEN_PO_STATUSES)}.",
            )
        if cells.errors or not (sku and supplier and site and price is not None):
            return
        header = {
            "supplier_code": supplier.code,
            "site_code": site.code,
            "ordered_on": ordered_on,
            "expected_on": expected_on,
            "status": status,
            "supplier": supplier,
            "site": site,
        }
        group = orders.setdefault(
            order_number, _OrderRows(number=order_number, first_row=cells.number, header=header)
        )
        for name in OpenPurchaseOrderKind.HEADER_FIELDS:
            if group.header[name] != header[name]:
                cells.error(
                    name, f"Differs from row {group.first_row} of the same order {order_number}."
                )
        for line_row, line_sku, *_ in group.lines:
            if line_sku.pk == sku.pk:
                cells.error(
                    "sku_code", f"Order {order_number} has {sku.code} on row {line_row} already."
                )
        if not cells.errors:
            group.lines.append((cells.number, sku, quantity or 0, received or 0, price))

    @staticmethod
    def _compare(order: PurchaseOrder, group: _OrderRows) -> list[RowError]:
        errors: list[RowError] = []
        if (order.supplier_id, order.destination_id) != (
            group.header["supplier"].pk,
            group.header["site"].pk,
        ):
            errors.append(
                RowError(
                    group.first_row,
                    "number",
                    f"Order {order.number} already exists for another supplier or site.",
                )
            )
            return errors
        lines = {line.sku_id: line for line in order.lines.all()}
        for number, sku, quantity, _, price in group.lines:
            line = lines.get(sku.pk)
            if line is None:
                errors.append(
                    RowError(
                        number,
                        "sku_code",
                        f"Order {order.number} already exists without a line for {sku.code}; "
                        "an import does not add lines to an existing order.",
                    )
                )
            elif (line.quantity, line.unit_price) != (quantity, price):
                errors.append(
                    RowError(
                        number,
                        "ordered_quantity",
                        f"Order {order.number} already has {sku.code} x {line.quantity} at "
                        f"{line.unit_price}; change an existing line on the order's page.",
                    )
                )
        return errors

    @staticmethod
    def _write(groups: list[_OrderRows]) -> None:
        actor = current_audit_context().resolve_actor()
        now = timezone.now()
        touched: set[tuple[int, int]] = set()
        for group in groups:
            header, status = group.header, group.header["status"]
            order = PurchaseOrder.objects.create(
                number=group.number,
                supplier=header["supplier"],
                destination=header["site"],
                status=status,
                ordered_on=header["ordered_on"],
                expected_on=header["expected_on"],
                created_by=actor,
                sent_at=None if status == PurchaseOrderStatus.APPROVED else now,
                acknowledged_at=now
                if status
                in (PurchaseOrderStatus.ACKNOWLEDGED, PurchaseOrderStatus.PARTIALLY_RECEIVED)
                else None,
            )
            for _, sku, quantity, received, price in group.lines:
                PurchaseOrderLine.objects.create(
                    purchase_order=order,
                    sku=sku,
                    quantity=quantity,
                    received_quantity=received,
                    unit_price=price,
                    requested_date=header["expected_on"],
                )
                touched.add((sku.pk, header["site"].pk))
        for sku_id, site_id in sorted(touched):
            on_order_refresh(sku_id=sku_id, site_id=site_id)
