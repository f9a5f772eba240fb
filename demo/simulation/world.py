"""The hidden world the product cannot see: what patients ask for and how suppliers behave.

Pure numpy, no Django, no clock: the caller passes the seed, the day and the facts read from
the database. Every draw comes from its own generator seeded with the run's seed, a stream
number and the thing drawn for (a day, a SKU-site, an order number, a lot), so a day's draw
never depends on how many days ran before it, nor on which other SKU-sites exist.

Demand of one SKU-site on day t (units):

    mean(t) = level * weekday(t) * season(category, t) * trend(t) * outbreak(region, cat, t)
              * life(t)
    asked(t) ~ NegativeBinomial(mean(t), r)        variance = mean + mean^2 / r

- level: the SKU-site's recorded mean daily demand over the window before the first
  simulated day (the caller reads it; a launched SKU-site borrows a share of its SKU's level).
- weekday: a fixed Monday..Sunday pattern of mean 1.
- season: 1 + a * cos(2 pi (day of year - peak) / 365.25), by category. The recorded level
  already holds the season of its window, so the world's season is a modelled shape on top of
  it, not a decomposition of the history.
- trend: 1 + g * (t - origin) / 365 with g ~ N(0, sd) drawn once per SKU-site, at least 0.2.
- outbreak: per region, category and ISO week, an outbreak starts with a small probability
  and multiplies the region's demand of that category for 2-6 weeks (the largest wins when
  two overlap).
- life: launches ramp up over 4 weeks from their start day; discontinuations fade linearly to
  zero over 8 weeks and stay there. Their days are drawn once per SKU (launch) or SKU-site
  (discontinuation) as offsets from the origin (the run's first simulated day).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from demo.simulation.parameters import SimulationParameters

# Random streams: one per kind of draw, so kinds never share numbers.
STREAM_DEMAND = 1
STREAM_TREND = 2
STREAM_OUTBREAK = 3
STREAM_LAUNCH = 4
STREAM_DISCONTINUATION = 5
STREAM_SUPPLIER = 6
STREAM_ORDER = 7
STREAM_RECEIPT = 8
STREAM_LOT = 9
STREAM_QUALITY = 10

LAUNCH_RAMP_DAYS = 28
FADE_DAYS = 56
OUTBREAK_LONGEST_WEEKS = 6


def stable_key(text: str) -> int:
    """A 64-bit number for a text that is the same in every process (Python's hash is not)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def rng(seed: int, stream: int, *keys: int | str) -> np.random.Generator:
    """The generator of one draw: seeded with the run's seed, the stream and the keys (texts
    go through stable_key)."""
    entropy = [seed, stream, *(stable_key(k) if isinstance(k, str) else k for k in keys)]
    return np.random.default_rng(entropy)


# ---- demand ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One demanded SKU-site as the world sees it."""

    sku: str  # SKU code
    site: str  # site code
    category: str
    region: str
    level: float  # units per day

    @property
    def key(self) -> str:
        return f"{self.sku}@{self.site}"


@dataclass(frozen=True)
class Launch:
    """A SKU starting to be demanded at another site on `day`."""

    sku: str
    site: str
    day: date
    share: float  # of the SKU's level where it is demanded already


def weekday_factor(day: date, params: SimulationParameters) -> float:
    return params.weekday_pattern[day.weekday()]


def season_factor(category: str, day: date, params: SimulationParameters) -> float:
    amplitude, peak = params.seasons.get(category, (0.0, 1))
    angle = 2 * math.pi * (day.timetuple().tm_yday - peak) / 365.25
    return 1.0 + amplitude * math.cos(angle)


@lru_cache(maxsize=100_000)
def _trend_slope(seed: int, series_key: str, sd: float) -> float:
    return float(rng(seed, STREAM_TREND, series_key).normal(0.0, sd))


def trend_factor(series_key: str, day: date, origin: date, params: SimulationParameters) -> float:
    slope = _trend_slope(params.seed, series_key, params.trend_sd_per_year)
    return max(0.2, 1.0 + slope * (day - origin).days / 365.0)


@lru_cache(maxsize=100_000)
def _outbreak_started(
    seed: int, region: str, category: str, monday: int, probability: float
) -> tuple[int, float] | None:
    """(weeks, strength) of an outbreak starting on the Monday with this ordinal, if any."""
    draw = rng(seed, STREAM_OUTBREAK, region, category, monday)
    if draw.random() >= probability:
        return None
    return int(draw.integers(2, OUTBREAK_LONGEST_WEEKS + 1)), float(draw.uniform(1.5, 3.0))


def outbreak_factor(region: str, category: str, day: date, params: SimulationParameters) -> float:
    """The multiplier of outbreaks under way on `day` in `region` for `category` (1.0: none).
    An outbreak starting in ISO week w runs for its drawn number of weeks from that Monday."""
    week_start = day - timedelta(days=day.weekday())
    factor = 1.0
    for back in range(OUTBREAK_LONGEST_WEEKS):
        monday = (week_start - timedelta(weeks=back)).toordinal()
        started = _outbreak_started(
            params.seed, region, category, monday, params.outbreak_weekly_probability
        )
        if started is not None and back < started[0]:
            factor = max(factor, started[1])
    return factor


def _event_offset(draw: np.random.Generator, probability_per_year: float) -> int | None:
    """Days after the origin of an event that happens at `probability_per_year` (None: not
    within the next ten years; the first year's probability is the one given)."""
    rate = -math.log(1.0 - min(probability_per_year, 0.999))  # events per year
    years = draw.exponential(1.0 / rate) if rate > 0 else math.inf
    return None if years > 10 else int(years * 365)


@lru_cache(maxsize=100_000)
def _discontinuation_offset(seed: int, series_key: str, probability: float) -> int | None:
    return _event_offset(rng(seed, STREAM_DISCONTINUATION, series_key), probability)


def discontinuation_day(series_key: str, origin: date, params: SimulationParameters) -> date | None:
    offset = _discontinuation_offset(
        params.seed, series_key, params.discontinuation_probability_per_year
    )
    return None if offset is None else origin + timedelta(days=offset)


def life_factor(series_key: str, day: date, origin: date, params: SimulationParameters) -> float:
    """1.0 for a living SKU-site; fading to 0 over FADE_DAYS from its discontinuation day."""
    fade_from = discontinuation_day(series_key, origin, params)
    if fade_from is None or day < fade_from:
        return 1.0
    return max(0.0, 1.0 - (day - fade_from).days / FADE_DAYS)


def launches(
    skus: Sequence[str],
    candidate_sites: Sequence[str],
    demanded_at: dict[str, set[str]],
    origin: date,
    params: SimulationParameters,
) -> list[Launch]:
    """The launches of the world anchored at `origin`: per SKU at most one, at a candidate
    site where it is not demanded yet (chosen by the draw, in code order), on its drawn day."""
    found = []
    sites = sorted(candidate_sites)
    for sku in sorted(skus):
        draw = rng(params.seed, STREAM_LAUNCH, sku)
        offset = _event_offset(draw, params.launch_probability_per_year)
        free = [site for site in sites if site not in demanded_at.get(sku, set())]
        if offset is None or not free:
            continue
        site = free[int(draw.integers(0, len(free)))]
        found.append(Launch(sku, site, origin + timedelta(days=offset), draw.uniform(0.3, 0.8)))
    return found


def launch_ramp(launch: Launch, day: date) -> float:
    """0 before the launch day, then rising linearly to 1 over LAUNCH_RAMP_DAYS."""
    if day < launch.day:
        return 0.0
    return min(1.0, ((day - launch.day).days + 1) / LAUNCH_RAMP_DAYS)


def expected_demand(series: Series, day: date, origin: date, params: SimulationParameters) -> float:
    """The mean of the day's demand of one SKU-site (units), before noise."""
    return (
        series.level
        * weekday_factor(day, params)
        * season_factor(series.category, day, params)
        * trend_factor(series.key, day, origin, params)
        * outbreak_factor(series.region, series.category, day, params)
        * life_factor(series.key, day, origin, params)
    )


def negative_binomial(draw: np.random.Generator, mean: float, dispersion: float) -> int:
    """Units asked: NB with this mean and shape (0 when the mean is 0)."""
    if mean <= 0:
        return 0
    return int(draw.negative_binomial(dispersion, dispersion / (dispersion + mean)))


def demand_draw(
    series: Sequence[Series], day: date, origin: date, params: SimulationParameters
) -> np.ndarray:
    """Units asked on `day` per series (same order), each from its own (seed, day, SKU-site)
    generator."""
    asked = np.zeros(len(series), dtype=np.int64)
    for index, one in enumerate(series):
        mean = expected_demand(one, day, origin, params)
        draw = rng(params.seed, STREAM_DEMAND, day.toordinal(), one.key)
        asked[index] = negative_binomial(draw, mean, params.dispersion)
    return asked


# ---- suppliers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplierBehaviour:
    """How one supplier really delivers (the product sees only the results)."""

    lead_time_factor: float  # actual mean lead time / the terms' mean
    lead_time_cv: float  # spread of the lead time, share of the terms' mean
    late_probability: float  # per order
    partial_probability: float  # per order: two notices
    rejection_probability: float  # per received notice line
    acknowledge_days: int = 1  # days after sending before the order is acknowledged


def supplier_behaviour(supplier: str, params: SimulationParameters) -> SupplierBehaviour:
    draw = rng(params.seed, STREAM_SUPPLIER, supplier)
    return SupplierBehaviour(
        lead_time_factor=float(draw.uniform(*params.lead_time_factor_range)),
        lead_time_cv=float(draw.uniform(*params.lead_time_cv_range)),
        late_probability=float(draw.uniform(*params.late_probability_range)),
        partial_probability=float(draw.uniform(*params.partial_probability_range)),
        rejection_probability=float(draw.uniform(*params.rejection_probability_range)),
        acknowledge_days=int(
            draw.integers(params.acknowledge_days_range[0], params.acknowledge_days_range[1] + 1)
        ),
    )


@dataclass(frozen=True)
class Shipment:
    """One shipment of an order: dispatched `dispatch_after` days after the order was sent,
    `delivery_days` on the road, carrying `share` of what is open on every line (the last
    shipment carries the rest)."""

    index: int  # 1, 2, ...
    dispatch_after: int
    delivery_days: int
    share: float


def order_shipments(
    order_number: str,
    lead_time_mean: float,
    lead_time_std: float,
    behaviour: SupplierBehaviour,
    params: SimulationParameters,
) -> list[Shipment]:
    """The shipments of one order: total lead time (days from sent to the dock) drawn around
    the terms' mean with the terms' and the supplier's spread, later by 3-12 days when the order
    is late, split in two notices when it is partial."""
    draw = rng(params.seed, STREAM_ORDER, order_number)
    mean = max(1.0, lead_time_mean) * behaviour.lead_time_factor
    spread = math.hypot(lead_time_std, behaviour.lead_time_cv * lead_time_mean)
    lead_time = max(1, round(draw.normal(mean, spread)))
    if draw.random() < behaviour.late_probability:
        lead_time += int(draw.integers(3, 13))
    low, high = params.delivery_days_range
    delivery = min(int(draw.integers(low, high + 1)), lead_time)
    dispatch = lead_time - delivery
    if draw.random() < behaviour.partial_probability:
        first_share = float(draw.uniform(0.4, 0.8))
        later = dispatch + int(draw.integers(5, 16))
        return [Shipment(1, dispatch, delivery, first_share), Shipment(2, later, delivery, 1.0)]
    return [Shipment(1, dispatch, delivery, 1.0)]


def lot_expiry(
    lot_number: str,
    *,
    dispatched_on: date,
    delivery_days: int,
    shelf_life_days: int,
    min_remaining_days: int,
    params: SimulationParameters,
) -> date:
    """The expiry of a shipped lot: a drawn share of the shelf life left at dispatch, never
    less than the SKU's minimum remaining shelf life on arrival (suppliers ship what the buyer
    accepts) nor more than the whole shelf life."""
    share = rng(params.seed, STREAM_LOT, lot_number).uniform(*params.shelf_life_at_dispatch_range)
    days = max(round(shelf_life_days * share), min_remaining_days + delivery_days + 1)
    return dispatched_on + timedelta(days=min(days, max(shelf_life_days, 1)))


def rejected_units(
    notice_number: str,
    *,
    line_key: str,
    units: int,
    behaviour: SupplierBehaviour,
    params: SimulationParameters,
) -> int:
    """Units of one notice line rejected at the dock (0 most of the time; never all)."""
    draw = rng(params.seed, STREAM_RECEIPT, notice_number, line_key)
    if units < 2 or draw.random() >= behaviour.rejection_probability:
        return 0
    return max(1, min(units - 1, round(units * draw.uniform(0.05, 0.30))))


@dataclass(frozen=True)
class QualityDecision:
    decide_after_days: int  # after the lot's receipt day
    reject: bool


def quality_decision(lot_key: str, params: SimulationParameters) -> QualityDecision:
    draw = rng(params.seed, STREAM_QUALITY, lot_key)
    low, high = params.release_delay_days_range
    return QualityDecision(
        decide_after_days=int(draw.integers(low, high + 1)),
        reject=bool(draw.random() < params.lot_rejection_probability),
    )
