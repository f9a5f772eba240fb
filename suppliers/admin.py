from django.contrib import admin

from accounts.admin import AuditedModelAdmin, ImportLinkMixin, ReadOnlyAdmin

from .models import PurchaseOrder, PurchaseOrderLine, Receipt, Supplier, SupplierItem


@admin.register(Supplier)
class SupplierAdmin(ImportLinkMixin, AuditedModelAdmin):
    import_kind = "suppliers"
    list_display = ["code", "name", "contact_name", "email", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]


@admin.register(SupplierItem)
class SupplierItemAdmin(ImportLinkMixin, AuditedModelAdmin):
    import_kind = "supplier_items"
    list_display = [
        "supplier",
        "sku",
        "lead_time_mean_days",
        "lead_time_std_days",
        "moq",
        "order_multiple",
        "unit_price",
        "is_primary",
    ]
    list_filter = ["supplier", "is_primary"]
    search_fields = ["sku__code", "sku__name", "supplier__code"]
    autocomplete_fields = ["supplier", "sku"]
    list_select_related = ["supplier", "sku"]


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    fields = [
        "sku",
        "quantity",
        "unit_price",
        "requested_date",
        "confirmed_date",
        "received_quantity",
    ]
    readonly_fields = ["received_quantity"]
    autocomplete_fields = ["sku"]
    extra = 0


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(AuditedModelAdmin):
    list_display = ["number", "supplier", "destination", "status", "ordered_on", "expected_on"]
    list_filter = ["status", "supplier"]
    search_fields = ["number", "supplier__code", "supplier__name"]
    date_hierarchy = "created_at"
    list_select_related = ["supplier", "destination"]
    autocomplete_fields = ["supplier", "destination"]
    inlines = [PurchaseOrderLineInline]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["received_on", "line", "lot_number", "quantity_received", "quantity_accepted"]
    search_fields = ["lot_number", "line__purchase_order__number", "line__sku__code"]
    date_hierarchy = "received_on"
    list_select_related = ["line__purchase_order", "line__sku"]
