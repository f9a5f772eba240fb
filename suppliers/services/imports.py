"""Import kinds of the suppliers app (registered with inventory.services.imports when the app
starts)."""

from typing import Any

from import_export import fields, widgets

from inventory.models import Sku
from inventory.services.imports import CleanedModelResource, ResourceKind, register_import_kind
from suppliers.models import Supplier, SupplierItem
from suppliers.price_breaks import PriceBreaks


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
        widget=widgets.ForeignKeyWidget(Supplier, field="code"),
    )
    sku = fields.Field(
        attribute="sku", column_name="sku_code", widget=widgets.ForeignKeyWidget(Sku, field="code")
    )
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
