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
4. sizes the reorder point and safety stock (safety_stock) twice, once per review mode:
   - (s, Q) reviewed daily, ordering the smallest multiple n Q that lifts the inventory
     position above s (what planners and the plan run do: they look once a day). The review
     timing is simulate.py's: at the start of a day, after its receipts and before its demand;
     an order placed at the start of day t arrives at the start of day t + L. A daily review is
     a periodic review with R = 1, so the protection period is L + 1 days, not the L of the
     textbook's continuous review (whose formula, sigma_L G(k) = (1 - beta) Q with s = d L +
     k sigma_L, delivers about 88 % for a 95 % target under daily review).
     A fill-rate target beta uses the exact (R, s, nQ) expected shortage with R = 1 (Hadley &
     Whitin): the position after a review is uniform on (s, s + Q], and a day's expected
     shortage is ES(s) = (1/Q) [I(L + 1, s) - I(L, s)] with I(n, s) = sigma_n^2
     (G2((s - mu_n)/sigma_n) - G2((s + Q - mu_n)/sigma_n)), mu_n = d n, sigma_n^2 = n sigma_d^2
     + d^2 sigma_L^2 and G2 the second-order normal loss; s is the smallest value >= d L with
     1 - ES(s) / d >= beta, solved for all SKU-sites at once (safety_stock.
     periodic_review_reorder_point). Q is the order quantity of step 3.
     A cycle-service target alpha uses the protection period L + 1: s = d (L + 1) + z
     sigma_{L+1}, z = Phi^-1(alpha), at least d L. An order placed on day t is the last one
     that can arrive before the order of day t + 1 does, so it must cover days t .. t + L
     (DOMAIN.md's rule for periodic review with R = 1); and the position that triggered it
     has already fallen below s by part of a day's demand (on average about (d^2 +
     sigma_d^2) / (2 d), a day's demand when sigma_d = d, less for steadier demand), which the
     extra day covers: conservative for steady demand (simulated, a 95 % target gives 98 %
     cycles without a stock-out at sigma_d = 0.3 d), about right at sigma_d = d (93.5 % with
     gamma-distributed days, whose skew the normal approximation misses).
     The reported safety stock is SS = s - d L, so that DOMAIN.md's ROP = d L + SS still holds;
     it includes the one-day allowance of daily review.
   - periodic review every R days (R, S), DOMAIN.md's formula: sigma_{L+R} = sqrt((L + R)
     sigma_d^2 + d^2 sigma_L^2); a fill-rate target uses the expected demand per review d R;
     SS_R = max(k_R, 0) sigma_{L+R} and the order-up-to level is S = d (L + R) + SS_R. Checked
     against simulate.py (tests): within a point of its fill rate. Its exact counterpart
     (`periodic_review_fill_rate` with Q = 0) adds back the term E(D_L - S)+ that DOMAIN.md's
     formula leaves out, which is small unless R is short against L; it gives
     `expected_fill_rate_periodic`.
5. reports what the parameters are expected to deliver: `expected_fill_rate` of (s, nQ) reviewed
   daily and `expected_fill_rate_periodic` of (R, S), by the exact formula (normal demand).

Every sigma above may include a forecast level error sigma_b (`demand_level_error_std`,
default 0): forecast errors that persist over the protection period make the demand over P
days vary more than P sigma_d^2 (safety_stock's module docstring); with sigma_b = 0 the
formulas are DOMAIN.md's.

Lead times that vary: the formulas take the demand over one random lead time (d^2 sigma_L^2).
simulate.py draws each order's lead time independently, so orders can overtake each other;
where several orders are outstanding at once (weekly (R, S) orders with lead times of several
weeks) that smooths arrivals and the formulas are conservative (a 95 % (R, S) target delivers
about 98 % with L = 20 +/- 6 days and R = 7); daily (s, nQ) with lots of several weeks is close
(tests).

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

from optimization.engine.lot_sizing import LotSizes, lot_size, shelf_life_cap
from optimization.engine.safety_stock import (
    cycle_service_factor,
    fill_rate_factor,
    periodic_review_fill_rate,
    periodic_review_reorder_point,
    protection_std,
    safety_stock,
)
from optimization.engine.types import DAYS_PER_YEAR, EngineInputError, vector, where

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
      use stock, days;
    - demand_level_error_std sigma_b: standard deviation of the forecast's level error, units
      per day, 0 <= sigma_b <= sigma_d (default 0: daily errors independent; see the
      safety_stock module docstring).
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
    demand_level_error_std: ArrayLike = 0.0


@dataclass(frozen=True)
class Policies:
    """Policy parameters per SKU-site (arrays of shape (n,)) and what they were computed from.

    Service: `service_kind` ("cycle_service" / "fill_rate") and `service_level`.
    Lead time used: `lead_time_mean`, `lead_time_std` (days), `lead_time_imputed` (bool).
    Lot sizing: `annual_demand` (units/year), `order_quantity` (units), `unit_price_paid`,
    `annual_cost` (money/year), `eoq` (unconstrained, base price), `shelf_life_cap` (units,
    inf for none), `lot_reason` (see lot_sizing.LotSizes.reason).
    (s, Q) reviewed daily (see the module docstring, step 4): `reorder_point` s (units),
    `safety_stock` = s - d L (units, >= 0), `lead_time_demand_std` = sigma_L, DOMAIN.md's
    standard deviation of demand over the lead time, sqrt(L sigma_d^2 + d^2 sigma_L^2) with
    any level-error term (units), `safety_factor` = safety_stock / lead_time_demand_std (0
    where that is 0), the k of DOMAIN.md's SS = k sigma that this reorder point amounts to
    (larger than the textbook's continuous-review k for the same target: it pays for the day
    of review and the undershoot), `protection_demand_std` = sigma_{L+1}, the standard
    deviation over the protection period of daily review (units), `expected_fill_rate`, the
    fill rate (s, nQ) delivers by the exact daily-review formula (for every kind of target; 1
    where d = 0).
    Periodic review: `review_demand_std` (units, over L + R), `safety_factor_periodic` (the
    factor applied, max(k_R, 0), so safety_stock_periodic = safety_factor_periodic *
    review_demand_std), `safety_stock_periodic`, `order_up_to` (units),
    `expected_fill_rate_periodic` (by the exact (R, S) formula; 1 where d = 0).
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
    protection_demand_std: np.ndarray
    expected_fill_rate: np.ndarray
    expected_fill_rate_periodic: np.ndarray
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
        demand_level_error_std=vector(
            inputs.demand_level_error_std, n, "Forecast level-error standard deviation", minimum=0.0
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
    """DOMAIN.md's safety factor applied, max(k, 0), for each SKU-site's kind of target."""
    fill = kind == "fill_rate"
    factor = np.empty(level.shape)
    factor[~fill] = cycle_service_factor(level[~fill])
    factor[fill] = fill_rate_factor(level[fill], quantity[fill], sigma[fill])
    return np.maximum(factor, 0.0)


def _daily_reorder_points(
    kind: np.ndarray,
    level: np.ndarray,
    quantity: np.ndarray,
    demand_model: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Reorder points s of (s, nQ) reviewed daily (module docstring, step 4), and sigma_{L+1}.

    `demand_model`: demand_mean, demand_error_std, lead_time_mean, lead_time_std and
    level_error_std, arrays of shape (n,)."""
    demand, lead = demand_model["demand_mean"], demand_model["lead_time_mean"]
    sigma = protection_std(
        demand,
        demand_model["demand_error_std"],
        lead,
        demand_model["lead_time_std"],
        1.0,
        level_error_std=demand_model["level_error_std"],
    )
    fill = kind == "fill_rate"
    cycle = ~fill
    point = np.empty(level.shape)
    point[cycle] = (
        demand[cycle] * (lead[cycle] + 1.0) + cycle_service_factor(level[cycle]) * sigma[cycle]
    )
    point[fill] = periodic_review_reorder_point(
        level[fill], quantity[fill], **{name: value[fill] for name, value in demand_model.items()}
    )
    return np.maximum(point, demand * lead), sigma


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

    level_error = np.asarray(used.demand_level_error_std)
    sigma_lead = protection_std(demand, error, lead, lead_std, level_error_std=level_error)
    demand_model = {
        "demand_mean": demand,
        "demand_error_std": error,
        "lead_time_mean": lead,
        "lead_time_std": lead_std,
        "level_error_std": level_error,
    }
    reorder_point, sigma_daily = _daily_reorder_points(kind, level, lots.quantity, demand_model)
    stock = np.maximum(reorder_point - demand * lead, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(sigma_lead > 0, stock / sigma_lead, 0.0)
    expected = periodic_review_fill_rate(reorder_point, lots.quantity, **demand_model)

    sigma_review = protection_std(
        demand, error, lead, lead_std, review, level_error_std=level_error
    )
    factor_review = _factors(kind, level, demand * review, sigma_review)
    stock_review = safety_stock(factor_review, sigma_review)
    order_up_to = demand * (lead + review) + stock_review
    expected_review = periodic_review_fill_rate(
        order_up_to, 0.0, review_period=review, **demand_model
    )

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
        order_up_to=order_up_to,
        protection_demand_std=sigma_daily,
        expected_fill_rate=expected,
        expected_fill_rate_periodic=expected_review,
        inputs=used,
        config=config,
    )
