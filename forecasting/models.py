"""Forecast runs and their results: one row per SKU-site per run, published by a pointer."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from common.models import ChunkedRun, ChunkedRunStatus
from inventory.models import Site, Sku

if TYPE_CHECKING:
    from forecasting.rules import ValueAdded

RunStatus = ChunkedRunStatus  # a forecast run lives the life of every chunked run


class ForecastRun(ChunkedRun):
    """One computation of the statistical forecast for every SKU-site with demand. Its results
    become current only when every chunk succeeded (ForecastPublication)."""

    as_of = models.DateField(help_text="Demand up to the day before is used; forecasts start here.")
    engine_version = models.CharField(max_length=40)
    series_total = models.PositiveIntegerField(default=0)
    timings = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True, help_text="Accuracy and champions.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="forecast_run_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Forecast run {self.pk} as of {self.as_of} ({self.get_status_display()})"

    @property
    def series_done(self) -> int:
        """Series with a stored result: a re-run chunk replaces its rows, so this never counts
        a series twice."""
        return self.series.count()


class SeriesForecast(models.Model):
    """A run's result for one SKU-site: the champion method, the daily forecast from the run's
    as_of date, the 80/95 % intervals, backtest accuracy and the daily error deviation."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="series")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+", db_index=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    pattern = models.CharField(max_length=20)
    method = models.CharField(max_length=40)
    values = models.JSONField(help_text="Units per day, from as_of, one per horizon day.")
    lower_80 = models.JSONField()
    upper_80 = models.JSONField()
    lower_95 = models.JSONField()
    upper_95 = models.JSONField()
    mase = models.FloatField(null=True)
    wape = models.FloatField(null=True)
    bias = models.FloatField(null=True)
    error_std = models.FloatField(help_text="Daily forecast-error standard deviation.")
    candidates = models.JSONField(
        default=dict, help_text="Backtest MASE of every method this series could choose from."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sku", "site", "run"], name="series_forecast_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.site_id} run {self.run_id}: {self.method}"


class ForecastPublication(models.Model):
    """The pointer to the current forecast run: one row, switched in one transaction."""

    name = models.CharField(max_length=20, unique=True, default="current")
    run = models.ForeignKey(ForecastRun, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name}: run {self.run_id}"


class OverrideKind(models.TextChoices):
    PERCENT = "percent", "Change by %"
    UNITS = "units", "Set units per day"


class ForecastOverride(models.Model):
    """A planner's adjustment of one SKU-site's forecast over a date range, with the reason.

    It applies by calendar date to whichever run is current (a new run keeps the adjustment).
    `statistical` keeps the statistical forecast of the range as it was when the override was
    made, so that once the days have passed the override's error can be compared with the
    statistical forecast's (forecast value added)."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField()
    kind = models.CharField(max_length=10, choices=OverrideKind.choices)
    value = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        help_text="Percent change (e.g. 20 or -15), or units per day.",
    )
    reason = models.TextField()
    run = models.ForeignKey(
        ForecastRun,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The run whose forecast was adjusted.",
    )
    statistical = models.JSONField(
        help_text="The statistical forecast per day of the range when the override was made."
    )
    # Not stored: set by forecasting.selectors.series_overrides once the override's days have
    # passed (how much it helped against the statistical forecast).
    value_added: "ValueAdded | None"
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdraw_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["sku", "site", "start_date"], name="override_series_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="override_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=OverrideKind.values), name="override_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=OverrideKind.PERCENT, value__gte=-100) | Q(value__gte=0),
                name="override_value_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.site_id} {self.start_date}..{self.end_date}: {self.describe()}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    def describe(self) -> str:
        if self.kind == OverrideKind.PERCENT:
            return f"{float(self.value):+g} %"
        return f"{float(self.value):g} units/day"


class LeadTimeSource(models.TextChoices):
    HISTORY = "history", "Receipt history"
    TERMS = "terms", "Supplier terms (history too thin)"


class LeadTimeEstimate(models.Model):
    """The lead time to plan with for one supplier-SKU: from the receipts when there are
    enough, otherwise the supplier's quoted terms (forecasting.engine.lead_time)."""

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+")
    observations = models.PositiveIntegerField(help_text="Receipts in the history window.")
    mean_days = models.FloatField()
    std_days = models.FloatField()
    trend_days_per_year = models.FloatField(
        help_text="Change of the lead time per year of orders; positive: getting slower."
    )
    projected_mean_days = models.FloatField(help_text="The mean moved along the trend to today.")
    source = models.CharField(max_length=10, choices=LeadTimeSource.choices)
    terms_mean_days = models.FloatField()
    terms_std_days = models.FloatField()
    computed_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supplier", "sku"], name="lead_time_estimate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id}/{self.sku_id}: {self.mean_days:.1f} ± {self.std_days:.1f} d"
