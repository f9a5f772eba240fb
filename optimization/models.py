"""Replenishment policies per SKU-site and the runs that compute them.

A policy refresh reads the current forecast (with planner overrides), the stock positions'
classes, supplier terms and lead-time estimates, calls optimization.engine.policy and replaces
every InventoryPolicy row in one transaction, so pages and plans always read one complete set.
Each row keeps the inputs it was computed from beside the parameters."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from forecasting.models import ForecastRun
from inventory.models import Site, Sku


class PolicyRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class PolicyRun(models.Model):
    """One refresh of every SKU-site's policy."""

    status = models.CharField(
        max_length=20, choices=PolicyRunStatus.choices, default=PolicyRunStatus.RUNNING
    )
    forecast_run = models.ForeignKey(
        ForecastRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    parameters = models.JSONField(default=dict)
    policies_total = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PolicyRunStatus.values), name="policy_run_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Policy run {self.pk} ({self.get_status_display()})"


class LeadTimeBasis(models.TextChoices):
    HISTORY = "history", "Receipt history"
    TERMS = "terms", "Supplier terms"
    DEFAULT = "default", "Default (no supplier terms)"


class InventoryPolicy(models.Model):
    """The replenishment parameters of one SKU-site and what they were computed from."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+", db_index=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(PolicyRun, on_delete=models.CASCADE, related_name="policies")
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # inputs
    demand_mean = models.FloatField(help_text="Forecast units per day over lead time + review.")
    demand_error_std = models.FloatField(help_text="Daily forecast-error standard deviation.")
    lead_time_mean = models.FloatField(help_text="Days.")
    lead_time_std = models.FloatField(help_text="Days.")
    lead_time_basis = models.CharField(max_length=10, choices=LeadTimeBasis.choices)
    review_period = models.FloatField(help_text="Days between reviews (periodic review).")
    unit_price = models.FloatField()
    order_cost = models.FloatField()
    holding_rate = models.FloatField(help_text="Per year.")
    moq = models.FloatField()
    order_multiple = models.FloatField()
    remaining_life_days = models.FloatField(null=True, blank=True)
    min_usable_life_days = models.FloatField()
    abc_class = models.CharField(max_length=1, blank=True)
    xyz_class = models.CharField(max_length=1, blank=True)
    criticality = models.CharField(max_length=10)
    # parameters
    service_kind = models.CharField(max_length=20)
    service_level = models.FloatField()
    order_quantity = models.FloatField()
    eoq = models.FloatField()
    unit_price_paid = models.FloatField()
    annual_cost = models.FloatField()
    shelf_life_cap = models.FloatField(null=True, blank=True, help_text="Units; empty: none.")
    lot_reason = models.CharField(max_length=30)
    safety_stock = models.FloatField()
    reorder_point = models.FloatField()
    expected_fill_rate = models.FloatField()
    safety_stock_periodic = models.FloatField()
    order_up_to = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sku", "site"], name="inventory_policy_unique"),
        ]
        indexes = [models.Index(fields=["abc_class", "xyz_class"], name="policy_class_idx")]

    def __str__(self) -> str:
        return (
            f"{self.sku_id}@{self.site_id}: s={self.reorder_point:.0f} Q={self.order_quantity:.0f}"
        )

    @property
    def safety_stock_value(self) -> float:
        return self.safety_stock * self.unit_price

    @property
    def cycle_stock_value(self) -> float:
        return self.order_quantity / 2 * self.unit_price_paid


class PolicySimulation(models.Model):
    """A what-if of the stored policies against the textbook policy (SS = z sqrt(L) sigma of raw
    demand, plain EOQ) on the same simulated demand paths and lead times; `results` holds the
    measures of both, overall and by ABC class, as computed by optimization.engine.simulate."""

    status = models.CharField(
        max_length=20, choices=PolicyRunStatus.choices, default=PolicyRunStatus.RUNNING
    )
    policy_run = models.ForeignKey(
        PolicyRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    parameters = models.JSONField(default=dict)
    results = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Policy simulation {self.pk} ({self.get_status_display()})"
