"""Replenishment policy parameters for every SKU-site at once, from service targets.

For each SKU-site the engine

1. looks up its service target in a `ServiceMatrix`: (ABC class, XYZ class, criticality) ->
   (kind, level), the kind being a cycle service level or a fill rate;
2. fills in missing lead-time data: a missing lead-time standard deviation becomes
   `missing_lead_time_cv` * lead time (a rule of thumb until receipts give a measured one); a
   missing lead time becomes `default_lead_time_days` if the configuration has one, and is
   refused otherwise (a reorder point cannot be computed without one). Both are flagged in
   `lead_time_imputed`;
3. sizes the order (lot_sizing.lot_size): annual demand D = 365 * d, EOQ with MOQ, order
   multiple, all-units price breaks and the shelf-life cap d * max(R - U, 0);
4. sizes safety stock (safety_stock) twice, once per review mode:
   - continuous review (s, Q): sigma_L = sqrt(L sigma_d^2 + d^2 sigma_L^2); a fill-rate target
     uses the order quantity Q of step 3; SS = max(k, 0) sigma_L and the reorder point is
     s = d L + SS;
   - periodic review every R days (R, S): sigma_{L+R} = sqrt((L + R) sigma_d^2 + d^2 sigma_L^2);
     a fill-rate target uses the expected demand per review d R; SS_R = max(k_R, 0) sigma_{L+R}
     and the order-up-to level is S = d (L + R) + SS_R.

Units: d and sigma_d in units per day (sigma_d is the standard deviation of the daily
forecast error), L, sigma_L, R and shelf lives in days, prices in money per unit, order costs
in money per order, holding rates per year, quantities in units, annual costs in money per
year.

Default service targets (`DEFAULT_SERVICE_MATRIX`). Fill rates, because they measure what a
ward sees (units served from stock), except where the normal approximation behind the
fill-rate formula is weakest and a stock-out hurts most: critical SKU-sites with erratic (Z)
or not yet classified demand get a 99 % cycle service level, which holds more stock for
lumpy demand. Otherwise, by criticality, ABC (rows) and XYZ (X, Y, Z):

    critical  A, B: 99 %          C: 99.5 %
    high      A: 98 / 97 / 96 %   B: 98 / 97 / 96 %   C: 99 / 98 / 98 %
    medium    A: 96 / 95 / 93 %   B: 97 / 96 / 94 %   C: 98 / 97 / 95 %
    low       A: 93 / 92 / 90 %   B: 94 / 93 / 91 %   C: 95 / 94 / 92 %
    unclassified (no ABC or XYZ yet): high 97 %, medium 95 %, low 92 %

C items are cheap, so a higher target costs little; Z items need steeply more stock per point
of service, so their targets are a little lower (never for critical items). The matrix is
configuration: pass another `ServiceMatrix` to `compute_policies`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Literal

import numpy as np

from .lot_sizing import LotSizes, lot_size, shelf_life_cap
from .safety_stock import (
    cycle_service_factor,
    fill_rate_factor,
    protection_std,
    safety_stock,
)
from .types import DAYS_PER_YEAR, EngineInputError, vector, where

ServiceKind = Literal["cycle_service", "fill_rate"]
SERVICE_KINDS: tuple[str, ...] = ("cycle_service", "fill_rate")
ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")
CRITICALITIES = ("critical", "high", "medium", "low")
UNCLASSIFIED = ""

ArrayLike = np.ndarray | float | int
Key = tuple[str, str, str]


@dataclass(frozen=True)
class ServiceTarget:
    """A service target: a cycle service level (probability of no stock-out per replenishment
    cycle) or a fill rate (share of demand served from stock), strictly between 0 and 1."""

    kind: ServiceKind
    level: float

    def __post_init__(self) -> None:
        if self.kind not in SERVICE_KINDS:
            raise EngineInputError(
                f"A service target is a {' or a '.join(SERVICE_KINDS)}, not {self.kind!r}."
            )
        if not 0.0 < float(self.level) < 1.0:
            raise EngineInputError(
                f"A service level must be strictly between 0 and 1, not {self.level}."
            )


@dataclass(frozen=True)
class ServiceMatrix:
    """Service targets by (ABC class, XYZ class, criticality).

    A SKU-site without an ABC or an XYZ class ("") is looked up as ("", "", criticality)."""

    targets: Mapping[Key, ServiceTarget]

    def lookup(
        self, abc: np.ndarray, xyz: np.ndarray, criticality: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Kinds (str) and levels (float) for arrays of classes of shape (n,)."""
        abc = np.asarray(abc, dtype=str)
        xyz = np.asarray(xyz, dtype=str)
        unclassified = (abc == UNCLASSIFIED) | (xyz == UNCLASSIFIED)
        abc = np.where(unclassified, UNCLASSIFIED, abc)
        xyz = np.where(unclassified, UNCLASSIFIED, xyz)
        keys = np.char.add(np.char.add(np.char.add(abc, "|"), np.char.add(xyz, "|")), criticality)
        unique, inverse = np.unique(keys, return_inverse=True)
        kinds, levels, missing = [], [], []
        for key in unique.tolist():
            a, x, c = key.split("|")
            target = self.targets.get((a, x, c))
            if target is None:
                missing.append((a, x, c))
                continue
            kinds.append(target.kind)
            levels.append(float(target.level))
        if missing:
            shown = ", ".join(str(key) for key in missing[:3])
            raise EngineInputError(
                f"The service matrix has no target for {len(missing)} class combination(s): "
                f"{shown} (ABC, XYZ, criticality)."
            )
        return np.array(kinds, dtype="<U13")[inverse], np.array(levels)[inverse]


def _default_targets() -> dict[Key, ServiceTarget]:
    fill_rates = {  # criticality -> ABC -> (X, Y, Z)
        "critical": {"A": (0.99, 0.99, 0.99), "B": (0.99, 0.99, 0.99), "C": (0.995,) * 3},
        "high": {"A": (0.98, 0.97, 0.96), "B": (0.98, 0.97, 0.96), "C": (0.99, 0.98, 0.98)},
        "medium": {"A": (0.96, 0.95, 0.93), "B": (0.97, 0.96, 0.94), "C": (0.98, 0.97, 0.95)},
        "low": {"A": (0.93, 0.92, 0.90), "B": (0.94, 0.93, 0.91), "C": (0.95, 0.94, 0.92)},
    }
    targets: dict[Key, ServiceTarget] = {}
    for criticality, rows in fill_rates.items():
        for abc, levels in rows.items():
            for xyz, level in zip(XYZ_CLASSES, levels, strict=True):
                targets[(abc, xyz, criticality)] = ServiceTarget("fill_rate", level)
        if criticality == "critical":
            for abc in ABC_CLASSES:
                targets[(abc, "Z", criticality)] = ServiceTarget("cycle_service", 0.99)
    unclassified = {
        "critical": ServiceTarget("cycle_service", 0.99),
        "high": ServiceTarget("fill_rate", 0.97),
        "medium": ServiceTarget("fill_rate", 0.95),
        "low": ServiceTarget("fill_rate", 0.92),
    }
    for criticality, target in unclassified.items():
        targets[(UNCLASSIFIED, UNCLASSIFIED, criticality)] = target
    return targets


DEFAULT_SERVICE_MATRIX = ServiceMatrix(_default_targets())


@dataclass(frozen=True)
class PolicyConfig:
    """How missing lead-time data is filled in, and the service matrix."""

    missing_lead_time_cv: float = 0.3
    default_lead_time_days: float | None = None
    matrix: ServiceMatrix = field(default=DEFAULT_SERVICE_MATRIX)

    def __post_init__(self) -> None:
        if not (np.isfinite(self.missing_lead_time_cv) and self.missing_lead_time_cv >= 0):
            raise EngineInputError("missing_lead_time_cv must be a finite number >= 0.")
        default = self.default_lead_time_days
        if default is not None and not (np.isfinite(default) and default >= 0):
            raise EngineInputError("default_lead_time_days must be a finite number >= 0.")


@dataclass(frozen=True)
class PolicyInputs:
    """What the engine needs per SKU-site; each field is an array of shape (n,) or a scalar
    for all (n comes from `demand_mean`).

    - demand_mean d: forecast demand, units per day (>= 0);
    - demand_error_std sigma_d: standard deviation of the daily forecast error, units per day;
    - lead_time_mean L, lead_time_std sigma_L: days (NaN = missing, see the module docstring);
    - review_period R: days between reviews under periodic review (> 0);
    - unit_price: base price p_0, money per unit (> 0); order_cost: money per order (>= 0);
    - abc, xyz, criticality: the classes the service matrix is keyed by (str);
    - holding_rate: per year (> 0), so a unit held a year costs holding_rate * price;
    - moq, order_multiple: units; break_quantities, break_prices: (n, K) NaN-padded all-units
      price breaks (None: no breaks);
    - remaining_life_days: shelf life left when a lot arrives, days (NaN or inf: not
      perishable); min_usable_life_days: remaining life below which the destination cannot
      use stock, days.
    """

    demand_mean: ArrayLike
    demand_error_std: ArrayLike
    lead_time_mean: ArrayLike
    lead_time_std: ArrayLike
    review_period: ArrayLike
    unit_price: ArrayLike
    order_cost: ArrayLike
    abc: np.ndarray | str
    xyz: np.ndarray | str
    criticality: np.ndarray | str
    holding_rate: ArrayLike = 0.25
    moq: ArrayLike = 1.0
    order_multiple: ArrayLike = 1.0
    break_quantities: np.ndarray | None = None
    break_prices: np.ndarray | None = None
    remaining_life_days: ArrayLike = np.inf
    min_usable_life_days: ArrayLike = 0.0


@dataclass(frozen=True)
class Policies:
    """Policy parameters per SKU-site (arrays of shape (n,)) and what they were computed from.

    Service: `service_kind` ("cycle_service" / "fill_rate") and `service_level`.
    Lead time used: `lead_time_mean`, `lead_time_std` (days), `lead_time_imputed` (bool).
    Lot sizing: `annual_demand` (units/year), `order_quantity` (units), `unit_price_paid`,
    `annual_cost` (money/year), `eoq` (unconstrained, base price), `shelf_life_cap` (units,
    inf for none), `lot_reason` (see lot_sizing.LotSizes.reason).
    Continuous review: `lead_time_demand_std` (units), `safety_factor` (the factor applied,
    max(k, 0), so safety_stock = safety_factor * lead_time_demand_std), `safety_stock`,
    `reorder_point` (units).
    Periodic review: `review_demand_std` (units, over L + R), `safety_factor_periodic`,
    `safety_stock_periodic`, `order_up_to` (units).
    `inputs` holds the validated inputs (broadcast to (n,)) and `config` the configuration, so
    a caller can store what produced the parameters.
    """

    service_kind: np.ndarray
    service_level: np.ndarray
    lead_time_mean: np.ndarray
    lead_time_std: np.ndarray
    lead_time_imputed: np.ndarray
    annual_demand: np.ndarray
    order_quantity: np.ndarray
    unit_price_paid: np.ndarray
    annual_cost: np.ndarray
    eoq: np.ndarray
    shelf_life_cap: np.ndarray
    lot_reason: np.ndarray
    lead_time_demand_std: np.ndarray
    safety_factor: np.ndarray
    safety_stock: np.ndarray
    reorder_point: np.ndarray
    review_demand_std: np.ndarray
    safety_factor_periodic: np.ndarray
    safety_stock_periodic: np.ndarray
    order_up_to: np.ndarray
    inputs: PolicyInputs
    config: PolicyConfig

    def columns(self) -> dict[str, np.ndarray]:
        """The per-SKU-site outputs by name (everything except `inputs` and `config`)."""
        return {
            item.name: getattr(self, item.name)
            for item in fields(self)
            if item.name not in ("inputs", "config")
        }


def _labels(value: object, n: int, name: str) -> np.ndarray:
    array = np.asarray(value, dtype=str)
    if array.ndim > 1:
        raise EngineInputError(f"{name} must be a label or one label per SKU-site.")
    try:
        return np.broadcast_to(array, (n,)).copy()
    except ValueError as error:
        raise EngineInputError(
            f"{name} must be a label or one label per SKU-site ({n}), not {array.size}."
        ) from error


def _validated(inputs: PolicyInputs) -> PolicyInputs:
    demand = np.asarray(inputs.demand_mean, dtype=np.float64)
    if demand.ndim != 1:
        raise EngineInputError("demand_mean must be a 1-D array, one value per SKU-site.")
    n = demand.size
    return PolicyInputs(
        demand_mean=vector(demand, n, "Demand mean", minimum=0.0),
        demand_error_std=vector(
            inputs.demand_error_std, n, "Demand forecast-error standard deviation", minimum=0.0
        ),
        lead_time_mean=vector(inputs.lead_time_mean, n, "Lead time", minimum=0.0, allow_nan=True),
        lead_time_std=vector(
            inputs.lead_time_std, n, "Lead-time standard deviation", minimum=0.0, allow_nan=True
        ),
        review_period=vector(inputs.review_period, n, "Review period", above=0.0),
        unit_price=vector(inputs.unit_price, n, "Unit price", above=0.0),
        order_cost=vector(inputs.order_cost, n, "Order cost", minimum=0.0),
        abc=_labels(inputs.abc, n, "ABC class"),
        xyz=_labels(inputs.xyz, n, "XYZ class"),
        criticality=_labels(inputs.criticality, n, "Criticality"),
        holding_rate=vector(inputs.holding_rate, n, "Holding rate", above=0.0),
        moq=vector(inputs.moq, n, "Minimum order quantity", minimum=0.0),
        order_multiple=vector(inputs.order_multiple, n, "Order multiple", above=0.0),
        break_quantities=inputs.break_quantities,
        break_prices=inputs.break_prices,
        remaining_life_days=vector(
            inputs.remaining_life_days,
            n,
            "Remaining shelf life",
            minimum=0.0,
            allow_nan=True,
            allow_inf=True,
        ),
        min_usable_life_days=vector(
            inputs.min_usable_life_days, n, "Minimum usable remaining life", minimum=0.0
        ),
    )


def _lead_times(
    mean: np.ndarray, std: np.ndarray, config: PolicyConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    missing_mean = np.isnan(mean)
    if missing_mean.any() and config.default_lead_time_days is None:
        raise EngineInputError(
            f"The lead time is missing {where(missing_mean)} and the configuration has no "
            "default lead time; give one (default_lead_time_days) or the supplier's lead time."
        )
    used_mean = np.where(missing_mean, config.default_lead_time_days or 0.0, mean)
    missing_std = np.isnan(std)
    used_std = np.where(missing_std, config.missing_lead_time_cv * used_mean, std)
    return used_mean, used_std, missing_mean | missing_std


def _factors(
    kind: np.ndarray, level: np.ndarray, quantity: np.ndarray, sigma: np.ndarray
) -> np.ndarray:
    """The safety factor applied, max(k, 0), for each SKU-site's kind of target."""
    fill = kind == "fill_rate"
    factor = np.empty(level.shape)
    factor[~fill] = cycle_service_factor(level[~fill])
    factor[fill] = fill_rate_factor(level[fill], quantity[fill], sigma[fill])
    return np.maximum(factor, 0.0)


def compute_policies(inputs: PolicyInputs, config: PolicyConfig | None = None) -> Policies:
    """Policy parameters for every SKU-site (see the module docstring)."""
    config = config or PolicyConfig()
    used = _validated(inputs)
    demand = np.asarray(used.demand_mean)
    error = np.asarray(used.demand_error_std)
    review = np.asarray(used.review_period)
    kind, level = config.matrix.lookup(
        np.asarray(used.abc), np.asarray(used.xyz), np.asarray(used.criticality)
    )
    lead, lead_std, imputed = _lead_times(
        np.asarray(used.lead_time_mean), np.asarray(used.lead_time_std), config
    )

    annual = demand * DAYS_PER_YEAR
    cap = shelf_life_cap(demand, used.remaining_life_days, used.min_usable_life_days)
    lots: LotSizes = lot_size(
        annual,
        used.order_cost,
        used.unit_price,
        used.holding_rate,
        moq=used.moq,
        order_multiple=used.order_multiple,
        break_quantities=used.break_quantities,
        break_prices=used.break_prices,
        cap=cap,
    )

    sigma_lead = protection_std(demand, error, lead, lead_std)
    factor = _factors(kind, level, lots.quantity, sigma_lead)
    stock = safety_stock(factor, sigma_lead)

    sigma_review = protection_std(demand, error, lead, lead_std, review)
    factor_review = _factors(kind, level, demand * review, sigma_review)
    stock_review = safety_stock(factor_review, sigma_review)

    return Policies(
        service_kind=kind,
        service_level=level,
        lead_time_mean=lead,
        lead_time_std=lead_std,
        lead_time_imputed=imputed,
        annual_demand=annual,
        order_quantity=lots.quantity,
        unit_price_paid=lots.unit_price,
        annual_cost=lots.annual_cost,
        eoq=lots.eoq,
        shelf_life_cap=lots.cap,
        lot_reason=lots.reason,
        lead_time_demand_std=sigma_lead,
        safety_factor=factor,
        safety_stock=stock,
        reorder_point=demand * lead + stock,
        review_demand_std=sigma_review,
        safety_factor_periodic=factor_review,
        safety_stock_periodic=stock_review,
        order_up_to=demand * (lead + review) + stock_review,
        inputs=used,
        config=config,
    )
