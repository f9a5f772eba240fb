"""SKUs, the site network, lots with expiry, the stock-movement ledger and the derived tables
(daily demand, stock positions) that pages and engines read. Words: ../shared/DOMAIN.md."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Category(models.TextChoices):
    VACCINE = "vaccine", "Vaccine"
    BIOLOGIC = "biologic", "Biologic"
    SMALL_MOLECULE = "small_molecule", "Small molecule"
    ONCOLOGY = "oncology", "Oncology"
    SPECIALTY = "specialty", "Specialty"


class TemperatureZone(models.TextChoices):
    ULTRA_COLD = "ultra_cold", "Ultra-cold (-80..-60 °C)"
    FROZEN = "frozen", "Frozen (-25..-15 °C)"
    REFRIGERATED = "refrigerated", "Refrigerated (2..8 °C)"
    ROOM = "room", "Room (15..25 °C)"


# Allowed storage range of each zone in °C, both ends included.
ZONE_LIMITS_C: dict[str, tuple[float, float]] = {
    TemperatureZone.ULTRA_COLD: (-80.0, -60.0),
    TemperatureZone.FROZEN: (-25.0, -15.0),
    TemperatureZone.REFRIGERATED: (2.0, 8.0),
    TemperatureZone.ROOM: (15.0, 25.0),
}


class Criticality(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


def _in_choices(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


class Sku(models.Model):
    """A product at one strength and pack."""

    # The fields people maintain (forms, imports, API); the rest is kept by the system.
    MASTER_FIELDS = (
        "code",
        "name",
        "category",
        "temperature_zone",
        "shelf_life_days",
        "min_remaining_shelf_life_days",
        "unit_cost",
        "criticality",
        "controlled_substance",
        "receipt_inspection",
        "direct_delivery",
        "active",
    )

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=Category.choices)
    temperature_zone = models.CharField(max_length=20, choices=TemperatureZone.choices)
    shelf_life_days = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    min_remaining_shelf_life_days = models.PositiveIntegerField(
        default=0, help_text="Lots received with less remaining shelf life are refused."
    )
    unit_cost = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    criticality = models.CharField(
        max_length=10, choices=Criticality.choices, default=Criticality.MEDIUM
    )
    controlled_substance = models.BooleanField(default=False)
    receipt_inspection = models.BooleanField(
        default=True,
        db_default=True,  # bulk loaders insert rows without it
        help_text="Received stock waits in quarantine for quality release.",
    )
    direct_delivery = models.BooleanField(
        default=False,
        db_default=False,  # bulk loaders insert rows without it
        help_text="Suppliers deliver it straight to every site that stocks it (ultra-cold, "
        "specialty), even where a site is otherwise replenished from its parent.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "SKU"
        verbose_name_plural = "SKUs"
        indexes = [
            models.Index(fields=["category"], name="sku_category_idx"),
            models.Index(fields=["temperature_zone"], name="sku_zone_idx"),
            models.Index(fields=["name"], name="sku_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(shelf_life_days__gt=0), name="sku_shelf_life_positive"
            ),
            models.CheckConstraint(
                condition=Q(min_remaining_shelf_life_days__lt=F("shelf_life_days")),
                name="sku_min_remaining_below_shelf_life",
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="sku_unit_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=_in_choices("category", Category), name="sku_category_valid"
            ),
            models.CheckConstraint(
                condition=_in_choices("temperature_zone", TemperatureZone), name="sku_zone_valid"
            ),
            models.CheckConstraint(
                condition=_in_choices("criticality", Criticality), name="sku_criticality_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if (
            self.shelf_life_days
            and self.min_remaining_shelf_life_days is not None
            and self.min_remaining_shelf_life_days >= self.shelf_life_days
        ):
            raise ValidationError(
                {
                    "min_remaining_shelf_life_days": [
                        f"Must be below the shelf life ({self.shelf_life_days} days)."
                    ]
                }
            )


class Echelon(models.TextChoices):
    PLANT = "plant", "Plant"
    DC = "dc", "Distribution centre"
    WAREHOUSE = "warehouse", "Warehouse"
    HOSPITAL = "hospital", "Hospital / pharmacy"


class ReplenishmentSource(models.TextChoices):
    SUPPLIER = "supplier", "Buys from suppliers"
    PARENT = "parent", "Replenished from its parent site"


class Site(models.Model):
    """A node of the network, replenished from another site (a tree or a DAG). A site whose
    `replenishment` is PARENT gets its SKUs by transfer from `replenished_from` (except the SKUs
    delivered direct, `Sku.direct_delivery`); otherwise it buys them from suppliers."""

    MASTER_FIELDS = (
        "code",
        "name",
        "echelon",
        "region",
        "latitude",
        "longitude",
        "replenished_from",
        "transit_days",
        "replenishment",
        "active",
    )

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    echelon = models.CharField(max_length=20, choices=Echelon.choices)
    region = models.CharField(max_length=100, blank=True)
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    replenished_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replenishes"
    )
    transit_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days from the replenishing site to this one."
    )
    replenishment = models.CharField(
        max_length=10,
        choices=ReplenishmentSource.choices,
        default=ReplenishmentSource.SUPPLIER,
        db_default=ReplenishmentSource.SUPPLIER,  # bulk loaders insert rows without it
        help_text="Where this site's stock comes from: purchase orders to suppliers, or "
        "transfers from the site that replenishes it.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("echelon", Echelon), name="site_echelon_valid"
            ),
            models.CheckConstraint(
                condition=Q(replenishment=ReplenishmentSource.SUPPLIER)
                | Q(replenishment=ReplenishmentSource.PARENT, replenished_from__isnull=False),
                name="site_parent_replenishment_has_parent",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="site_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude_range",
            ),
            models.CheckConstraint(
                condition=~Q(replenished_from=F("pk")), name="site_not_replenished_from_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        """The network has no loops: following replenished_from never comes back here; a site
        replenished from its parent has one."""
        if self.replenishment == ReplenishmentSource.PARENT and self.replenished_from_id is None:
            raise ValidationError(
                {"replenishment": ["Choose the site it is replenished from first."]}
            )
        seen, upstream = {self.pk}, self.replenished_from
        while upstream is not None:
            if upstream.pk in seen:
                raise ValidationError({"replenished_from": [NETWORK_LOOP_MESSAGE]})
            seen.add(upstream.pk)
            upstream = upstream.replenished_from


NETWORK_LOOP_MESSAGE = (
    "This would make the network loop: a site cannot be replenished, directly or through "
    "others, from itself."
)


class LotStatus(models.TextChoices):
    QUARANTINE = "quarantine", "Quarantine"
    RELEASED = "released", "Released"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"


class LotQuerySet(models.QuerySet["Lot"]):
    """The lot filters that stock services, selectors and cold chain share, by name, so that
    "usable" means the same thing wherever stock is issued, counted or exposed."""

    def in_stock(self) -> "LotQuerySet":
        """Lots holding units that are or may become usable: released or in quarantine
        (rejected and expired lots are out of stock whatever they hold)."""
        return self.filter(quantity__gt=0).exclude(
            status__in=[LotStatus.REJECTED, LotStatus.EXPIRED]
        )

    def released(self) -> "LotQuerySet":
        """Released lots holding units, whatever their expiry date."""
        return self.filter(status=LotStatus.RELEASED, quantity__gt=0)

    def usable(self, today: date) -> "LotQuerySet":
        """What may be issued on `today`: released lots holding units that have not expired
        (a lot is usable through its expiry date)."""
        return self.released().filter(expiry_date__gte=today)


class Lot(models.Model):
    """A quantity of one SKU at one site with a lot number and an expiry date. Its quantity
    changes only through stock movements (inventory.services.stock)."""

    # Indexed by lot_fefo_idx and the unique (sku, site, lot_number), both led by sku.
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="lots", db_index=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=60)
    expiry_date = models.DateField()
    quantity = models.IntegerField(default=0)
    status = models.CharField(
        max_length=20, choices=LotStatus.choices, default=LotStatus.QUARANTINE
    )
    received_on = models.DateField(null=True, blank=True)
    storage_unit = models.ForeignKey(
        "StorageUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lots",
        help_text="Where the lot is stored, when known (cold-chain exposure).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LotQuerySet.as_manager()

    class Meta:
        ordering = ["expiry_date", "pk"]
        indexes = [
            models.Index(fields=["sku", "site", "status", "expiry_date"], name="lot_fefo_idx"),
            models.Index(fields=["expiry_date"], name="lot_expiry_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sku", "site", "lot_number"], name="lot_unique_per_sku_site"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="lot_quantity_not_negative"),
            models.CheckConstraint(
                condition=_in_choices("status", LotStatus), name="lot_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku.code} lot {self.lot_number} @ {self.site.code}"

    def is_usable(self, today: date) -> bool:
        """The rule of `Lot.objects.usable(today)` for a lot already in hand (its quantity
        aside): released and not expired."""
        return self.status == LotStatus.RELEASED and self.expiry_date >= today


class StorageUnit(models.Model):
    """A fridge, freezer, cold room or ambient store at a site, held in one temperature zone
    and watched by one or more sensors. Readings refer to it as "<site code>/<unit code>"."""

    MASTER_FIELDS = ("site", "code", "name", "zone", "allowed_minutes_outside", "active")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="storage_units")
    code = models.CharField(
        max_length=40,
        validators=[RegexValidator(r"^[^/\s]+$", "Letters, digits and dashes; no '/' or spaces.")],
    )
    name = models.CharField(max_length=200)
    zone = models.CharField(max_length=20, choices=TemperatureZone.choices)
    allowed_minutes_outside = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1)],
        help_text="Readings may stay outside the zone this long before it is an excursion.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["site__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="storage_unit_code_per_site"),
            models.CheckConstraint(
                condition=_in_choices("zone", TemperatureZone), name="storage_unit_zone_valid"
            ),
            models.CheckConstraint(
                condition=~Q(code__contains="/"), name="storage_unit_code_without_slash"
            ),
            models.CheckConstraint(
                condition=Q(allowed_minutes_outside__gt=0),
                name="storage_unit_allowed_minutes_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site.code}/{self.code} {self.name}"

    @property
    def limits(self) -> tuple[float, float]:
        return ZONE_LIMITS_C[self.zone]


class TemperatureReading(models.Model):
    """One sensor reading (append-only raw data). The same sensor and instant is stored once,
    so a gateway may resend a batch safely."""

    id = models.BigAutoField(primary_key=True)
    # Indexed by reading_unit_time_idx, led by unit.
    unit = models.ForeignKey(
        StorageUnit, on_delete=models.PROTECT, related_name="readings", db_index=False
    )
    sensor_id = models.CharField(max_length=80)
    recorded_at = models.DateTimeField()
    celsius = models.FloatField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit", "recorded_at"]
        indexes = [models.Index(fields=["unit", "recorded_at"], name="reading_unit_time_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["sensor_id", "recorded_at"], name="reading_unique_per_sensor_time"
            ),
            models.CheckConstraint(
                condition=Q(celsius__gte=-150, celsius__lte=100), name="reading_celsius_physical"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.recorded_at:%Y-%m-%d %H:%M}: {self.celsius} °C"


class ExcursionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Excursion(models.Model):
    """A storage unit outside its zone for longer than it allows (EU GDP 9.4): from the first
    reading outside to the first reading back inside. The lots exposed to it are quarantined
    when it opens and wait for a quality decision (ExcursionLot)."""

    unit = models.ForeignKey(StorageUnit, on_delete=models.PROTECT, related_name="excursions")
    started_at = models.DateTimeField(help_text="First reading outside the zone.")
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="First reading back inside the zone."
    )
    min_celsius = models.FloatField()
    max_celsius = models.FloatField()
    status = models.CharField(
        max_length=10, choices=ExcursionStatus.choices, default=ExcursionStatus.OPEN
    )
    lots_quarantined = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=dict, blank=True)
    detected_at = models.DateTimeField(default=timezone.now)
    lots = models.ManyToManyField(Lot, through="ExcursionLot", related_name="excursions")

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["status", "started_at"], name="excursion_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status="open"), name="excursion_one_open_per_unit"
            ),
            models.CheckConstraint(
                condition=_in_choices("status", ExcursionStatus), name="excursion_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="open", ended_at__isnull=True)
                | Q(status="closed", ended_at__isnull=False),
                name="excursion_closed_has_end",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="excursion_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Excursion in {self.unit_id} from {self.started_at:%Y-%m-%d %H:%M}"


class LotDecision(models.TextChoices):
    RELEASED = "released", "Released"
    REJECTED = "rejected", "Rejected"


class ExcursionLot(models.Model):
    """A lot an excursion put in quarantine, and the quality decision on it."""

    excursion = models.ForeignKey(Excursion, on_delete=models.PROTECT, related_name="exposed_lots")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="excursion_exposures")
    quantity = models.IntegerField(help_text="Units in the lot when it was quarantined.")
    decision = models.CharField(max_length=10, choices=LotDecision.choices, blank=True)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["excursion", "lot__lot_number"]
        constraints = [
            models.UniqueConstraint(fields=["excursion", "lot"], name="excursion_lot_unique"),
            models.CheckConstraint(
                condition=Q(decision__in=["", *LotDecision.values]),
                name="excursion_lot_decision_valid",
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decided_at__isnull=False),
                name="excursion_lot_decision_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Lot {self.lot_id} in excursion {self.excursion_id}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    ISSUE = "issue", "Issue"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_IN = "transfer_in", "Transfer in"
    ADJUSTMENT = "adjustment", "Adjustment"
    WRITE_OFF = "write_off", "Write-off"


INBOUND_KINDS = (MovementKind.RECEIPT, MovementKind.TRANSFER_IN)
OUTBOUND_KINDS = (MovementKind.ISSUE, MovementKind.TRANSFER_OUT, MovementKind.WRITE_OFF)


class StockMovement(models.Model):
    """The append-only stock ledger: on-hand is the sum of movements, never typed in."""

    kind = models.CharField(max_length=20, choices=MovementKind.choices)
    quantity = models.IntegerField(help_text="Signed: positive into the lot, negative out of it.")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    # Indexed by movement_sku_site_time_idx, led by sku.
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="movements", db_index=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="movements")
    occurred_at = models.DateTimeField(default=timezone.now)
    reference = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["sku", "site", "occurred_at"], name="movement_sku_site_time_idx"),
            models.Index(fields=["occurred_at"], name="movement_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("kind", MovementKind), name="movement_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=INBOUND_KINDS, quantity__gt=0)
                | Q(kind__in=OUTBOUND_KINDS, quantity__lt=0)
                | (Q(kind=MovementKind.ADJUSTMENT) & ~Q(quantity=0)),
                name="movement_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} {self.lot}"


class DailyDemand(models.Model):
    """Units asked for per SKU, site and day: the history the forecasts read (derived)."""

    id = models.BigAutoField(primary_key=True)
    # Indexed by the unique (sku, site, date), led by sku: a second index would cost 78 MB
    # and slow every load of the 7.3 M-row history.
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+", db_index=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    quantity = models.IntegerField()

    class Meta:
        ordering = ["sku", "site", "date"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "site", "date"], name="demand_unique_per_day"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="demand_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.site_id} {self.date}: {self.quantity}"


class StockStatus(models.TextChoices):
    STOCKOUT = "stockout", "Stock-out"
    BELOW_SAFETY = "below_safety", "Below safety stock"
    STOCKOUT_RISK = "stockout_risk", "Stock-out risk"
    EXPIRING = "expiring", "Expiring"
    EXCESS = "excess", "Excess"
    OK = "ok", "OK"


class StockPosition(models.Model):
    """One row per SKU and site with what the pages and planners need at a glance (derived,
    refreshed by inventory.services.stock.stock_positions_refresh)."""

    # Indexed by the unique (sku, site), led by sku.
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="positions", db_index=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="positions")
    on_hand = models.IntegerField(default=0, help_text="Released, unexpired units.")
    quarantine = models.IntegerField(default=0)
    on_order = models.IntegerField(default=0)
    allocated = models.IntegerField(default=0)
    backorders = models.IntegerField(default=0)
    in_transit = models.IntegerField(
        default=0, help_text="Units of shipped transfer orders on their way to this site."
    )
    inventory_position = models.IntegerField(
        default=0, help_text="On hand + on order + in transit - backorders - allocated."
    )
    expiring_quantity = models.IntegerField(
        default=0, help_text="Released units expiring within the expiry warning window."
    )
    next_expiry = models.DateField(null=True, blank=True)
    avg_daily_demand = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    days_of_cover = models.DecimalField(max_digits=9, decimal_places=1, null=True, blank=True)
    safety_stock = models.IntegerField(
        null=True,
        blank=True,
        help_text="The current policy's safety stock rounded up, when a policy exists.",
    )
    reorder_point = models.IntegerField(
        null=True,
        blank=True,
        help_text="The current policy's reorder point rounded up, when a policy exists.",
    )
    stockout_date = models.DateField(
        null=True,
        blank=True,
        help_text="The day the stock runs out within the lead time, as the stock-out rule last "
        "projected it (empty when it does not).",
    )
    stock_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    status = models.CharField(max_length=20, choices=StockStatus.choices, default=StockStatus.OK)
    abc_class = models.CharField(max_length=1, blank=True)
    xyz_class = models.CharField(max_length=1, blank=True)
    annual_consumption_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    demand_cv = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    classified_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sku", "site"]
        indexes = [
            models.Index(fields=["status"], name="position_status_idx"),
            models.Index(fields=["site", "status"], name="position_site_status_idx"),
            models.Index(fields=["abc_class", "xyz_class"], name="position_abc_xyz_idx"),
            models.Index(fields=["days_of_cover"], name="position_cover_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_transit__gte=0), name="position_in_transit_not_negative"
            ),
            models.UniqueConstraint(fields=["sku", "site"], name="position_unique_per_sku_site"),
            models.CheckConstraint(
                condition=Q(
                    on_hand__gte=0,
                    quarantine__gte=0,
                    on_order__gte=0,
                    allocated__gte=0,
                    backorders__gte=0,
                ),
                name="position_quantities_not_negative",
            ),
            models.CheckConstraint(
                condition=_in_choices("status", StockStatus), name="position_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(abc_class__in=["", "A", "B", "C"]), name="position_abc_valid"
            ),
            models.CheckConstraint(
                condition=Q(xyz_class__in=["", "X", "Y", "Z"]), name="position_xyz_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.site_id}: {self.on_hand} on hand"


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Checked, waiting for commit"
    REFUSED = "refused", "Refused (errors)"
    COMMITTED = "committed", "Committed"


class ImportBatch(models.Model):
    """The raw layer of an import: the file as uploaded, who sent it, and the result of every
    row. A batch is committed all at once or not at all."""

    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=ImportStatus.choices)
    original_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField()
    rows_total = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text='[{"row": 3, "column": "unit_cost", "message": "..."}]'
    )
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "import batches"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="import_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} import {self.original_name} ({self.get_status_display()})"


class StockMovementKey(models.Model):
    """The idempotency key a system sent with one row of the daily stock feed, the hash of
    that row and the movement it became: the same key again with the same row is answered as
    the first time, with another row it is refused (inventory.services.feed)."""

    id = models.BigAutoField(primary_key=True)
    key = models.CharField(max_length=100, unique=True)
    row_hash = models.CharField(max_length=64, help_text="SHA-256 of the row as first sent.")
    movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, related_name="feed_key"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"feed key {self.key}"


class CycleCountStatus(models.TextChoices):
    OPEN = "open", "Open"
    COUNTED = "counted", "Counted, waiting for approval"
    APPROVED = "approved", "Approved"
    CANCELLED = "cancelled", "Cancelled"


class CycleCountQuerySet(models.QuerySet["CycleCount"]):
    def active(self) -> "CycleCountQuerySet":
        """Counts not yet closed: being counted, or counted and waiting for approval."""
        return self.filter(status__in=[CycleCountStatus.OPEN, CycleCountStatus.COUNTED])


class CycleCount(models.Model):
    """A count of the lots of one site, or of one temperature zone or storage unit there.
    The book quantity of each lot is frozen on its line when the count is created; the counter
    enters what is on the shelf, a second person approves, and each difference becomes one
    adjustment movement (inventory.services.counts)."""

    number = models.CharField(max_length=20, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="cycle_counts")
    zone = models.CharField(
        max_length=20,
        choices=TemperatureZone.choices,
        blank=True,
        help_text="Only the lots of SKUs kept in this zone (blank: every zone).",
    )
    storage_unit = models.ForeignKey(
        StorageUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cycle_counts",
        help_text="Only the lots stored in this unit.",
    )
    status = models.CharField(
        max_length=20, choices=CycleCountStatus.choices, default=CycleCountStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    counted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_reason = models.TextField(blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    objects = CycleCountQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["site", "status"], name="cycle_count_site_status_idx"),
            models.Index(fields=["status", "created_at"], name="cycle_count_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("status", CycleCountStatus), name="cycle_count_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(zone__in=["", *TemperatureZone.values]),
                name="cycle_count_zone_valid",
            ),
            models.CheckConstraint(
                condition=Q(zone="") | Q(storage_unit__isnull=True),
                name="cycle_count_one_scope",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[CycleCountStatus.OPEN, CycleCountStatus.CANCELLED])
                | Q(counted_at__isnull=False),
                name="cycle_count_counted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=CycleCountStatus.APPROVED)
                | (Q(approved_at__isnull=False) & ~Q(approval_reason="")),
                name="cycle_count_approved_has_time_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Cycle count {self.number}"

    @property
    def scope_label(self) -> str:
        if self.storage_unit is not None:
            return f"Storage unit {self.storage_unit.code}"
        if self.zone:
            return self.get_zone_display()
        return "Whole site"


class CycleCountLine(models.Model):
    """One lot on a cycle count: the book quantity frozen when the count was created (never
    shown to the counter), what was counted, and the difference counted - book."""

    count = models.ForeignKey(CycleCount, on_delete=models.PROTECT, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="cycle_count_lines")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    book_quantity = models.IntegerField(help_text="The lot's quantity when the count started.")
    counted_quantity = models.IntegerField(null=True, blank=True)
    difference = models.IntegerField(
        null=True, blank=True, help_text="Counted minus book, once counted."
    )
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    counted_at = models.DateTimeField(null=True, blank=True)
    adjustment = models.OneToOneField(
        StockMovement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cycle_count_line",
        help_text="The adjustment movement the approval posted for the difference.",
    )

    class Meta:
        ordering = ["count", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["count", "lot"], name="cycle_count_line_one_per_lot"),
            models.CheckConstraint(
                condition=Q(book_quantity__gte=0), name="cycle_count_line_book_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(counted_quantity__isnull=True) | Q(counted_quantity__gte=0),
                name="cycle_count_line_counted_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(counted_quantity__isnull=True, difference__isnull=True)
                | Q(
                    counted_quantity__isnull=False,
                    difference=F("counted_quantity") - F("book_quantity"),
                ),
                name="cycle_count_line_difference_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"Line {self.pk} of cycle count {self.count_id}"


class TransferOrderStatus(models.TextChoices):
    OPEN = "open", "Open"
    PICKED = "picked", "Picked"
    SHIPPED = "shipped", "Shipped (in transit)"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


# Before shipping an order can still be picked again or cancelled; after it, only received.
TRANSFER_PICKABLE_STATUSES = (TransferOrderStatus.OPEN, TransferOrderStatus.PICKED)


class TransferOrderQuerySet(models.QuerySet["TransferOrder"]):
    def in_transit(self) -> "TransferOrderQuerySet":
        """Orders shipped and not yet received: their units are on the way."""
        return self.filter(status=TransferOrderStatus.SHIPPED)

    def not_cancelled(self) -> "TransferOrderQuerySet":
        return self.exclude(status=TransferOrderStatus.CANCELLED)


class TransferOrder(models.Model):
    """Stock of one SKU sent from one site to another: picked (lots chosen at the source),
    shipped (the units leave the source and are in transit to the destination), received (they
    arrive in lots of the same number and expiry). Made by hand or from a plan's suggested
    transfer, which lives in the optimization app above this one: it is kept by its ids."""

    number = models.CharField(max_length=40, unique=True)
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="transfer_orders")
    source = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="transfers_out")
    destination = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="transfers_in")
    quantity = models.PositiveIntegerField()
    status = models.CharField(
        max_length=20, choices=TransferOrderStatus.choices, default=TransferOrderStatus.OPEN
    )
    reason = models.TextField(blank=True, help_text="Why the stock moves (or the plan's reason).")
    suggested_transfer_id = models.PositiveIntegerField(
        null=True, blank=True, help_text="The optimization.SuggestedTransfer it was made from."
    )
    plan_run_id = models.PositiveIntegerField(
        null=True, blank=True, help_text="The optimization.PlanRun of that suggestion."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    picked_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = TransferOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "destination"], name="transfer_order_status_idx"),
            models.Index(fields=["created_at"], name="transfer_order_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="transfer_order_quantity_positive"
            ),
            models.CheckConstraint(
                condition=~Q(source=F("destination")), name="transfer_order_two_sites"
            ),
            models.CheckConstraint(
                condition=_in_choices("status", TransferOrderStatus),
                name="transfer_order_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["shipped", "received"]) | Q(shipped_at__isnull=False),
                name="transfer_order_shipped_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="received") | Q(received_at__isnull=False),
                name="transfer_order_received_has_time",
            ),
            # One live order per suggestion; a cancelled one may be made again.
            models.UniqueConstraint(
                fields=["suggested_transfer_id"],
                condition=Q(suggested_transfer_id__isnull=False) & ~Q(status="cancelled"),
                name="transfer_order_one_per_suggestion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.quantity} x {self.sku_id} to site {self.destination_id}"

    @property
    def is_in_transit(self) -> bool:
        return self.status == TransferOrderStatus.SHIPPED


class TransferOrderPick(models.Model):
    """A lot picked at the source for a transfer order, and the lot it arrived in."""

    order = models.ForeignKey(TransferOrder, on_delete=models.PROTECT, related_name="picks")
    source_lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="transfer_picks")
    quantity = models.PositiveIntegerField()
    destination_lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="transfer_arrivals"
    )

    class Meta:
        ordering = ["order", "source_lot__expiry_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="transfer_pick_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["order", "source_lot"], name="transfer_pick_one_per_lot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} from lot {self.source_lot_id} for order {self.order_id}"
