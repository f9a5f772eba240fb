"""Suppliers, their terms per SKU, purchase orders and receipts."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from inventory.models import Lot, Site, Sku
from suppliers.price_breaks import PriceBreaks


class Supplier(models.Model):
    MASTER_FIELDS = ("code", "name", "contact_name", "email", "phone", "active")

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SupplierItem(models.Model):
    """A supplier's terms for one SKU: lead time, lot sizing and price."""

    MASTER_FIELDS = (
        "supplier",
        "sku",
        "lead_time_mean_days",
        "lead_time_std_days",
        "moq",
        "order_multiple",
        "unit_price",
        "price_breaks",
        "cost_per_order",
        "is_primary",
    )

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="items")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="supplier_items")
    lead_time_mean_days = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    lead_time_std_days = models.DecimalField(
        max_digits=6, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    moq = models.PositiveIntegerField(
        "minimum order quantity", default=1, validators=[MinValueValidator(1)]
    )
    order_multiple = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    price_breaks = models.JSONField(
        default=list,
        blank=True,
        help_text='All-units breaks, e.g. [{"min_quantity": 500, "unit_price": "9.50"}].',
    )
    cost_per_order = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["supplier", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "sku"], name="supplier_item_unique"),
            models.UniqueConstraint(
                fields=["sku"],
                condition=Q(is_primary=True),
                name="supplier_item_one_primary_per_sku",
            ),
            models.CheckConstraint(
                condition=Q(lead_time_mean_days__gt=0), name="supplier_item_lead_time_positive"
            ),
            models.CheckConstraint(
                condition=Q(lead_time_std_days__gte=0),
                name="supplier_item_lead_time_std_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(moq__gte=1, order_multiple__gte=1),
                name="supplier_item_lot_sizing_positive",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="supplier_item_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(cost_per_order__gte=0), name="supplier_item_order_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier.code} · {self.sku.code}"

    @property
    def price_schedule(self) -> PriceBreaks:
        return PriceBreaks.from_stored(self.price_breaks)


class PurchaseOrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    PARTIALLY_RECEIVED = "partially_received", "Partially received"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


OPEN_PO_STATUSES = (
    PurchaseOrderStatus.APPROVED,
    PurchaseOrderStatus.SENT,
    PurchaseOrderStatus.ACKNOWLEDGED,
    PurchaseOrderStatus.PARTIALLY_RECEIVED,
)
# Orders goods can be received on: with the supplier, and not yet complete.
RECEIVABLE_PO_STATUSES = (
    PurchaseOrderStatus.SENT,
    PurchaseOrderStatus.ACKNOWLEDGED,
    PurchaseOrderStatus.PARTIALLY_RECEIVED,
)


class PurchaseOrder(models.Model):
    number = models.CharField(max_length=40, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    destination = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="purchase_orders")
    status = models.CharField(
        max_length=20, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.DRAFT
    )
    ordered_on = models.DateField(null=True, blank=True)
    expected_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Sent to the supplier.")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["supplier", "status"], name="po_supplier_status_idx"),
            models.Index(fields=["status"], name="po_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PurchaseOrderStatus.values), name="po_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(expected_on__isnull=True)
                | Q(ordered_on__isnull=True)
                | Q(expected_on__gte=F("ordered_on")),
                name="po_expected_not_before_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class PurchaseOrderLineQuerySet(models.QuerySet["PurchaseOrderLine"]):
    def to_arrive(self) -> "PurchaseOrderLineQuerySet":
        """Lines of open orders with units still to be received: the stock on its way."""
        return self.filter(
            purchase_order__status__in=OPEN_PO_STATUSES, received_quantity__lt=F("quantity")
        )


class PurchaseOrderLine(models.Model):
    # What an approval signs on a line, besides its order's supplier and destination.
    SIGNED_TERMS = ("sku", "quantity", "unit_price", "requested_date")

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="lines"
    )
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    requested_date = models.DateField(null=True, blank=True)
    confirmed_date = models.DateField(null=True, blank=True)
    confirmed_quantity = models.PositiveIntegerField(
        null=True, blank=True, help_text="What the supplier committed to deliver."
    )
    received_quantity = models.PositiveIntegerField(default=0)
    reapproval_required = models.BooleanField(
        default=False,
        db_default=False,  # the demo loader and bulk loaders insert rows without it
        help_text="Its signed terms changed after approval; not yet re-approved.",
    )
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amended_at = models.DateTimeField(null=True, blank=True)
    amendment_reason = models.TextField(blank=True, db_default="")

    objects = PurchaseOrderLineQuerySet.as_manager()

    class Meta:
        ordering = ["purchase_order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="po_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="po_line_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(received_quantity__lte=F("quantity")), name="po_line_not_over_received"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order.number} · {self.sku.code} x {self.quantity}"

    @property
    def open_quantity(self) -> int:
        return max(self.quantity - self.received_quantity, 0)

    def signed_content(self) -> dict[str, Any]:
        """The terms an approval signs: who supplies what, where, how many, at what price, by
        when. What the supplier confirms and what is received later are not part of them."""
        order = self.purchase_order
        return {
            "purchase_order": order.number,
            "supplier": order.supplier_id,
            "destination": order.destination_id,
            "sku": self.sku_id,
            "quantity": self.quantity,
            "unit_price": f"{Decimal(self.unit_price):.2f}",
            "requested_date": self.requested_date.isoformat() if self.requested_date else None,
        }

    @property
    def due_date(self) -> "date | None":
        """The agreed delivery date: confirmed, else requested, else the order's expected."""
        return self.confirmed_date or self.requested_date or self.purchase_order.expected_on

    @property
    def agreed_quantity(self) -> int:
        return self.confirmed_quantity if self.confirmed_quantity is not None else self.quantity


class Receipt(models.Model):
    """Goods received against a PO line: the lot they became and how much quality accepted."""

    line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipts")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="receipts")
    quantity_received = models.PositiveIntegerField()
    quantity_accepted = models.PositiveIntegerField()
    lot_number = models.CharField(max_length=60)
    expiry_date = models.DateField()
    received_on = models.DateField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shipping_notice = models.ForeignKey(
        "ShippingNotice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipts",
        help_text="The supplier's shipping notice the goods were received against.",
    )
    rejection_reason = models.TextField(
        blank=True, db_default="", help_text="Why units were rejected at receipt."
    )

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_received__gt=0), name="receipt_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity_accepted__lte=F("quantity_received")),
                name="receipt_accepted_not_above_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line} received {self.quantity_received} on {self.received_on}"


# ---- supplier portal ------------------------------------------------------------------------


class SupplierUser(models.Model):
    """A user who acts for one supplier in the portal (a supplier can have several)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supplier_link"
    )
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="users")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["supplier", "user"]
        verbose_name = "supplier user"

    def __str__(self) -> str:
        return f"{self.user} for {self.supplier.code}"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the planner"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class LineProposal(models.Model):
    """A supplier's proposal to deliver a PO line on another date or in another quantity; the
    planner accepts (the line's confirmed date and quantity change) or rejects it."""

    line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="proposals")
    proposed_date = models.DateField()
    proposed_quantity = models.PositiveIntegerField()
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposed_quantity__gt=0), name="proposal_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"
            ),
            models.UniqueConstraint(
                fields=["line"],
                condition=Q(status="pending"),
                name="proposal_one_pending_per_line",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposal for {self.line}: {self.proposed_quantity} on {self.proposed_date}"


class ShippingNotice(models.Model):
    """An advance shipping notice: what the supplier has dispatched against a PO, by lot."""

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="shipping_notices"
    )
    number = models.CharField(max_length=60, help_text="The supplier's own reference.")
    shipped_on = models.DateField()
    expected_on = models.DateField()
    carrier = models.CharField(max_length=120, blank=True)
    tracking = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(
        null=True, blank=True, help_text="When the warehouse received the shipment."
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["purchase_order", "number"], name="shipping_notice_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(expected_on__gte=F("shipped_on")),
                name="shipping_notice_arrives_after_dispatch",
            ),
        ]

    def __str__(self) -> str:
        return f"ASN {self.number} for {self.purchase_order.number}"


class ShippingNoticeLine(models.Model):
    notice = models.ForeignKey(ShippingNotice, on_delete=models.PROTECT, related_name="lines")
    line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.PROTECT, related_name="shipping_notice_lines"
    )
    quantity = models.PositiveIntegerField()
    lot_number = models.CharField(max_length=60)
    expiry_date = models.DateField()

    class Meta:
        ordering = ["notice", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="asn_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.notice.number}: {self.quantity} of lot {self.lot_number}"


class PurchaseOrderMessage(models.Model):
    """A message on a PO between the planners and the supplier's users; both sides see all."""

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="messages"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_supplier = models.BooleanField()
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Message on {self.purchase_order.number} by {self.author}"


# ---- scorecards -----------------------------------------------------------------------------


class ScorecardWeights(models.Model):
    """How the measures make one supplier score, and the grade bands (master data, edited by
    admins, audited). One row, named "default"."""

    name = models.CharField(max_length=40, unique=True, default="default")
    otif = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.40"))
    quality = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.25"))
    lead_time = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.15"))
    price = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.10"))
    acknowledgement = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.10"))
    grade_a_from = models.DecimalField(max_digits=5, decimal_places=1, default=Decimal("90"))
    grade_b_from = models.DecimalField(max_digits=5, decimal_places=1, default=Decimal("75"))
    grade_c_from = models.DecimalField(max_digits=5, decimal_places=1, default=Decimal("60"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "scorecard weights"
        verbose_name_plural = "scorecard weights"
        constraints = [
            models.CheckConstraint(
                condition=Q(otif__gte=0, quality__gte=0, lead_time__gte=0, price__gte=0)
                & Q(acknowledgement__gte=0),
                name="scorecard_weights_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(grade_a_from__gt=F("grade_b_from"))
                & Q(grade_b_from__gt=F("grade_c_from"))
                & Q(grade_c_from__gte=0, grade_a_from__lte=100),
                name="scorecard_grade_bands_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Scorecard weights ({self.name})"


class SupplierScorecard(models.Model):
    """One supplier's measures for one calendar month (computed by a job; never typed in).
    A rate is empty when the month had nothing to measure it on."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="scorecards")
    month = models.DateField(help_text="The first day of the month.")
    lines_due = models.PositiveIntegerField(default=0)
    lines_on_time = models.PositiveIntegerField(default=0)
    lines_in_full = models.PositiveIntegerField(default=0)
    lines_otif = models.PositiveIntegerField(default=0)
    on_time_rate = models.FloatField(null=True, blank=True)
    in_full_rate = models.FloatField(null=True, blank=True)
    otif_rate = models.FloatField(null=True, blank=True)
    units_received = models.PositiveIntegerField(default=0)
    units_accepted = models.PositiveIntegerField(default=0)
    quality_acceptance_rate = models.FloatField(null=True, blank=True)
    receipts = models.PositiveIntegerField(default=0)
    lead_time_mean = models.FloatField(null=True, blank=True, help_text="Days.")
    lead_time_std = models.FloatField(null=True, blank=True, help_text="Days.")
    lead_time_trend = models.FloatField(
        null=True, blank=True, help_text="Days per year, over the 12 months to this one."
    )
    agreed_lead_time = models.FloatField(null=True, blank=True, help_text="Days.")
    price_variance = models.FloatField(
        null=True, blank=True, help_text="Paid against agreed price, as a share (+0.02 = 2 % more)."
    )
    acknowledgement_hours = models.FloatField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True, help_text="0 to 100.")
    grade = models.CharField(max_length=1, blank=True)
    components = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["supplier", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "month"], name="scorecard_unique_month"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier.code} {self.month:%Y-%m}: {self.grade or '-'}"
