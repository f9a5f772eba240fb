"""Safety stock and reorder points for cycle-service and fill-rate targets, for every SKU-site
at once.

Units: demand d in units per day, the forecast error's standard deviation sigma_d in units per
day, lead time L and its standard deviation sigma_L in days, the review period R in days,
quantities in units.

Demand over P days. With independent daily forecast errors and a random lead time independent
of demand, the demand over the lead time plus P' fixed days (P = L + P') has mean d P and
standard deviation

    sigma_P = sqrt(P * sigma_d^2 + d^2 * sigma_L^2)

(the variance of a random sum; only L is random, so only it contributes the second term). The
seed's sigma = sqrt(L) * sigma_d is the special case sigma_L = 0; with lead times that vary it
understates the safety stock several-fold (d = 100, sigma_d = 20, L = 10, sigma_L = 3:
sqrt(4,000 + 90,000) = 307 against 63). Demand over P days is taken as normal, N(d P, sigma_P^2).

Forecast errors are not independent from day to day: when the forecast's level is off, it is
off for the whole protection period, and the error of a P-day sum grows faster than sqrt(P)
(on the demo data the 28-day backtest sum is 1.5 times sqrt(28) sigma_d at the median). An
optional level error sigma_b (units per day, 0 <= sigma_b <= sigma_d) models that: each day's
error is a level error b shared by the days of one protection period plus an independent rest,
Var(b) = sigma_b^2, Var(rest) = sigma_d^2 - sigma_b^2 (sigma_d stays the daily error's
standard deviation). Over P days with P = L + P' random,

    sigma_P^2 = E[P] sigma_d^2 + E[P (P - 1)] sigma_b^2 + d^2 sigma_L^2,
    E[P (P - 1)] = (L + P')^2 + sigma_L^2 - (L + P'),

which is DOMAIN.md's formula when sigma_b = 0 (the default everywhere). sigma_b^2 / sigma_d^2
is the correlation between two days' errors; the caller estimates it from backtest errors
(e.g. from the mean square of their 28-day sums: 28 sigma_d^2 + 28 * 27 sigma_b^2).

DOMAIN.md's textbook formulas (kept as functions: they size the periodic (R, S) policy, and the
seed policy is the comparison baseline):

- cycle service level alpha (probability of no stock-out in a replenishment cycle): the safety
  factor is z = Phi^-1(alpha) and SS = z * sigma_P;
- fill rate beta (share of demand served from stock): G(k) = phi(k) - k (1 - Phi(k)) is the
  standard normal loss function, E[(X - k)+] for X ~ N(0, 1), so sigma_P * G(k) is the
  expected shortage per replenishment cycle when the stock at the start of the protection
  period is k * sigma_P above its mean demand, and

      sigma_P * G(k) = (1 - beta) * Q

  with Q the expected demand per cycle: the order quantity under continuous review, d * R
  under periodic review (which is why a fill rate must be sized with sigma_{L+R}: with sigma_L
  a 95 % target delivers about 90 %). G decreases from +infinity to 0, so the equation has one
  root k; it is found by Newton's method on log G, which is concave (the normal density is
  log-concave), started to the right of the root, so the iterates decrease monotonically to
  it. SS = max(k, 0) * sigma_P.

Review timing: policies are reviewed at the start of a day (after that day's receipts, before
its demand), every R days; R = 1 is daily review, which is how our (s, Q) policies run (planners
and the plan run look once a day). An order placed at the start of day t arrives at the start
of day t + L, before that day's demand, so L days of demand (days t .. t+L-1) pass between
them. This is exactly the day order of simulate.py. "Continuous review" in the textbook sense
(the position watched all the time, an order the instant it reaches s) does not exist here: the
formula of DOMAIN.md for it, sigma_L * G(k) = (1 - beta) * Q with s = d L + k sigma_L, delivers
about 88 % for a 95 % target under daily review (bench/optimization_simulate.py), because the
protection period is L + 1 days and the position undershoots s by part of a day's demand.

Fill rate of a periodic-review (R, s, nQ) policy, exactly (Hadley & Whitin). Every R days, if
the inventory position is at or below s, order the smallest multiple of Q that lifts it above s.
In steady state the position y after a review is uniform on (s, s + Q] (for demand with a
continuous distribution). No other order is placed before the next review, so the net stock
when this review's order has arrived (start of day t + L) is y - D_L, and when the next one
has (start of day t + L + R) it is y - D_{L+R}: the units short in between are
(D_{L+R} - y)+ - (D_L - y)+, and the expected shortage per review period is

    ES(s) = (1/Q) * integral over y in (s, s + Q] of E(D_{L+R} - y)+ - E(D_L - y)+ dy

    fill rate = 1 - ES(s) / (d R).

For normal demand N(mu, sigma^2) over n days, E(D - y)+ = sigma G((y - mu)/sigma) and its
integral over y in (a, b) is sigma^2 (G2((a - mu)/sigma) - G2((b - mu)/sigma)), G2 the second
order loss function G2(k) = integral of G from k to infinity = ((k^2 + 1)(1 - Phi(k)) -
k phi(k)) / 2 = E[((X - k)+)^2] / 2. Here mu_n = d n and sigma_n^2 = n sigma_d^2 + d^2 sigma_L^2
(plus the level-error term) with n = L + R and n = L. As Q -> 0 the average becomes
E(D_{L+R} - s)+ - E(D_L - s)+: the order-up-to (R, S) policy with S = s, whose exact fill rate
this is (DOMAIN.md's periodic formula keeps only the first term, which overstates the shortage
a little when S is close to d L, i.e. when R is short against L).

`periodic_review_reorder_point` finds, for each SKU-site, the smallest s >= d L whose fill rate
is at least beta, by a bracketing root finder over all SKU-sites at once (no loop over
SKU-sites): ES(s) decreases in s for s >= 0 (see the function), s = d L is the lowest reorder
point considered (no negative safety stock), and s_hi = d (L + R) + k sigma_{L+R} with
sigma_{L+R} G(k) = (1 - beta) d R always meets the target (ES(s) <= E(D_{L+R} - s)+ because
the second term is >= 0 and the first decreases in y).

Conventions at the edges: where sigma_P = 0 (no uncertainty) the textbook factor is 0 and
demand over P days is the constant d P (the exact formula then averages over where a day's
demand crosses s, which is what a deterministic demand with an unknown phase gives). Where Q =
0 (no expected demand per cycle) DOMAIN's fill rate is 0 / 0; the level is then used as a cycle
service level (k = Phi^-1(beta)). The exact fill rate divides by d R: where d = 0 it is taken
as 1 (nothing is expected to be asked). Safety stock is max(k, 0) * sigma_P: a factor below 0
(a target below 50 % cycle service, or a fill rate that large lots reach on their own) holds
none.
"""

from dataclasses import dataclass
from typing import Required, TypedDict, Unpack

import numpy as np
from scipy import special

from optimization.engine.types import EngineInputError, count, fraction, vector, where

_SQRT_HALF_PI = np.sqrt(np.pi / 2.0)
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
_NEWTON_STEPS = 100
_NEWTON_TOLERANCE = 1e-14


def _positive_part_loss(a: np.ndarray) -> np.ndarray:
    """G(a) / phi(a) = 1 - a * M(a) for a >= 0, M the Mills ratio (1 - Phi) / phi, computed with
    the scaled complementary error function so it does not underflow in the tail (clipped at 0,
    which rounding could cross for astronomically large a)."""
    ratio: np.ndarray = np.maximum(1.0 - a * _SQRT_HALF_PI * special.erfcx(a / np.sqrt(2.0)), 0.0)
    return ratio


def normal_loss(k: np.ndarray | float) -> np.ndarray:
    """G(k) = phi(k) - k (1 - Phi(k)) = E[(X - k)+], X ~ N(0, 1), elementwise.

    For k < 0 it uses G(k) = G(-k) - k, so no terms cancel."""
    k = np.asarray(k, dtype=np.float64)
    a = np.abs(k)
    with np.errstate(over="ignore"):
        positive = np.exp(-0.5 * a * a - _LOG_SQRT_2PI) * _positive_part_loss(a)
    loss: np.ndarray = np.where(k >= 0, positive, positive + a)
    return loss


def _log_loss_and_slope(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log G(k) and d/dk log G(k) = -(1 - Phi(k)) / G(k)."""
    a = np.abs(k)
    ratio = _positive_part_loss(a)  # G(a) / phi(a)
    with np.errstate(divide="ignore", over="ignore"):
        log_positive = -0.5 * a * a - _LOG_SQRT_2PI + np.log(ratio)
    mills = _SQRT_HALF_PI * special.erfcx(a / np.sqrt(2.0))  # (1 - Phi(a)) / phi(a)
    negative_loss = np.exp(log_positive) + a  # G(k) for k < 0
    log_g = np.where(k >= 0, log_positive, np.log(negative_loss))
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(k >= 0, -mills / ratio, -special.ndtr(a) / negative_loss)
    return log_g, slope


def inverse_normal_loss(y: np.ndarray | float) -> np.ndarray:
    """The k with G(k) = y, elementwise, for y > 0 (see the module docstring)."""
    shape = np.shape(y)
    target = np.atleast_1d(np.asarray(y, dtype=np.float64)).ravel()
    if not (np.isfinite(target) & (target > 0)).all():
        raise EngineInputError("The normal loss is only inverted for finite values > 0.")
    log_target = np.log(target)
    # Start where phi(k) = y (k = 0 for y >= phi(0)): there G(k) <= y, right of the root.
    k = np.sqrt(np.maximum(-2.0 * (log_target + _LOG_SQRT_2PI), 0.0))
    active = np.ones(k.shape, dtype=bool)
    for _ in range(_NEWTON_STEPS):
        log_g, slope = _log_loss_and_slope(k[active])
        step = (log_g - log_target[active]) / slope
        k[active] -= step
        done = np.abs(step) <= _NEWTON_TOLERANCE * (1.0 + np.abs(k[active]))
        active[np.flatnonzero(active)[done]] = False
        if not active.any():
            break
    roots: np.ndarray = k.reshape(shape)
    return roots


def protection_std(
    demand_mean: np.ndarray | float,
    demand_error_std: np.ndarray | float,
    lead_time_mean: np.ndarray | float,
    lead_time_std: np.ndarray | float,
    review_period: np.ndarray | float = 0.0,
    *,
    level_error_std: np.ndarray | float = 0.0,
) -> np.ndarray:
    """sigma_P = sqrt(P sigma_d^2 + (P^2 + sigma_L^2 - P) sigma_b^2 + d^2 sigma_L^2) with
    P = L + R, units (see the module docstring); sigma_b = `level_error_std` (default 0:
    DOMAIN.md's sqrt((L + R) sigma_d^2 + d^2 sigma_L^2))."""
    n = count(
        demand_mean, demand_error_std, lead_time_mean, lead_time_std, review_period, level_error_std
    )
    demand, error, level, lead = _checked_demand(
        n,
        demand_mean=demand_mean,
        demand_error_std=demand_error_std,
        lead_time_mean=lead_time_mean,
        lead_time_std=lead_time_std,
        level_error_std=level_error_std,
    )
    review = vector(review_period, n, "Review period", minimum=0.0)
    sigma: np.ndarray = np.sqrt(_variance(demand, error, level, lead, review))
    return sigma


def _checked_demand(
    n: int,
    *,
    demand_mean: object,
    demand_error_std: object,
    lead_time_mean: object,
    lead_time_std: object,
    level_error_std: object = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The demand mean, its daily error sigma_d, its level error sigma_b and the lead time
    (mean, standard deviation), checked and of shape (n,), in the units of `protection_std`."""
    demand = vector(demand_mean, n, "Demand mean", minimum=0.0)
    error = vector(demand_error_std, n, "Demand forecast-error standard deviation", minimum=0.0)
    level = _level_error(level_error_std, error)
    lead = vector(lead_time_mean, n, "Lead time", minimum=0.0)
    lead_std = vector(lead_time_std, n, "Lead-time standard deviation", minimum=0.0)
    return demand, error, level, (lead, lead_std)


def _level_error(value: object, error: np.ndarray) -> np.ndarray:
    """The forecast level error's standard deviation sigma_b checked against the daily error
    sigma_d (shape (n,)): 0 <= sigma_b <= sigma_d, because the level error is part of the
    daily error (see the module docstring)."""
    level = vector(value, error.size, "Forecast level-error standard deviation", minimum=0.0)
    above = level > error * (1.0 + 1e-12)
    if above.any():
        raise EngineInputError(
            "The forecast level-error standard deviation is part of the daily error's and "
            f"cannot exceed it, and does {where(above, level)}."
        )
    bounded: np.ndarray = np.minimum(level, error)
    return bounded


def _variance(
    demand: np.ndarray,
    error: np.ndarray,
    level: np.ndarray,
    lead: tuple[np.ndarray, np.ndarray],
    days: np.ndarray,
) -> np.ndarray:
    """Variance of demand over the lead time plus `days` fixed days, units^2 (module
    docstring)."""
    mean, std = lead  # the lead time's mean and standard deviation, days
    period = mean + days  # E[P]
    pairs = period * period + std * std - period  # E[P (P - 1)]
    variance: np.ndarray = np.maximum(
        period * error**2 + pairs * level**2 + demand**2 * std**2, 0.0
    )
    return variance


def cycle_service_factor(level: np.ndarray | float) -> np.ndarray:
    """z = Phi^-1(alpha) for cycle service levels strictly between 0 and 1."""
    levels = fraction(level, count(level), "Service level")
    factor: np.ndarray = special.ndtri(levels)
    return factor


def fill_rate_factor(
    level: np.ndarray | float, quantity: np.ndarray | float, sigma: np.ndarray | float
) -> np.ndarray:
    """The k with sigma * G(k) = (1 - beta) * Q: beta the fill-rate target in (0, 1), Q the
    expected demand per replenishment cycle (units, >= 0), sigma the standard deviation of
    demand over the protection period (units, >= 0). 0 where sigma = 0; Phi^-1(beta) where
    Q = 0 and sigma > 0 (see the module docstring). May be negative."""
    n = count(level, quantity, sigma)
    beta = fraction(level, n, "Fill-rate target")
    size = vector(quantity, n, "Quantity per cycle", minimum=0.0)
    spread = vector(sigma, n, "Demand standard deviation", minimum=0.0)
    factor = np.zeros(n)
    solve = (spread > 0) & (size > 0)
    with np.errstate(over="ignore"):
        ratio = (1.0 - beta[solve]) * size[solve] / spread[solve]
    # Ratios are kept in [1e-300, 1e300] (k between about 37 and -1e300) so that a vanishing
    # quantity or sigma cannot overflow or underflow them to a root at infinity.
    factor[solve] = inverse_normal_loss(np.clip(ratio, 1e-300, 1e300))
    undefined = (spread > 0) & (size == 0)
    factor[undefined] = special.ndtri(beta[undefined])
    return factor


def fill_rate(
    factor: np.ndarray | float, quantity: np.ndarray | float, sigma: np.ndarray | float
) -> np.ndarray:
    """The fill rate 1 - sigma * G(k) / Q that a factor k delivers (clipped to [0, 1]; 1 where
    sigma = 0). Q must be > 0."""
    n = count(factor, quantity, sigma)
    k = vector(factor, n, "Safety factor")
    size = vector(quantity, n, "Quantity per cycle", above=0.0)
    spread = vector(sigma, n, "Demand standard deviation", minimum=0.0)
    rate: np.ndarray = np.clip(1.0 - spread * normal_loss(k) / size, 0.0, 1.0)
    return rate


def safety_stock(factor: np.ndarray | float, sigma: np.ndarray | float) -> np.ndarray:
    """max(k, 0) * sigma, units."""
    n = count(factor, sigma)
    k = vector(factor, n, "Safety factor")
    spread = vector(sigma, n, "Demand standard deviation", minimum=0.0)
    stock: np.ndarray = np.maximum(k, 0.0) * spread
    return stock


# --- the exact fill rate of periodic review, (R, s, nQ) and (R, S) --------------------------

_SIMPSON_BELOW = 1e-3  # widths (in standard deviations) averaged by Simpson's rule
_ROOT_STEPS = 200
_ROOT_TOLERANCE = 1e-13


def second_order_loss(k: np.ndarray | float) -> np.ndarray:
    """G2(k) = integral of G from k to infinity = ((k^2 + 1)(1 - Phi(k)) - k phi(k)) / 2
    = E[((X - k)+)^2] / 2, X ~ N(0, 1), elementwise.

    For k >= 0 it is phi(k) ((k^2 + 1) M(k) - k) / 2 with the Mills ratio M, which does not
    underflow before phi does; for k < 0 it uses G2(k) = (1 + k^2) / 2 - G2(-k)."""
    k = np.asarray(k, dtype=np.float64)
    a = np.abs(k)
    tail = a < 40.0  # beyond, phi(a) < 1e-347: G2(a) is 0 in double precision
    b = np.where(tail, a, 0.0)
    mills = _SQRT_HALF_PI * special.erfcx(b / np.sqrt(2.0))
    positive = np.where(
        tail,
        np.exp(-0.5 * b * b - _LOG_SQRT_2PI) * np.maximum((b * b + 1.0) * mills - b, 0.0) / 2.0,
        0.0,
    )
    with np.errstate(over="ignore"):
        return np.where(k >= 0, positive, 0.5 * (1.0 + k * k) - positive)


def _mean_loss(a: np.ndarray, width: np.ndarray) -> np.ndarray:
    """The average of G over (a, a + width), width >= 0 (G(a) where width = 0).

    G(z) = (-z)+ + G(|z|): the average of the first part is closed form; the integral of the
    second is a difference of G2 at |a| and |b| (b = a + width), arranged so that no large
    terms cancel. Below a width of 1e-3 Simpson's rule on G is used instead (error about
    width^4 (z^2 - 1) phi(z) / 2880, relative error under 1e-9 wherever G is not negligible),
    so a vanishing width has no 0 / 0."""
    b = a + width
    narrow = width < _SIMPSON_BELOW
    simpson = (normal_loss(a) + 4.0 * normal_loss(a + width / 2.0) + normal_loss(b)) / 6.0
    wide = ~narrow
    h = np.where(wide, width, 1.0)
    left, right = np.where(wide, a, 0.0), np.where(wide, b, 1.0)
    linear = np.where(
        right <= 0,
        -(left + right) / 2.0,
        np.where(left >= 0, 0.0, left * (left / (2.0 * h))),
    )
    g2_left, g2_right = second_order_loss(np.abs(left)), second_order_loss(np.abs(right))
    tails = np.where(
        left >= 0,
        g2_left - g2_right,
        np.where(right <= 0, g2_right - g2_left, 0.5 - g2_right - g2_left),
    )
    mean: np.ndarray = np.where(narrow, simpson, linear + tails / h)
    return mean


def _mean_shortage(
    mean: np.ndarray, std: np.ndarray, lower: np.ndarray, width: np.ndarray
) -> np.ndarray:
    """The average over y in (lower, lower + width] of E(D - y)+, D ~ N(mean, std^2), or D =
    mean where std = 0; the value at y = lower where width = 0. Units."""
    normal = std > 0
    spread = np.where(normal, std, 1.0)
    random = spread * _mean_loss((lower - mean) / spread, width / spread)
    # D constant: average of (mean - y)+ over the interval, in closed form.
    top = mean - lower  # (mean - y)+ at the lower end
    bottom = top - width  # ... and at the upper end
    safe = np.where(width > 0, width, 1.0)
    with np.errstate(over="ignore"):  # only in entries the where below does not pick
        fixed = np.where(
            bottom >= 0,
            top - width / 2.0,
            np.where(top > 0, np.where(width > 0, top * (top / (2.0 * safe)), top), 0.0),
        )
    return np.where(normal, random, fixed)


class PeriodicReviewDemand(TypedDict, total=False):
    """The demand keywords of `periodic_review_fill_rate` and `periodic_review_reorder_point`:
    d and sigma_d in units per day, L, sigma_L and R in days, each a number or shape (n,);
    R defaults to 1 (daily review) and sigma_b to 0 (see `protection_std`)."""

    demand_mean: Required[np.ndarray | float]
    demand_error_std: Required[np.ndarray | float]
    lead_time_mean: Required[np.ndarray | float]
    lead_time_std: Required[np.ndarray | float]
    review_period: np.ndarray | float
    level_error_std: np.ndarray | float


@dataclass(frozen=True)
class _Periods:
    """Checked inputs of the (R, s, nQ) formulas, shape (n,) each, and the normal moments of
    demand over L + R days (`long`) and over L days (`short`): (mean, standard deviation)."""

    demand: np.ndarray
    review: np.ndarray
    quantity: np.ndarray
    lead_demand: np.ndarray  # d L
    long: tuple[np.ndarray, np.ndarray]
    short: tuple[np.ndarray, np.ndarray]

    @classmethod
    def of(
        cls,
        n: int,
        quantity: object,
        *,
        review_period: object = 1.0,
        **demand: object,
    ) -> "_Periods":
        d, error, level, (lead, lead_std) = _checked_demand(n, **demand)
        review = vector(review_period, n, "Review period", above=0.0)

        def moments(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return d * (lead + days), np.sqrt(_variance(d, error, level, (lead, lead_std), days))

        return cls(
            demand=d,
            review=review,
            quantity=vector(quantity, n, "Order quantity", minimum=0.0),
            lead_demand=d * lead,
            long=moments(review),
            short=moments(np.zeros(n)),
        )

    def shortage(self, s: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """ES(s) per review period (see the module docstring), on the given rows."""
        long = _mean_shortage(self.long[0][rows], self.long[1][rows], s, self.quantity[rows])
        short = _mean_shortage(self.short[0][rows], self.short[1][rows], s, self.quantity[rows])
        shortage: np.ndarray = long - short
        return shortage


def periodic_review_fill_rate(
    reorder_point: np.ndarray | float,
    quantity: np.ndarray | float,
    **demand: Unpack[PeriodicReviewDemand],
) -> np.ndarray:
    """The fill rate 1 - ES(s) / (d R) of an (R, s, nQ) policy reviewed every R days, with
    Q = 0 the (R, S) policy with S = s; see the module docstring. s and Q in units, d and
    sigma_d in units per day, L, sigma_L and R in days (R = 1: daily review). Clipped to
    [0, 1]; 1 where d = 0."""
    n = count(reorder_point, quantity, *demand.values())
    s = vector(reorder_point, n, "Reorder point")
    periods = _Periods.of(n, quantity, **demand)
    per_period = periods.demand * periods.review
    expected = per_period > 0
    rate = 1.0 - periods.shortage(s) / np.where(expected, per_period, 1.0)
    return np.where(expected, np.clip(rate, 0.0, 1.0), 1.0)


def periodic_review_reorder_point(
    level: np.ndarray | float,
    quantity: np.ndarray | float,
    **demand: Unpack[PeriodicReviewDemand],
) -> np.ndarray:
    """The smallest reorder point s >= d L at which an (R, s, nQ) policy (Q = 0: (R, S) with
    S = s) reaches the fill rate beta = `level`, per SKU-site, units; the keywords are those of
    `periodic_review_fill_rate` (see also the module docstring).

    Solved on the bracket [d L, s_hi] for all SKU-sites at once by the Illinois variant of
    regula falsi, with a bisection step every fourth step (so the bracket at least halves every
    four steps), to 1e-13 of the scale d (L + R) + sigma_{L+R}; the upper end of the final
    bracket is returned, so the fill rate at the result is at least beta. The bracket is
    valid because ES(s) decreases for s >= 0: the derivative in y of E(D_{L+R} - y)+ -
    E(D_L - y)+ is Phi(z_{L+R}) - Phi(z_L) with z_n = (y - mu_n) / sigma_n, which is <= 0
    wherever z_{L+R} <= z_L, i.e. for y >= (mu_{L+R} sigma_L - mu_L sigma_{L+R}) / (sigma_L -
    sigma_{L+R}), a bound <= 0 because (L + R)^2 sigma_L^2 - L^2 sigma_{L+R}^2 = L (L + R) R
    (sigma_d^2 - sigma_b^2) + (2 L + R) R sigma_L^2 (sigma_b^2 + d^2) >= 0 (sigma_b <=
    sigma_d). Where d = 0 the fill rate is undefined and the level is used as a cycle service
    level over L + R days: s = max(Phi^-1(beta) sigma_{L+R}, 0)."""
    n = count(level, quantity, *demand.values())
    beta = fraction(level, n, "Fill-rate target")
    periods = _Periods.of(n, quantity, **demand)
    long_mean, long_std = periods.long
    low = periods.lead_demand
    result: np.ndarray = np.maximum(special.ndtri(beta) * long_std, 0.0)  # the d = 0 convention

    # s_hi: sigma_{L+R} G(k) = (1 - beta) d R (d (L + R) where nothing is uncertain).
    solve = periods.demand > 0
    target = (1.0 - beta) * periods.demand * periods.review
    high = long_mean.copy()
    spread = solve & (long_std > 0)
    with np.errstate(over="ignore"):
        ratio = target[spread] / long_std[spread]
    high[spread] += long_std[spread] * inverse_normal_loss(np.clip(ratio, 1e-300, 1e300))
    high = np.maximum(high, low)

    rows = np.flatnonzero(solve)
    excess = periods.shortage(low[rows], rows) - target[rows]  # ES(s) - (1 - beta) d R
    meets = excess <= 0
    result[rows[meets]] = low[rows[meets]]
    rows, lo, g_lo = rows[~meets], low[rows[~meets]], excess[~meets]
    hi = high[rows]
    g_hi = np.minimum(periods.shortage(hi, rows) - target[rows], 0.0)  # <= 0 analytically
    scale = long_mean[rows] + long_std[rows]
    side = np.zeros(rows.size)  # which end the last step replaced: +1 hi, -1 lo
    for step in range(_ROOT_STEPS):
        if rows.size == 0:
            break
        mid = 0.5 * (lo + hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            secant = hi - g_hi * (hi - lo) / (g_hi - g_lo)
        inside = (secant > lo) & (secant < hi) & (step % 4 != 3)
        point = np.where(inside, secant, mid)
        exhausted = (mid <= lo) | (mid >= hi)  # no double between them
        g_point = periods.shortage(point, rows) - target[rows]
        good = g_point <= 0
        # Illinois: an end kept twice in a row has its value halved, so it moves too.
        g_lo = np.where(good & (side > 0), g_lo / 2.0, g_lo)
        g_hi = np.where(~good & (side < 0), g_hi / 2.0, g_hi)
        hi, g_hi = np.where(good, point, hi), np.where(good, g_point, g_hi)
        lo, g_lo = np.where(good, lo, point), np.where(good, g_lo, g_point)
        side = np.where(good, 1.0, -1.0)
        done = exhausted | (g_point == 0) | (hi - lo <= _ROOT_TOLERANCE * scale)
        result[rows[done]] = hi[done]
        keep = ~done
        rows, lo, hi, g_lo, g_hi = rows[keep], lo[keep], hi[keep], g_lo[keep], g_hi[keep]
        scale, side = scale[keep], side[keep]
    result[rows] = hi  # not reached: every fourth step halves the bracket
    return result
