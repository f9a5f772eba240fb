from django.contrib import admin

from accounts.admin import AuditedModelAdmin, ImportLinkMixin, ReadOnlyAdmin
from inventory.models import (
    DailyDemand,
    ImportBatch,
    Lot,
    Site,
    Sku,
    StockMovement,
    StockPosition,
    StorageUnit,
)


@admin.register(Sku)
class SkuAdmin(ImportLinkMixin, AuditedModelAdmin):
    import_kind = "skus"
    list_display = [
        "code",
        "name",
        "category",
        "temperature_zone",
        "shelf_life_days",
        "unit_cost",
        "criticality",
        "controlled_substance",
        "receipt_inspection",
        "direct_delivery",
        "active",
    ]
    list_filter = [
        "category",
        "temperature_zone",
        "criticality",
        "controlled_substance",
        "receipt_inspection",
        "direct_delivery",
        "active",
    ]
    search_fields = ["code", "name"]
    list_per_page = 50


@admin.register(Site)
class SiteAdmin(ImportLinkMixin, AuditedModelAdmin):
    import_kind = "sites"
    list_display = [
        "code",
        "name",
        "echelon",
        "region",
        "replenished_from",
        "transit_days",
        "replenishment",
        "active",
    ]
    list_filter = ["echelon", "replenishment", "region", "active"]
    search_fields = ["code", "name", "region"]
    autocomplete_fields = ["replenished_from"]


@admin.register(StorageUnit)
class StorageUnitAdmin(AuditedModelAdmin):
    """Fridges, freezers and stores that temperature readings name as "<site>/<unit>"."""

    list_display = ["code", "name", "site", "zone", "allowed_minutes_outside", "active"]
    list_filter = ["zone", "active", "site__echelon"]
    search_fields = ["code", "name", "site__code", "site__name"]
    autocomplete_fields = ["site"]
    list_select_related = ["site"]


class MovementInline(admin.TabularInline):
    model = StockMovement
    fields = ["occurred_at", "kind", "quantity", "reference", "reason", "user"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-occurred_at"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    """Lots change only through stock movements and quality decisions (inventory.services.stock)."""

    list_display = ["lot_number", "sku", "site", "expiry_date", "quantity", "status"]
    list_filter = ["status", "site__echelon"]
    search_fields = ["lot_number", "sku__code", "sku__name"]
    date_hierarchy = "expiry_date"
    list_select_related = ["sku", "site"]
    inlines = [MovementInline]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "quantity", "lot", "site", "reference", "user"]
    list_filter = ["kind"]
    search_fields = ["reference", "sku__code", "lot__lot_number"]
    list_select_related = ["lot__sku", "lot__site", "site", "user"]
    show_full_result_count = False


@admin.register(DailyDemand)
class DailyDemandAdmin(ImportLinkMixin, ReadOnlyAdmin):
    import_kind = "demand"
    """Derived demand history (loaded by imports and the demo generator)."""

    list_display = ["date", "sku", "site", "quantity"]
    search_fields = ["sku__code"]
    list_select_related = ["sku", "site"]
    show_full_result_count = False


@admin.register(StockPosition)
class StockPositionAdmin(ReadOnlyAdmin):
    list_display = [
        "sku",
        "site",
        "on_hand",
        "on_order",
        "inventory_position",
        "days_of_cover",
        "status",
        "abc_class",
        "xyz_class",
        "refreshed_at",
    ]
    list_filter = ["status", "abc_class", "xyz_class", "site__echelon"]
    search_fields = ["sku__code", "sku__name", "site__code"]
    list_select_related = ["sku", "site"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """The raw layer: every uploaded file with its row results (read-only)."""

    list_display = [
        "created_at",
        "kind",
        "original_name",
        "status",
        "rows_total",
        "rows_invalid",
        "created_by",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["original_name", "sha256"]
    date_hierarchy = "created_at"
