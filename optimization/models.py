"""Replenishment policies per SKU-site and the runs that compute them.

A policy refresh reads the current forecast (with planner overrides), the stock positions'
classes, supplier terms and lead-time estimates, calls optimization.engine.policy and replaces
every InventoryPolicy row in one transaction, so pages and plans always read one complete set.
Each row keeps the inputs it was computed from beside the parameters."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from common.models import ChunkedRun, ChunkedRunStatus, Run, run_status_field
from forecasting.models import ForecastRun
from inventory.models import Site, Sku
from suppliers.price_breaks import PriceBreaks


class PolicyRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class PolicyRun(Run):
    """One refresh of every SKU-site's policy."""

    status = run_status_field(PolicyRunStatus, default=PolicyRunStatus.RUNNING)
    forecast_run = models.ForeignKey(
        ForecastRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    parameters = models.JSONField(default=dict)
    policies_total = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)

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
    TRANSIT = "transit", "Transit from the parent site"


class InventoryPolicyQuerySet(models.QuerySet["InventoryPolicy"]):
    def serving_patients(self) -> "InventoryPolicyQuerySet":
        """The policies of SKU-sites that replenish no other site with that SKU: those sized on
        their own demand, which a single-site simulation on their demand history can judge
        (the sites upstream on the replenishment paths are sized on their echelon demand)."""
        feeds_others = InventoryPolicy.objects.filter(
            run=models.OuterRef("run"),
            sku=models.OuterRef("sku"),
            source_site=models.OuterRef("site"),
        )
        return self.exclude(models.Exists(feeds_others))


class InventoryPolicy(models.Model):
    """The replenishment parameters of one SKU-site and what they were computed from."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+", db_index=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(PolicyRun, on_delete=models.CASCADE, related_name="policies")
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The site it is replenished from by transfer; empty: bought from a supplier.",
    )
    # inputs
    demand_mean = models.FloatField(
        help_text="Forecast units per day over lead time + review; at a site that replenishes "
        "others, its echelon demand (its own and theirs)."
    )
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

    objects = InventoryPolicyQuerySet.as_manager()

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
    def replenished_by_transfer(self) -> bool:
        return self.source_site_id is not None

    @property
    def safety_stock_value(self) -> float:
        return self.safety_stock * self.unit_price

    @property
    def cycle_stock_value(self) -> float:
        return self.order_quantity / 2 * self.unit_price_paid


class PolicySimulation(Run):
    """A what-if of the stored policies against the textbook policy (SS = z sqrt(L) sigma of raw
    demand, plain EOQ) on the same simulated demand paths and lead times; `results` holds the
    measures of both, overall and by ABC class, as computed by optimization.engine.simulate."""

    status = run_status_field(PolicyRunStatus, default=PolicyRunStatus.RUNNING)
    policy_run = models.ForeignKey(
        PolicyRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    parameters = models.JSONField(default=dict)
    results = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Policy simulation {self.pk} ({self.get_status_display()})"


# ---- replenishment plans ---------------------------------------------------------------------


PlanRunStatus = ChunkedRunStatus  # a plan run lives the life of every chunked run


class PlanRun(ChunkedRun):
    """One version of the replenishment plan: suggested orders and transfers for every SKU-site
    with a policy, computed chunk by chunk and made current (PlanPublication) only when every
    chunk succeeded."""

    as_of = models.DateField(help_text="The plan's first day: stock and open orders of that day.")
    forecast_run = models.ForeignKey(
        ForecastRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    policy_run = models.ForeignKey(
        PolicyRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    keys_total = models.PositiveIntegerField(default=0, help_text="SKU-sites with a policy.")
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PlanRunStatus.values), name="plan_run_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {self.pk} as of {self.as_of} ({self.get_status_display()})"

    @property
    def chunks_done(self) -> int:
        return self.chunks.count()


class PlanRunChunk(models.Model):
    """A chunk of a plan run that finished: a re-run chunk replaces its rows and this record, so
    progress never counts a chunk twice."""

    run = models.ForeignKey(PlanRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    orders = models.PositiveIntegerField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="plan_run_chunk_unique"),
        ]

    def __str__(self) -> str:
        return f"Plan {self.run_id} chunk {self.index}"


class PlanPublication(models.Model):
    """The pointer to the current plan: publishing a plan switches it in one transaction."""

    name = models.CharField(max_length=20, unique=True, default="current")
    run = models.ForeignKey(PlanRun, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name}: plan {self.run_id}"


class SuggestionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    EDITED = "edited", "Edited"
    AWAITING_SECOND = "awaiting_second", "Awaiting second approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


# A planner has acted on these: a new plan carries them over as they are, never replaces them.
TOUCHED_OPEN_STATUSES = (SuggestionStatus.EDITED, SuggestionStatus.AWAITING_SECOND)
OPEN_SUGGESTION_STATUSES = (
    SuggestionStatus.PROPOSED,
    SuggestionStatus.EDITED,
    SuggestionStatus.AWAITING_SECOND,
)


class Urgency(models.TextChoices):
    CRITICAL = "critical", "Critical: stock-out before it can arrive"
    HIGH = "high", "High: order today"
    NORMAL = "normal", "Normal: order this review period"


URGENCY_RANK: dict[str, int] = {Urgency.CRITICAL: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2}


class SuggestedOrder(models.Model):
    """The plan's suggestion to buy one SKU for one site: what, from whom, when and why.

    `suggested_*` keep the plan's figures; `quantity` and `order_date` are what a planner may
    change (with a reason). `version` grows with every change, so an edit made against an older
    version is refused instead of overwriting someone else's change."""

    plan = models.ForeignKey(PlanRun, on_delete=models.PROTECT, related_name="orders")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+", db_index=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, related_name="suggested_orders"
    )
    status = models.CharField(
        max_length=20, choices=SuggestionStatus.choices, default=SuggestionStatus.PROPOSED
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    urgency_rank = models.PositiveSmallIntegerField(help_text="0 = most urgent, for sorting.")
    abc_class = models.CharField(max_length=1, blank=True, help_text="At planning time.")
    quantity = models.PositiveIntegerField()
    order_date = models.DateField()
    arrival_date = models.DateField()
    unit_price = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="Paid at this quantity (price breaks)."
    )
    list_price = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="The supplier's price without breaks."
    )
    value = models.DecimalField(max_digits=16, decimal_places=2)
    suggested_quantity = models.PositiveIntegerField()
    suggested_order_date = models.DateField()
    lead_time_days = models.PositiveIntegerField()
    moq = models.PositiveIntegerField()
    order_multiple = models.PositiveIntegerField()
    shelf_life_cap = models.PositiveIntegerField(null=True, blank=True)
    price_breaks = models.JSONField(default=list, blank=True)
    inventory_position = models.IntegerField()
    reorder_point = models.FloatField()
    safety_stock = models.FloatField()
    stockout_date = models.DateField(
        null=True, blank=True, help_text="First day short without this order, within the horizon."
    )
    reason_codes = models.JSONField(default=list)
    reason = models.TextField()
    projection = models.JSONField(
        default=dict, help_text="Projected on-hand per day, without and with this order."
    )
    version = models.PositiveIntegerField(default=1)
    edit_reason = models.TextField(blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_approved_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    purchase_order_line = models.OneToOneField(
        "suppliers.PurchaseOrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestion",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["urgency_rank", "order_date", "sku_id", "site_id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "sku", "site"], name="suggested_order_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="suggestion_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SuggestionStatus.values), name="suggestion_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(arrival_date__gte=F("order_date")),
                name="suggestion_arrival_not_before_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(purchase_order_line__isnull=False),
                name="suggestion_approved_has_po_line",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "status", "urgency_rank"], name="suggestion_worklist_idx"),
            models.Index(fields=["plan", "supplier"], name="suggestion_plan_supplier_idx"),
            models.Index(fields=["plan", "site"], name="suggestion_plan_site_idx"),
            models.Index(fields=["status"], name="suggestion_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Suggested order {self.pk}: {self.quantity} x {self.sku_id} for {self.site_id}"

    @property
    def price_schedule(self) -> PriceBreaks:
        """The supplier's price breaks as they stood when the plan ran."""
        return PriceBreaks.from_stored(self.price_breaks)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_SUGGESTION_STATUSES


class TransferKind(models.TextChoices):
    SURPLUS = "surplus", "Surplus moved before buying"
    REPLENISHMENT = "replenishment", "Replenishment from the parent site"


class SuggestedTransfer(models.Model):
    """The plan's suggestion to move stock between sites: surplus or soon-expiring stock to a
    site about to buy (optimization.engine.deployment), or the regular replenishment of a
    SKU-site from the site it is replenished from (`kind` replenishment, with the day it ships
    and arrives)."""

    plan = models.ForeignKey(PlanRun, on_delete=models.CASCADE, related_name="transfers")
    kind = models.CharField(
        max_length=20,
        choices=TransferKind.choices,
        default=TransferKind.SURPLUS,
        db_default=TransferKind.SURPLUS,
    )
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+", db_index=False)
    source = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    requested_quantity = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Replenishment: what the destination's policy asks for; more than `quantity` "
        "when the source has too little released stock.",
    )
    unit_cost = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="Cost of moving one unit."
    )
    saving = models.DecimalField(max_digits=16, decimal_places=2)
    expiring = models.BooleanField(default=False)
    ship_date = models.DateField(null=True, blank=True, help_text="Replenishment: day it ships.")
    arrival_date = models.DateField(
        null=True, blank=True, help_text="Replenishment: day it arrives (ship date + lead time)."
    )
    reason = models.TextField()

    class Meta:
        ordering = ["-saving", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(source=F("destination")), name="transfer_between_two_sites"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TransferKind.values), name="transfer_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["plan", "sku"], name="transfer_plan_sku_idx")]

    def __str__(self) -> str:
        return (
            f"Transfer {self.quantity} x {self.sku_id}: {self.source_id} -> {self.destination_id}"
        )


class ApprovalRequest(models.Model):
    """An approval request already carried out, by its idempotency key: a double click or a
    retried request finds it and gets the same answer instead of approving twice."""

    key = models.CharField(max_length=80, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    suggestion_ids = models.JSONField(default=list)
    outcome = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Approval request {self.key}"


class Scenario(Run):
    """A saved what-if: changed assumptions for a selection of SKU-sites, simulated against the
    current policies on the same demand paths. It never changes policies or plans.

    `selection`: which SKU-sites (e.g. ABC classes, sites, SKU codes); `changes`: the changed
    assumptions (service targets, holding rate, lead-time factors, demand uplift); `results`:
    the simulator's measures for the current policy and the scenario, and their differences."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    status = run_status_field(PolicyRunStatus, default=PolicyRunStatus.RUNNING)
    policy_run = models.ForeignKey(
        PolicyRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    selection = models.JSONField(default=dict)
    changes = models.JSONField(default=dict)
    results = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name
