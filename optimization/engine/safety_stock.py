"""Safety stock for a cycle-service or a fill-rate target, for every SKU-site at once.

Units: demand d in units per day, the forecast error's standard deviation sigma_d in units per
day, lead time L and its standard deviation sigma_L in days, the review period R in days,
quantities in units.

Demand over the protection period. Stock on hand must cover demand until the next order
can arrive: the lead time L under continuous review, L + R under periodic review every R
days. With independent daily forecast errors and a random lead time independent of demand,
the demand over P = L (+ R) days has standard deviation

    sigma_P = sqrt(P * sigma_d^2 + d^2 * sigma_L^2)

(the variance of a random sum; R is fixed, so only L contributes the second term). The seed's
sigma = sqrt(L) * sigma_d is the special case sigma_L = 0; with lead times that vary it
understates the safety stock several-fold (d = 100, sigma_d = 20, L = 10, sigma_L = 3:
sqrt(4,000 + 90,000) = 307 against 63).

Cycle service level alpha (probability of no stock-out in a replenishment cycle): the
safety factor is z = Phi^-1(alpha) and SS = z * sigma_P.

Fill rate beta (share of demand served from stock). G(k) = phi(k) - k (1 - Phi(k)) is the
standard normal loss function, E[(X - k)+] for X ~ N(0, 1), so sigma_P * G(k) is the expected
shortage per replenishment cycle when the stock at the start of the protection period is
k * sigma_P above its mean demand. Shortage per cycle over demand per cycle is 1 - beta:

    sigma_P * G(k) = (1 - beta) * Q

with Q the expected demand per cycle: the order quantity under continuous review, d * R
under periodic review (which is why a fill rate must be sized with sigma_{L+R}: with sigma_L
a 95 % target delivers about 90 %). G decreases from +infinity to 0, so the equation has one
root k (the smallest k meeting the target); it is found by Newton's method on log G, which is
concave (the normal density is log-concave), started to the right of the root, so the
iterates decrease monotonically to it. SS = k * sigma_P.

Conventions at the edges: where sigma_P = 0 (no uncertainty) the factor is 0. Where Q = 0 (no
expected demand per cycle) a fill rate is 0 / 0; the level is then used as a cycle service
level (k = Phi^-1(beta)). Safety stock is max(k, 0) * sigma_P: a factor below 0 (a target
below 50 % cycle service, or a fill rate that large lots reach on their own) holds none.
"""

import numpy as np
from scipy import special

from .types import EngineInputError, count, fraction, vector

_SQRT_HALF_PI = np.sqrt(np.pi / 2.0)
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
_NEWTON_STEPS = 100
_NEWTON_TOLERANCE = 1e-14


def _positive_part_loss(a: np.ndarray) -> np.ndarray:
    """G(a) / phi(a) = 1 - a * M(a) for a >= 0, M the Mills ratio (1 - Phi) / phi, computed with
    the scaled complementary error function so it does not underflow in the tail (clipped at 0,
    which rounding could cross for astronomically large a)."""
    return np.maximum(1.0 - a * _SQRT_HALF_PI * special.erfcx(a / np.sqrt(2.0)), 0.0)


def normal_loss(k: np.ndarray | float) -> np.ndarray:
    """G(k) = phi(k) - k (1 - Phi(k)) = E[(X - k)+], X ~ N(0, 1), elementwise.

    For k < 0 it uses G(k) = G(-k) - k, so no terms cancel."""
    k = np.asarray(k, dtype=np.float64)
    a = np.abs(k)
    with np.errstate(over="ignore"):
        positive = np.exp(-0.5 * a * a - _LOG_SQRT_2PI) * _positive_part_loss(a)
    return np.where(k >= 0, positive, positive + a)


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
    return k.reshape(shape)


def protection_std(
    demand_mean: np.ndarray | float,
    demand_error_std: np.ndarray | float,
    lead_time_mean: np.ndarray | float,
    lead_time_std: np.ndarray | float,
    review_period: np.ndarray | float = 0.0,
) -> np.ndarray:
    """sigma_P = sqrt((L + R) sigma_d^2 + d^2 sigma_L^2), units (see the module docstring)."""
    n = count(demand_mean, demand_error_std, lead_time_mean, lead_time_std, review_period)
    demand = vector(demand_mean, n, "Demand mean", minimum=0.0)
    error = vector(demand_error_std, n, "Demand forecast-error standard deviation", minimum=0.0)
    lead = vector(lead_time_mean, n, "Lead time", minimum=0.0)
    lead_std = vector(lead_time_std, n, "Lead-time standard deviation", minimum=0.0)
    review = vector(review_period, n, "Review period", minimum=0.0)
    return np.sqrt((lead + review) * error**2 + demand**2 * lead_std**2)


def cycle_service_factor(level: np.ndarray | float) -> np.ndarray:
    """z = Phi^-1(alpha) for cycle service levels strictly between 0 and 1."""
    levels = fraction(level, count(level), "Service level")
    return special.ndtri(levels)


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
    return np.clip(1.0 - spread * normal_loss(k) / size, 0.0, 1.0)


def safety_stock(factor: np.ndarray | float, sigma: np.ndarray | float) -> np.ndarray:
    """max(k, 0) * sigma, units."""
    n = count(factor, sigma)
    k = vector(factor, n, "Safety factor")
    spread = vector(sigma, n, "Demand standard deviation", minimum=0.0)
    return np.maximum(k, 0.0) * spread
