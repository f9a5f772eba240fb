"""Suppliers, their terms per SKU, purchase orders and receipts."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from inventory.models import Lot, Site, Sku


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


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="lines"
    )
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    requested_date = models.DateField(null=True, blank=True)
    confirmed_date = models.DateField(null=True, blank=True)
    received_quantity = models.PositiveIntegerField(default=0)

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
