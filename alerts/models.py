"""Alerts: one row per condition and object while the condition lasts.

A rule evaluation (alerts.services.alerts.alerts_sync) keeps exactly one open alert per (kind, key)
— the key names the object, e.g. "sku:12:site:3" — updates it while the condition lasts, and
resolves it itself, with the trail saying so, once the condition clears. People acknowledge,
assign, comment on and resolve alerts with a reason."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AlertKind(models.TextChoices):
    STOCKOUT_RISK = "stockout_risk", "Stock-out projected within lead time"
    BELOW_SAFETY_STOCK = "below_safety_stock", "Position below safety stock"
    EXPIRY_RISK = "expiry_risk", "Lots expiring before they can be used"
    TEMPERATURE_EXCURSION = "temperature_excursion", "Temperature excursion"
    PO_LATE = "po_late", "Purchase order late"
    PO_UNACKNOWLEDGED = "po_unacknowledged", "Purchase order not acknowledged"
    FORECAST_ACCURACY = "forecast_accuracy", "Forecast accuracy dropped"
    SUPPLIER_GRADE = "supplier_grade", "Supplier fell a grade"
    JOB_FAILED = "job_failed", "Background job failed"
    SECURITY = "security", "Security event"


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 3}


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


ACTIVE_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class AlertSettings(models.Model):
    """The thresholds of the alert rules (master data, edited by admins, audited). One row,
    named "default"."""

    name = models.CharField(max_length=40, unique=True, default="default")
    stockout_extra_days = models.PositiveIntegerField(
        default=0, help_text="Days beyond the lead time in which a projected stock-out alerts."
    )
    expiry_window_days = models.PositiveIntegerField(
        default=180, help_text="How far ahead expiring lots are checked against the forecast."
    )
    expiry_min_value = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=0,
        help_text="Projected waste below this: no alert.",
    )
    po_late_grace_days = models.PositiveIntegerField(
        default=1, help_text="Days after the agreed date before an open line counts as late."
    )
    po_acknowledge_hours = models.PositiveIntegerField(
        default=48, help_text="Hours after sending before an unacknowledged order alerts."
    )
    forecast_mase_ratio = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=1.3,
        help_text="A series alerts when its MASE grows by this factor from one run to the next…",
    )
    forecast_mase_floor = models.DecimalField(
        max_digits=5, decimal_places=2, default=1.0, help_text="…and ends above this MASE."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "alert settings"
        verbose_name_plural = "alert settings"

    def __str__(self) -> str:
        return f"Alert settings ({self.name})"


class Alert(models.Model):
    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    key = models.CharField(max_length=200, help_text="The object the condition is about.")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    severity_rank = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    title = models.CharField(max_length=250)
    message = models.TextField()
    detail = models.JSONField(default=dict, blank=True)
    sku = models.ForeignKey(
        "inventory.Sku", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    site = models.ForeignKey(
        "inventory.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(max_length=120, blank=True, help_text="e.g. a PO number.")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)
    auto_resolved = models.BooleanField(default=False)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["severity_rank", "-first_seen_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="alert_one_active_per_condition",
            ),
            models.CheckConstraint(condition=Q(kind__in=AlertKind.values), name="alert_kind_valid"),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="alert_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AlertStatus.values), name="alert_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False),
                name="alert_resolved_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "severity_rank"], name="alert_inbox_idx"),
            models.Index(fields=["kind", "status"], name="alert_kind_status_idx"),
            models.Index(fields=["assignee", "status"], name="alert_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.title}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class AlertComment(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment on alert {self.alert_id} by {self.author}"


class NotificationPreference(models.Model):
    """Which alerts a user is e-mailed about (critical ones by default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference"
    )
    email_critical = models.BooleanField(default=True)
    email_high = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Alert e-mails for {self.user}"


# ---- overview dashboard snapshots -----------------------------------------------------------


class DashboardSnapshot(models.Model):
    """The overview dashboard as of one day (the analytics layer): computed from the ledger,
    demand, lots and stock positions by reporting.services.dashboard_snapshot_refresh, so the page
    reads one row instead of scanning movements. One row per `as_of`; a refresh on the same
    day replaces it. The breakdowns are small lists of dicts; their shapes are documented on
    the functions of reporting.figures that build them."""

    as_of = models.DateField(unique=True, help_text="Figures cover the days before this date.")
    computed_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    inventory_value = models.DecimalField(
        max_digits=18, decimal_places=2, default=0, help_text="Units held at unit cost."
    )
    inventory_units = models.BigIntegerField(default=0)
    positions = models.PositiveIntegerField(default=0)
    projected_waste_value = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        default=0,
        help_text="Released units the position refresh projects to expire before use.",
    )
    abc_xyz = models.JSONField(default=list, blank=True)
    status_by_category = models.JSONField(default=list, blank=True)
    status_by_zone = models.JSONField(default=list, blank=True)
    expiry_by_month = models.JSONField(default=list, blank=True)
    by_site = models.JSONField(default=list, blank=True)
    consumption_trend = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-as_of"]
        get_latest_by = "as_of"
        constraints = [
            models.CheckConstraint(
                condition=Q(inventory_value__gte=0, inventory_units__gte=0),
                name="dashboard_inventory_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Dashboard as of {self.as_of:%Y-%m-%d}"


class KpiSnapshot(models.Model):
    """The business measures (../shared/DOMAIN.md) over the `window_days` days before the
    snapshot's `as_of`. Rates are shares (0..1); money is in the SKUs' unit-cost currency;
    turnover and carrying cost are annualised."""

    snapshot = models.ForeignKey(DashboardSnapshot, on_delete=models.CASCADE, related_name="kpis")
    window_days = models.PositiveSmallIntegerField()
    start_date = models.DateField()
    end_date = models.DateField(help_text="Last day of the window (included).")
    units_asked = models.BigIntegerField(default=0)
    units_served = models.BigIntegerField(default=0)
    fill_rate = models.DecimalField(max_digits=7, decimal_places=6, null=True, blank=True)
    sku_site_days = models.BigIntegerField(default=0)
    stockout_days = models.BigIntegerField(default=0)
    stockout_rate = models.DecimalField(max_digits=7, decimal_places=6, null=True, blank=True)
    average_inventory_value = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    cogs_issued = models.DecimalField(
        max_digits=18, decimal_places=2, default=0, help_text="Cost of goods issued in the window."
    )
    turnover = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    carrying_cost = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    expired_value = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    expired_units = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["snapshot", "window_days"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "window_days"], name="kpi_one_per_snapshot_window"
            ),
            models.CheckConstraint(condition=Q(window_days__gt=0), name="kpi_window_positive"),
            models.CheckConstraint(
                condition=Q(fill_rate__isnull=True) | Q(fill_rate__gte=0, fill_rate__lte=1),
                name="kpi_fill_rate_share",
            ),
            models.CheckConstraint(
                condition=Q(stockout_rate__isnull=True)
                | Q(stockout_rate__gte=0, stockout_rate__lte=1),
                name="kpi_stockout_rate_share",
            ),
            models.CheckConstraint(
                condition=Q(units_served__lte=models.F("units_asked")),
                name="kpi_served_within_asked",
            ),
        ]

    def __str__(self) -> str:
        return f"KPIs over {self.window_days} days to {self.end_date:%Y-%m-%d}"

    @property
    def fill_rate_percent(self) -> float | None:
        return None if self.fill_rate is None else float(self.fill_rate) * 100

    @property
    def stockout_rate_percent(self) -> float | None:
        return None if self.stockout_rate is None else float(self.stockout_rate) * 100
