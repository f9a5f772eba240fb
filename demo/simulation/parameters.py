"""Every knob of the world simulator in one frozen dataclass, with its default and unit.

Pure values: no Django, so the world module (demo.simulation.world) and its unit tests use
them as they are. Probabilities are per event (per order, per notice line, per lot), rates per
year, durations in days."""

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class PlannerMode(StrEnum):
    """How the simulation's planners decide the plan's suggested orders.

    ALL: the first planner approves every suggestion due today; orders above the approval
    limit get the second planner's signature the same day, so everything due is ordered.
    LIMITS: the first planner approves within the limit and signs first above it; the second
    planner completes those four-eyes approvals on the next day's round (a day's review)."""

    ALL = "all"
    LIMITS = "limits"


class PolicyMethod(StrEnum):
    """How the simulated nights size the replenishment policies, for the whole run
    (optimization.services.policies.policies_refresh): OPTIMIZED, the product's policies from
    the published forecast; TEXTBOOK, the baseline rule (safety stock z * sqrt(L) * sigma of the
    trailing year's raw demand, plain EOQ), so the same world can be run both ways."""

    OPTIMIZED = "optimized"
    TEXTBOOK = "textbook"


# Category -> (amplitude, peak day of the year) of the yearly season, a multiplier of
# 1 + amplitude * cos(2 pi (day of year - peak) / 365.25). Vaccines peak in mid-October (flu
# campaigns), small molecules in winter (respiratory season); the rest barely move.
DEFAULT_SEASONS: dict[str, tuple[float, int]] = {
    "vaccine": (0.45, 288),
    "biologic": (0.05, 15),
    "small_molecule": (0.15, 20),
    "oncology": (0.03, 15),
    "specialty": (0.08, 30),
}

# Monday .. Sunday demand multipliers at a hospital or pharmacy (mean 1.0): clinics and
# elective care run on weekdays.
DEFAULT_WEEKDAY_PATTERN: tuple[float, ...] = (1.12, 1.10, 1.06, 1.05, 1.02, 0.88, 0.77)


@dataclass(frozen=True)
class SimulationParameters:
    seed: int = 1
    planner: PlannerMode = PlannerMode.ALL
    leave_last_plan: bool = False
    """On the last simulated day the planners do not act, so the night's plan waits for a
    person (the demo starts this way: a plan to review and approve on first sign-in)."""
    policy_method: PolicyMethod = PolicyMethod.OPTIMIZED
    """The policy method of every simulated night (the night's policies step is handed it;
    the deployment's setting OPTIMIZATION_POLICY_METHOD is not read)."""
    forecast_every_days: int = 7
    """The forecast runs on every K-th simulated day (the first included); other nights
    reuse the published forecast and recompute everything downstream of it (positions, lead
    times, policies, plan, alerts, overview). A forecast is the night's most expensive step and
    a weekly refit is what most planning teams run; policies and the plan must see each day's
    stock, so they run nightly."""

    # ---- demand ---------------------------------------------------------------------------
    level_window_days: int = 91
    """The true level of a SKU-site is the mean of its recorded DailyDemand over this many days
    before the first simulated day (units per day), so any world, an imported one too, works."""
    weekday_pattern: tuple[float, ...] = DEFAULT_WEEKDAY_PATTERN
    seasons: dict[str, tuple[float, int]] = field(default_factory=lambda: dict(DEFAULT_SEASONS))
    trend_sd_per_year: float = 0.08
    """Each SKU-site drifts by a slope drawn once from N(0, sd) per year (relative to its level;
    the multiplier never drops below 0.2)."""
    dispersion: float = 4.0
    """Shape r of the negative-binomial noise: variance = mean + mean^2 / r."""
    outbreak_weekly_probability: float = 0.004
    """Per region, category and week: an outbreak starts, multiplying that region's demand of
    the category by 1.5-3.0 for 2-6 weeks."""
    launch_probability_per_year: float = 0.05
    """Per SKU and year: the SKU starts being demanded at one more hospital/pharmacy site
    (at 30-80 % of its level where it is demanded now), ramping up over 4 weeks."""
    discontinuation_probability_per_year: float = 0.03
    """Per SKU-site and year: its demand fades out linearly over 8 weeks, then stays at zero."""

    # ---- suppliers ------------------------------------------------------------------------
    lead_time_factor_range: tuple[float, float] = (0.85, 1.25)
    """A supplier's actual mean lead time relative to the terms' mean (drawn per supplier)."""
    lead_time_cv_range: tuple[float, float] = (0.05, 0.25)
    """A supplier's lead-time spread, as a share of the terms' mean (drawn per supplier)."""
    late_probability_range: tuple[float, float] = (0.02, 0.20)
    """Per order: the shipment leaves 3-12 days later than planned."""
    partial_probability_range: tuple[float, float] = (0.03, 0.15)
    """Per order: it ships in two notices, the first with 40-80 % of every line."""
    rejection_probability_range: tuple[float, float] = (0.005, 0.04)
    """Per received notice line: quality at the dock rejects 5-30 % of its units."""
    delivery_days_range: tuple[int, int] = (1, 3)
    """Days a shipment travels from dispatch to the dock (part of the lead time)."""
    acknowledge_days_range: tuple[int, int] = (1, 3)
    """Days after an order is sent before its supplier acknowledges and confirms it (drawn
    per supplier, both ends included); nothing ships before that."""
    shelf_life_at_dispatch_range: tuple[float, float] = (0.70, 0.95)
    """Share of the SKU's shelf life a lot still has when it is shipped."""

    # ---- quality --------------------------------------------------------------------------
    release_delay_days_range: tuple[int, int] = (1, 3)
    """Days a quarantined lot waits for quality's decision after it was received."""
    lot_rejection_probability: float = 0.01
    """Per lot in quarantine: quality rejects it instead of releasing it."""

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["planner"] = str(self.planner)
        values["policy_method"] = str(self.policy_method)
        return values

    def validate(self) -> None:
        if self.forecast_every_days < 1:
            raise ValueError("The forecast runs every 1 or more days.")
        low, high = self.acknowledge_days_range
        if not 0 <= low <= high:
            raise ValueError("Suppliers acknowledge 0 or more days after an order is sent.")
        if self.level_window_days < 7:
            raise ValueError("The level is read over at least 7 days of history.")
        if len(self.weekday_pattern) != 7:
            raise ValueError("The weekday pattern has one multiplier per weekday (7).")
        if self.dispersion <= 0:
            raise ValueError("The negative-binomial dispersion is above zero.")
        if self.seed < 0:
            raise ValueError("The seed is 0 or more.")
        if self.policy_method not in set(PolicyMethod):
            raise ValueError(
                f"Unknown policy method {self.policy_method!r}: use one of "
                f"{', '.join(PolicyMethod)}."
            )


def parameters_from_dict(values: dict[str, Any]) -> SimulationParameters:
    """The parameters stored with a run (JSON: lists where the dataclass has tuples)."""
    known = {name: value for name, value in values.items() if name in _FIELDS}
    for name, value in known.items():
        if isinstance(value, list):
            known[name] = tuple(value)
    if "seasons" in known:
        known["seasons"] = {key: tuple(value) for key, value in known["seasons"].items()}
    if "planner" in known:
        known["planner"] = PlannerMode(known["planner"])
    if "policy_method" in known:
        known["policy_method"] = PolicyMethod(known["policy_method"])
    return SimulationParameters(**known)


_FIELDS = set(SimulationParameters.__dataclass_fields__)
