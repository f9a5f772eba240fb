from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from accounts.admin import (
    AuditedModelAdmin,
    ImportLinkMixin,
    ReadOnlyAdmin,
    ReasonModelForm,
    ReasonRequiredInlineFormSet,
)
from suppliers.models import (
    LineProposal,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Receipt,
    ScorecardWeights,
    ShippingNotice,
    ShippingNoticeLine,
    Supplier,
    SupplierItem,
    SupplierScorecard,
    SupplierUser,
)


class SupplierUserInline(admin.TabularInline):
    """The users who act for this supplier in the portal (each user for one supplier only)."""

    model = SupplierUser
    fields = ["user", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    extra = 0
    verbose_name_plural = "portal users (they need the Supplier role too)"


@admin.register(Supplier)
class SupplierAdmin(ImportLinkMixin, AuditedModelAdmin):
    import_kind = "suppliers"
    list_display = ["code", "name", "contact_name", "email", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    inlines = [SupplierUserInline]
    reason_required_for = ("active",)


@admin.register(SupplierItem)
class SupplierItemAdmin(ImportLinkMixin, AuditedModelAdmin):
    import_kind = "supplier_items"
    list_display = [  # the terms but the price breaks and the order cost, too wide to list
        field
        for field in SupplierItem.MASTER_FIELDS
        if field not in ("price_breaks", "cost_per_order")
    ]
    list_filter = ["supplier", "is_primary"]
    search_fields = ["sku__code", "sku__name", "supplier__code"]
    autocomplete_fields = ["supplier", "sku"]
    list_select_related = ["supplier", "sku"]
    reason_required_for = ("supplier", "unit_price", "moq", "order_multiple", "is_primary")


class PurchaseOrderLineFormSet(ReasonRequiredInlineFormSet):
    reason_required_for = ("sku", "quantity", "unit_price", "requested_date", "confirmed_date")


def _signed(order: PurchaseOrder | None) -> bool:
    """Past draft, an order's lines carry approved, signed terms: they change only on the
    order's page (suppliers.services.amendments), where the change waits for a signed
    re-approval."""
    return order is not None and order.status != PurchaseOrderStatus.DRAFT


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    formset = PurchaseOrderLineFormSet
    fields = [
        "sku",
        "quantity",
        "unit_price",
        "requested_date",
        "confirmed_date",
        "received_quantity",
        "reapproval_required",
    ]
    readonly_fields = ["received_quantity", "reapproval_required"]
    autocomplete_fields = ["sku"]
    extra = 0

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if _signed(obj):
            return [*self.readonly_fields, *PurchaseOrderLine.SIGNED_TERMS]
        return list(self.readonly_fields)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _signed(obj) and super().has_add_permission(request, obj)


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(AuditedModelAdmin):
    list_display = ["number", "supplier", "destination", "status", "ordered_on", "expected_on"]
    list_filter = ["status", "supplier"]
    search_fields = ["number", "supplier__code", "supplier__name"]
    date_hierarchy = "created_at"
    list_select_related = ["supplier", "destination"]
    autocomplete_fields = ["supplier", "destination"]
    inlines = [PurchaseOrderLineInline]
    reason_required_for = ("supplier", "destination", "status", "ordered_on", "expected_on")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if _signed(obj):
            readonly += ["number", "supplier", "destination"]
        return readonly


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["received_on", "line", "lot_number", "quantity_received", "quantity_accepted"]
    search_fields = ["lot_number", "line__purchase_order__number", "line__sku__code"]
    date_hierarchy = "received_on"
    list_select_related = ["line__purchase_order", "line__sku"]


# ---- supplier portal ------------------------------------------------------------------------


@admin.register(SupplierUser)
class SupplierUserAdmin(AuditedModelAdmin):
    """Links a user to the one supplier they act for in the portal. The user also needs the
    Supplier role; without this link, a supplier user sees no orders at all."""

    list_display = ["user", "user_full_name", "supplier", "created_at"]
    list_filter = [("supplier", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "user__full_name", "supplier__code", "supplier__name"]
    autocomplete_fields = ["user", "supplier"]
    list_select_related = ["user", "supplier"]
    ordering = ["supplier__code", "user__username"]
    fields = ["user", "supplier", "created_at"]
    readonly_fields = ["created_at"]

    @admin.display(description="Name", ordering="user__full_name")
    def user_full_name(self, link: SupplierUser) -> str:
        return link.user.get_full_name()


@admin.register(LineProposal)
class LineProposalAdmin(ReadOnlyAdmin):
    list_display = [
        "proposed_at",
        "line",
        "proposed_date",
        "proposed_quantity",
        "status",
        "proposed_by",
        "decided_by",
    ]
    list_filter = ["status"]
    search_fields = ["line__purchase_order__number", "line__sku__code"]
    date_hierarchy = "proposed_at"
    list_select_related = ["line__purchase_order", "line__sku", "proposed_by", "decided_by"]


class ShippingNoticeLineInline(admin.TabularInline):
    model = ShippingNoticeLine
    fields = ["line", "quantity", "lot_number", "expiry_date"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ShippingNotice)
class ShippingNoticeAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "purchase_order",
        "shipped_on",
        "expected_on",
        "carrier",
        "created_by",
    ]
    search_fields = ["number", "purchase_order__number", "tracking", "lines__lot_number"]
    date_hierarchy = "shipped_on"
    list_select_related = ["purchase_order", "created_by"]
    inlines = [ShippingNoticeLineInline]


# ---- scorecards -----------------------------------------------------------------------------

WEIGHT_FIELDS = ["otif", "quality", "lead_time", "price", "acknowledgement"]


class ScorecardWeightsForm(ReasonModelForm):
    class Meta:
        model = ScorecardWeights
        fields = [*WEIGHT_FIELDS, "grade_a_from", "grade_b_from", "grade_c_from"]

    def clean(self) -> dict:
        cleaned = super().clean()
        weights = [cleaned.get(name) for name in WEIGHT_FIELDS]
        if all(weight is not None for weight in weights) and sum(weights) <= 0:
            raise forms.ValidationError("At least one weight must be above zero.")
        return cleaned


@admin.register(ScorecardWeights)
class ScorecardWeightsAdmin(AuditedModelAdmin):
    """The one set of weights and grade bands the scorecards use (the row named "default").
    Edited with a reason, on the audit trail; never added to or deleted. A change counts from
    the next computation of the scorecards."""

    form = ScorecardWeightsForm
    list_display = ["name", *WEIGHT_FIELDS, "grade_a_from", "grade_b_from", "grade_c_from"]
    fieldsets = [
        (
            "Weights",
            {
                "fields": WEIGHT_FIELDS,
                "description": "Relative weights: the score is the weighted mean of the "
                "measures a month has, so they need not add up to one.",
            },
        ),
        ("Grades (score from)", {"fields": ["grade_a_from", "grade_b_from", "grade_c_from"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ScorecardWeights.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SupplierScorecard)
class SupplierScorecardAdmin(ReadOnlyAdmin):
    list_display = [
        "month",
        "supplier",
        "lines_due",
        "otif_rate",
        "quality_acceptance_rate",
        "lead_time_mean",
        "price_variance",
        "acknowledgement_hours",
        "score",
        "grade",
        "computed_at",
    ]
    list_filter = ["grade", ("supplier", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["supplier__code", "supplier__name"]
    date_hierarchy = "month"
    list_select_related = ["supplier"]
