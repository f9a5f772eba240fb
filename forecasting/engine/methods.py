"""Forecasting methods for every series at once, as numpy recursions over days.

Conventions. `y` has shape (n_series, n_days), units per day, oldest day first. Days are
indexed t = 0 .. n-1; `fitted[:, t]` = f[t], the one-step-ahead forecast of y[t] made from
y[0] .. y[t-1] only (NaN where the method cannot forecast yet), and `forecast[:, h-1]` is
the forecast of day n-1+h (h = 1 .. horizon). Every recursion loops over days in Python and
works on all series (and, during a parameter search, all candidate parameters) as one array:
there is never a loop over series. Forecasts and fitted values are clipped at 0; the states
inside a recursion are not. Levels and sizes are in units per day, trends in units per day
per day, intervals in days, probabilities in [0, 1]. Every function takes `y` and `horizon`
positionally and its options by keyword. The engine is built for daily demand with a weekly
season, but nothing in a recursion knows the calendar: for monthly, quarterly or hourly data,
read "day" as "time step" and pass the season length as `period` (pipeline.EngineConfig.period
does this for every method that takes one).

Baselines
---------
seasonal_naive (period m, default 7): f[t] = y[t-m] for t >= m (NaN before); the forecast of
    day n-1+h is y[n-m + (h-1) mod m], the last m days repeated. A series shorter than m days
    forecasts the mean of its days, flat.
moving_average (window w = 28): f[t] = mean(y[max(0, t-w)] .. y[t-1]) for t >= 1 (NaN at
    t = 0; in the first w days, the mean of the days there are); forecast = mean of the
    last min(w, n) days, flat.

Exponential smoothing: one recursion; states after day t: level l[t], trend b[t], season s[t]
-------------------------------------------------------------------------------------------
statsmodels' additive Holt-Winters (Hyndman & Athanasopoulos' component form; the seasonal
update uses the previous level and trend), with smoothing parameters alpha, beta, gamma,
damping phi in (0, 1] and period m:

    f[t] = l[t-1] + phi*b[t-1] + s[t-m]
    l[t] = alpha*(y[t] - s[t-m]) + (1 - alpha)*(l[t-1] + phi*b[t-1])
    b[t] = beta*(l[t] - l[t-1]) + (1 - beta)*phi*b[t-1]
    s[t] = gamma*(y[t] - l[t-1] - phi*b[t-1]) + (1 - gamma)*s[t-m]
    forecast of day n-1+h = l[n-1] + (phi + phi^2 + ... + phi^h)*b[n-1] + s[n-1+h-m*ceil(h/m)]

computed in the equivalent error-correction form, with e[t] = y[t] - f[t]:
l[t] = l[t-1] + phi*b[t-1] + alpha*e[t], b[t] = phi*b[t-1] + alpha*beta*e[t],
s[t] = s[t-m] + gamma*e[t]. The family (ETS names with additive errors in brackets):

    ses                  level only (A,N,N): f[t] = l[t-1], l[t] = l[t-1] + alpha*e[t]
    holt                 level and trend, phi = 1 (A,A,N)
    damped_holt          level and damped trend, phi < 1 (A,Ad,N)
    seasonal_es          level and season, no trend (A,N,A): f[t] = l[t-1] + s[t-m],
                         l[t] = l[t-1] + alpha*e[t], s[t] = s[t-m] + gamma*e[t]; forecast
                         l[n-1] + s[n-1+h-m*ceil(h/m)], a flat level with the weekly profile
    holt_winters         level, trend and season, phi = 1 (A,A,A)
    damped_holt_winters  level, damped trend and season, phi < 1 (A,Ad,A)

The seasonal models without a trend and with a damped one are the ones a weekly profile on a
level that wanders, rather than grows, asks for: a full trend extrapolated over a 90-day
horizon is rarely right for pharmaceutical demand, and the backtest decides per series.

`holt_winters_recursion` runs it from given ("known") initial states l[-1], b[-1] and
s[-m] .. s[-1] (initial_seasonal[j] is the seasonal term of day j) as statsmodels'
`ExponentialSmoothing(trend="add", seasonal="add", initialization_method="known", ...)
.fit(optimized=False, ...)` does, or without a trend (no beta, no initial trend) as
`ExponentialSmoothing(trend=None, seasonal="add", ...)` does: the fitted values agree to
rounding, and so does the forecast except at horizons h = m, 2m, ..., where statsmodels (0.15
and before) adds s[n-1-m], the seasonal term before its last update (statsmodels issue #9538,
fixed upstream by PR #10230); this module adds the updated s[n-1], as the formula above says.

Initial states. The first k days are a warm-up: they give the initial states and their fitted
values are NaN, so that every fitted value is a genuine one-step forecast. SES and Holt:
k = min(init_days, n) (default 7), l = mean of the k days, b = 0 (a slope from a week of noisy
daily demand is mostly noise; the recursion learns the trend). Seasonal models: whole cycles,
k = m * min(c, n // m) with c = init_days // m (at least 1), or c = 2 when init_days is None
(the default: two weeks of daily data, two years of monthly data); l = mean of the k days,
b = 0, s for phase j = mean of the warm-up days in phase j minus l (the seasonal terms sum to
0); a series shorter than one cycle starts from its mean without seasonality (k = n). The
recursion then runs on days k .. n-1.

Parameter choice: a grid, then a compass search, both on the one-step SSE
-------------------------------------------------------------------------
Per series, the parameters minimise the sum of squared one-step errors over days k .. n-1 (the
criterion of statsmodels' and statsforecast's ETS fits, without their optimiser). Everything
runs on each series divided by its maximum (so the choice does not depend on units), in
single precision, for all series at once (a search-point axis in front of the series axis);
the chosen parameters are then rerun in double precision on the demand itself.

1. Grid. Every combination of the grids (module constants, overridable by keyword): SES alpha
   in SES_ALPHAS (8 values); Holt alpha x beta in HOLT_ALPHAS x HOLT_BETAS (6), damped Holt
   also x HOLT_PHIS (12); seasonal_es alpha x gamma in SEASONAL_ES_ALPHAS x
   SEASONAL_ES_GAMMAS (12); Holt-Winters alpha x beta x gamma in HW_ALPHAS x HW_BETAS x
   HW_GAMMAS (12), damped also x HW_PHIS (24). The grids are coarse on purpose: they only
   choose where step 2 starts (their values lie inside each range, so it can move both ways).
2. Compass search (`refine` rounds, default REFINE_ROUNDS = 4), from each series' best grid
   point. Each parameter p with range (low, high) moves on the unbounded scale
   u = logit((p - low) / (high - low)): alpha, beta and gamma in (0, 1), phi in (0.8, 0.98)
   (the damping range of Hyndman's forecast package; a custom grid outside a range widens
   it), never closer to an end than 0.1 % of the range. A round evaluates, for every series,
   the 2P points that move one of the P parameters by -d or +d on that scale (d = 1 at first,
   per series) and moves to the best of them if it lowers the SSE; otherwise d halves. Four
   rounds cost 8P SSE evaluations per series, fewer than a grid fine enough to reach the
   same parameters, move a parameter by up to 4 on the logit scale (alpha from 0.5 to 0.98),
   and reach values no fixed grid holds (alpha near 1 for a smooth quarterly series, near 0
   for daily demand that is noise around a fixed level). On demo demand 2, 4 and 6 rounds
   forecast about equally well; without the search, the grids' values are too few for
   monthly and quarterly data (bench/RESULTS.md).

A parameter whose grid has one value is fixed at it (no search along it); with every grid a
single value, or refine=0, the grid point is the answer. Ties (a flat series, or no day after
the warm-up) go to the first combination in grid order (the first alpha, then the first beta,
...), and the search only moves on a strictly lower SSE. A search point whose recursion
diverges gets an infinite SSE and never wins.

Intermittent demand (Croston family; a demand day is a day with y[t] > 0)
-----------------------------------------------------------------------
croston (alpha = 0.1): on demand days only, with q[t] the days since the previous demand
    day, z <- z + alpha*(y[t] - z) (size, units) and p <- p + alpha*(q[t] - p) (interval,
    days); forecast z / p. Initialised on the first demand day t1: z = y[t1], p = t1 + 1
    (the days up to and including it, as if there had been a demand on day -1).
sba (alpha = 0.1): Croston * (1 - alpha/2), the Syntetos-Boylan bias correction.
tsb (alpha = 0.1, beta = 0.1): every day d <- d + beta*(1[y[t] > 0] - d) (probability of
    a demand day), on demand days z <- z + alpha*(y[t] - z); forecast d * z. Initialised on
    the first demand day t1: z = y[t1], d = 1 / (t1 + 1); updated from the next day on.
For all three f[0] is NaN and the forecast is 0 until a demand day has been seen (a series
without demand forecasts 0); forecasts are flat over the horizon.

`METHODS` maps the names the backtest iterates over to these functions with default options;
the seasonal ones (seasonal_naive, seasonal_es, holt_winters, damped_holt_winters) take
`period`.
"""

from collections.abc import Callable, Mapping, Sequence
from functools import partial

import numpy as np

from forecasting.engine.types import EngineInputError, Fit, check_demand

SES_ALPHAS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
HOLT_ALPHAS = (0.05, 0.2, 0.5)
HOLT_BETAS = (0.01, 0.1)
HOLT_PHIS = (0.85, 0.95)
SEASONAL_ES_ALPHAS = (0.05, 0.1, 0.2, 0.4)
SEASONAL_ES_GAMMAS = (0.05, 0.1, 0.2)
HW_ALPHAS = (0.05, 0.2, 0.4)
HW_BETAS = (0.01, 0.05)
HW_GAMMAS = (0.05, 0.2)
HW_PHIS = (0.85, 0.95)
REFINE_ROUNDS = 4

# The compass search after the grid (module docstring): a parameter with range (low, high)
# moves on the scale u = logit((p - low) / (high - low)), first by _REFINE_STEP, never closer
# than _EDGE (as a share of the range) to either end. A custom grid outside a range widens it.
_REFINE_STEP = 1.0
_REFINE_BOUNDS = {"alpha": (0.0, 1.0), "beta": (0.0, 1.0), "gamma": (0.0, 1.0), "phi": (0.8, 0.98)}
_EDGE = 1e-3

# A parameter search works in single precision on blocks of search points holding about this
# many (point, series) cells, so that one day's state arrays stay in the cache.
_BLOCK_CELLS = 65_536


# --- validation ------------------------------------------------------------------------------


def _whole(value: object, name: str) -> int:
    if not isinstance(value, int | np.integer) or value < 1:
        raise EngineInputError(f"{name} must be a whole number >= 1, not {value}.")
    return int(value)


def _grid(values: Sequence[float] | np.ndarray, name: str, low: float, high: float) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).ravel()
    if array.size == 0 or not np.all((array > low) & (array <= high)):
        raise EngineInputError(f"{name} must be a non-empty list of values in ({low}, {high}].")
    return array


def _per_series(value: object, n_series: int, name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    try:
        out = np.broadcast_to(array, (n_series,)).copy()
    except ValueError as error:
        raise EngineInputError(f"{name} must be a number or one value per series.") from error
    if not np.isfinite(out).all():
        raise EngineInputError(f"{name} must be finite.")
    return out


# --- small helpers ---------------------------------------------------------------------------


def _row_mean(block: np.ndarray) -> np.ndarray:
    """Mean of each row, summed left to right (the same bits whatever the batch)."""
    means: np.ndarray = np.cumsum(block, axis=1)[:, -1] / block.shape[1]
    return means


def _nonneg(array: np.ndarray) -> np.ndarray:
    """Clip at 0, keeping NaN."""
    clipped: np.ndarray = np.maximum(array, 0.0)
    return clipped


def _nonneg_transposed(days_first: np.ndarray) -> np.ndarray:
    """A (days, series) array as (series, days), C-contiguous and clipped at 0, in one pass."""
    out = np.empty(days_first.shape[::-1])
    np.maximum(days_first.T, 0.0, out=out)
    return out


def _window_sums(padded: np.ndarray, window: int, count: int) -> np.ndarray:
    """sums[:, t] = padded[:, t] + ... + padded[:, t + window - 1] for t < count, from sums of
    1, 2, 4, ... consecutive days (log2(window) passes instead of window, elementwise only)."""
    sums = np.zeros((padded.shape[0], count))
    blocks, size, offset, remaining = padded, 1, 0, window
    while remaining:
        if remaining & 1:
            sums += blocks[:, offset : offset + count]
            offset += size
        remaining >>= 1
        if remaining:
            blocks = blocks[:, :-size] + blocks[:, size:]
            size *= 2
    return sums


def _flat(values: np.ndarray, horizon: int) -> np.ndarray:
    return np.repeat(_nonneg(values)[:, None], horizon, axis=1)


# --- baselines -------------------------------------------------------------------------------


def seasonal_naive(y: np.ndarray, horizon: int, *, period: int = 7) -> Fit:
    """Repeat the last `period` days (see the module docstring)."""
    demand = check_demand(y, horizon)
    period = _whole(period, "period")
    n_series, n_days = demand.shape
    fitted = np.full(demand.shape, np.nan)
    if n_days > period:
        fitted[:, period:] = demand[:, :-period]
    if n_days >= period:
        phase = n_days - period + np.arange(horizon) % period
        forecast = demand[:, phase].copy()
    else:
        forecast = _flat(_row_mean(demand), horizon)
    return Fit("seasonal_naive", fitted, forecast, {"period": np.full(n_series, period)})


def moving_average(y: np.ndarray, horizon: int, *, window: int = 28) -> Fit:
    """Mean of the last `window` days (see the module docstring)."""
    demand = check_demand(y, horizon)
    window = _whole(window, "window")
    n_series, n_days = demand.shape
    padded = np.hstack([np.zeros((n_series, window)), demand])
    sums = _window_sums(padded, window, n_days + 1)  # sums[:, t] = y[t - window] + ... + y[t - 1]
    counts = np.minimum(np.arange(n_days + 1), window).astype(np.float64)
    with np.errstate(invalid="ignore"):
        means = sums / counts  # 0 / 0 = NaN at t = 0
    return Fit(
        "moving_average",
        _nonneg(means[:, :n_days]),
        _flat(means[:, n_days], horizon),
        {"window": np.full(n_series, window)},
    )


# --- exponential smoothing -------------------------------------------------------------------


def _recurse(
    y_days: np.ndarray,
    params: Mapping[str, np.ndarray],
    level: np.ndarray,
    trend: np.ndarray | None,
    season: np.ndarray | None,
    *,
    fitted: np.ndarray | None = None,
    sse: np.ndarray | None = None,
) -> None:
    """Run the smoothing recursion over `y_days` (days, n_series), updating the states in place.

    `level` and `trend` have the state shape (n_series,) or (grid, n_series), `season` is
    (period, *state shape) and holds s for the phase t mod period (a ring). Parameters
    broadcast against the state shape; no `phi` means no damping, `trend`/`season` None means
    no such component (and `beta`/`gamma` are then not read). Writes f[t] into `fitted[t]` and
    adds e[t]**2 into `sse` when given.
    """
    alpha, phi = params["alpha"], params.get("phi")
    if trend is not None:
        alpha_beta = alpha * params["beta"]
    if season is not None:
        gamma = params["gamma"]
    period = season.shape[0] if season is not None else 1
    base = np.empty_like(level) if trend is not None else level
    guess = np.empty_like(level) if season is not None else base
    error = np.empty_like(level)
    scratch = np.empty_like(level)
    for t in range(y_days.shape[0]):
        if trend is not None:
            if phi is not None:
                np.multiply(trend, phi, out=trend)  # trend holds phi*b[t-1] from here on
            np.add(level, trend, out=base)
        if season is not None:
            seasonal = season[t % period]
            np.add(base, seasonal, out=guess)
        if fitted is not None:
            fitted[t] = guess
        np.subtract(y_days[t], guess, out=error)
        if sse is not None:
            np.multiply(error, error, out=scratch)
            np.add(sse, scratch, out=sse)
        np.multiply(error, alpha, out=scratch)
        np.add(base, scratch, out=level)
        if trend is not None:
            np.multiply(error, alpha_beta, out=scratch)
            np.add(trend, scratch, out=trend)
        if season is not None:
            np.multiply(error, gamma, out=scratch)
            np.add(seasonal, scratch, out=seasonal)


def _smoothing_forecast(
    params: Mapping[str, np.ndarray],
    level: np.ndarray,
    trend: np.ndarray | None,
    season: np.ndarray | None,
    *,
    days_run: int,
    horizon: int,
) -> np.ndarray:
    """Forecast (n_series, horizon) from the states after `days_run` days of the recursion."""
    forecast = np.repeat(level[:, None], horizon, axis=1)
    if trend is not None:
        phi = params.get("phi")
        if phi is None:
            forecast += np.arange(1, horizon + 1, dtype=np.float64) * trend[:, None]
        else:
            power = np.ones_like(level)
            factor = np.zeros_like(level)
            for step in range(horizon):
                power = power * phi
                factor = factor + power
                forecast[:, step] += factor * trend
    if season is not None:
        phase = (days_run + np.arange(horizon)) % season.shape[0]
        forecast += season[phase].T
    return _nonneg(forecast)


def _warmup_states(
    warm: np.ndarray, has_trend: bool, period: int | None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Initial level, trend and seasonal ring (period, n_series) from the warm-up days."""
    level = _row_mean(warm)
    trend = np.zeros_like(level) if has_trend else None
    season = None
    if period is not None:
        if warm.shape[1] >= period:
            cycles = warm.reshape(warm.shape[0], -1, period)
            phase_means = np.cumsum(cycles, axis=1)[:, -1, :] / cycles.shape[1]
            season = np.ascontiguousarray((phase_means - level[:, None]).T)
        else:
            season = np.zeros((period, warm.shape[0]))
    return level, trend, season


def _copy_states(
    level: np.ndarray, trend: np.ndarray | None, season: np.ndarray | None, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The states broadcast to `shape` (grid, n_series), as fresh arrays."""
    return (
        np.broadcast_to(level, shape).copy(),
        None if trend is None else np.broadcast_to(trend, shape).copy(),
        None
        if season is None
        else np.broadcast_to(season[:, None, :], (season.shape[0], *shape)).copy(),
    )


def _sse(
    y_days: np.ndarray,
    states: tuple[np.ndarray, np.ndarray | None, np.ndarray | None],
    params: dict[str, np.ndarray],
) -> np.ndarray:
    """One-step SSE (points, n_series) of the recursion from `states` over `y_days` (days,
    n_series) at every point of a search: `params[name]` is (points, 1) for grid values shared
    by all series or (points, n_series) for values per series; single precision. A point whose
    recursion diverged gets inf, so it never wins."""
    n_points = next(iter(params.values())).shape[0]
    n_series = y_days.shape[1]
    sse = np.empty((n_points, n_series))
    block = max(1, _BLOCK_CELLS // n_series)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n_points, block):
            chosen = slice(start, min(start + block, n_points))
            shape = (chosen.stop - chosen.start, n_series)
            level, trend, season = _copy_states(*states, shape)
            total = np.zeros(shape, dtype=np.float32)
            points = {name: values[chosen] for name, values in params.items()}
            _recurse(y_days, points, level, trend, season, sse=total)
            sse[chosen] = total
    return np.where(np.isfinite(sse), sse, np.inf)


def _search(
    demand: np.ndarray,
    y_days: np.ndarray,
    *,
    warmup: int,
    grids: dict[str, np.ndarray],
    period: int | None,
    refine: int,
) -> dict[str, np.ndarray]:
    """Per series, the grid combination with the least one-step SSE after the warm-up, then
    `refine` rounds of compass search from it over the parameters whose grid has more than
    one value (see the module docstring). `y_days` is demand[:, warmup:] transposed."""
    names = list(grids)
    mesh = np.meshgrid(*(grids[name] for name in names), indexing="ij")
    combos = {name: axis.ravel() for name, axis in zip(names, mesh, strict=True)}
    n_series = demand.shape[0]
    free = [name for name in names if grids[name].size > 1]
    if not free or demand.shape[1] == warmup:
        return {name: np.full(n_series, values[0]) for name, values in combos.items()}
    scale = demand.max(axis=1)
    scale = np.where(scale > 0, scale, 1.0)
    states = _warmup_states(demand[:, :warmup] / scale[:, None], "beta" in grids, period)
    states32 = (
        states[0].astype(np.float32),
        None if states[1] is None else states[1].astype(np.float32),
        None if states[2] is None else states[2].astype(np.float32),
    )
    scaled_days = (y_days / scale).astype(np.float32)
    sse = _sse(scaled_days, states32, {k: v[:, None].astype(np.float32) for k, v in combos.items()})
    best = np.argmin(sse, axis=0)
    chosen = {name: values[best] for name, values in combos.items()}
    if refine < 1:
        return chosen
    bounds = {name: _bounds(name, grids[name]) for name in free}
    return _compass(
        scaled_days,
        states32,
        start=chosen,
        start_sse=sse[best, np.arange(n_series)],
        bounds=bounds,
        rounds=refine,
    )


def _bounds(name: str, grid: np.ndarray) -> tuple[float, float]:
    low, high = _REFINE_BOUNDS[name]
    return min(low, float(grid.min())), max(high, float(grid.max()))


def _compass(
    y_days: np.ndarray,
    states: tuple[np.ndarray, np.ndarray | None, np.ndarray | None],
    *,
    start: dict[str, np.ndarray],
    start_sse: np.ndarray,
    bounds: dict[str, tuple[float, float]],
    rounds: int,
) -> dict[str, np.ndarray]:
    """Compass search on the one-step SSE for every series at once, from the parameters
    `start` (name -> (n_series,)) whose SSE is `start_sse`, over the parameters in `bounds`
    (name -> range); see the module docstring."""
    n_series = y_days.shape[1]
    columns = np.arange(n_series)
    current = {name: values.copy() for name, values in start.items()}
    position = {}
    for name, (low, high) in bounds.items():
        share = np.clip((current[name] - low) / (high - low), _EDGE, 1.0 - _EDGE)
        position[name] = np.log(share / (1.0 - share))
    best_sse = start_sse.copy()
    step = np.full(n_series, _REFINE_STEP)
    moves = [(name, sign) for name in bounds for sign in (-1.0, 1.0)]
    for _ in range(rounds):
        # One search point per move: one free parameter a step down or up, the others kept.
        points = {
            name: np.repeat(values[None], len(moves), axis=0) for name, values in current.items()
        }
        for index, (name, sign) in enumerate(moves):
            low, high = bounds[name]
            points[name][index] = low + (high - low) / (
                1.0 + np.exp(-(position[name] + sign * step))
            )
        sse = _sse(
            y_days, states, {name: values.astype(np.float32) for name, values in points.items()}
        )
        winner = np.argmin(sse, axis=0)
        winner_sse = sse[winner, columns]
        better = winner_sse < best_sse
        best_sse = np.where(better, winner_sse, best_sse)
        for index, (name, sign) in enumerate(moves):
            moved = better & (winner == index)
            position[name] = np.where(moved, position[name] + sign * step, position[name])
        for name, values in points.items():
            current[name] = np.where(better, values[winner, columns], current[name])
        step = np.where(better, step, step / 2.0)
    return current


def _smoothing_fit(
    method: str,
    y: np.ndarray,
    horizon: int,
    *,
    period: int | None = None,
    init_days: int | None,
    refine: int,
    **candidates: Sequence[float] | None,
) -> Fit:
    """Fit one member of the smoothing family: warm up, search the parameters in `candidates`
    (name -> grid; None leaves the parameter out, e.g. phi of an undamped trend), then run the
    recursion with the winners. With a `period` the model is seasonal and warms up on whole
    cycles; without one it warms up on `init_days` days."""
    demand = check_demand(y, horizon)
    if period is None:
        warmup = min(_whole(init_days, "init_days"), demand.shape[1])
    else:
        period = _whole(period, "period")
        warmup = _seasonal_warmup(demand.shape[1], period, init_days)
    grids = {
        name: _grid(values, f"{name}s", 0.0, 1.0)
        for name, values in candidates.items()
        if values is not None
    }
    refine = _refine_rounds(refine)
    y_days = np.ascontiguousarray(demand[:, warmup:].T)
    chosen = _search(demand, y_days, warmup=warmup, grids=grids, period=period, refine=refine)
    level, trend, season = _warmup_states(demand[:, :warmup], "beta" in grids, period)
    initial_level = level.copy()
    fitted = np.full((demand.shape[1], demand.shape[0]), np.nan)
    _recurse(y_days, chosen, level, trend, season, fitted=fitted[warmup:])
    forecast = _smoothing_forecast(
        chosen, level, trend, season, days_run=y_days.shape[0], horizon=horizon
    )
    reported = dict(chosen)
    if "beta" in grids:
        reported.setdefault("phi", np.ones(demand.shape[0]))
    reported["initial_level"] = initial_level
    return Fit(method, _nonneg_transposed(fitted), forecast, reported)


def _refine_rounds(value: object) -> int:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 0:
        raise EngineInputError(f"refine must be a whole number >= 0, not {value}.")
    return int(value)


def _seasonal_warmup(n_days: int, period: int, init_days: int | None) -> int:
    """Warm-up days of a seasonal method: whole cycles, `init_days // period` of them (two
    cycles when None), as many as the history holds; the whole history if under one cycle."""
    cycles = 2 if init_days is None else max(1, _whole(init_days, "init_days") // period)
    return period * min(cycles, n_days // period) if n_days >= period else n_days


def ses(
    y: np.ndarray,
    horizon: int,
    *,
    alphas: Sequence[float] = SES_ALPHAS,
    init_days: int = 7,
    refine: int = REFINE_ROUNDS,
) -> Fit:
    """Simple exponential smoothing, alpha per series by grid and compass search (module
    docstring)."""
    return _smoothing_fit("ses", y, horizon, init_days=init_days, refine=refine, alpha=alphas)


def holt(
    y: np.ndarray,
    horizon: int,
    *,
    damped: bool = False,
    alphas: Sequence[float] = HOLT_ALPHAS,
    betas: Sequence[float] = HOLT_BETAS,
    phis: Sequence[float] = HOLT_PHIS,
    init_days: int = 7,
    refine: int = REFINE_ROUNDS,
) -> Fit:
    """Holt's additive trend, damped if asked; alpha, beta (and phi) per series by grid and
    compass search."""
    return _smoothing_fit(
        "damped_holt" if damped else "holt",
        y,
        horizon,
        init_days=init_days,
        refine=refine,
        alpha=alphas,
        beta=betas,
        phi=phis if damped else None,
    )


def seasonal_es(
    y: np.ndarray,
    horizon: int,
    *,
    period: int = 7,
    alphas: Sequence[float] = SEASONAL_ES_ALPHAS,
    gammas: Sequence[float] = SEASONAL_ES_GAMMAS,
    init_days: int | None = None,
    refine: int = REFINE_ROUNDS,
) -> Fit:
    """Seasonal exponential smoothing: a level and additive seasonality without trend
    (Holt-Winters without its trend, ETS(A,N,A)); alpha and gamma per series by grid and
    compass search."""
    return _smoothing_fit(
        "seasonal_es",
        y,
        horizon,
        period=period,
        init_days=init_days,
        refine=refine,
        alpha=alphas,
        gamma=gammas,
    )


def holt_winters(
    y: np.ndarray,
    horizon: int,
    *,
    period: int = 7,
    damped: bool = False,
    alphas: Sequence[float] = HW_ALPHAS,
    betas: Sequence[float] = HW_BETAS,
    gammas: Sequence[float] = HW_GAMMAS,
    phis: Sequence[float] = HW_PHIS,
    init_days: int | None = None,
    refine: int = REFINE_ROUNDS,
) -> Fit:
    """Additive Holt-Winters (additive trend, optionally damped, additive seasonality),
    parameters per series by grid and compass search; the recursion of
    `holt_winters_recursion`."""
    return _smoothing_fit(
        "damped_holt_winters" if damped else "holt_winters",
        y,
        horizon,
        period=period,
        init_days=init_days,
        refine=refine,
        alpha=alphas,
        beta=betas,
        gamma=gammas,
        phi=phis if damped else None,
    )


def holt_winters_recursion(
    y: np.ndarray,
    horizon: int,
    *,
    alpha: float | np.ndarray,
    gamma: float | np.ndarray,
    initial_level: float | np.ndarray,
    initial_seasonal: Sequence[float] | np.ndarray,
    beta: float | np.ndarray | None = None,
    initial_trend: float | np.ndarray | None = None,
    period: int = 7,
    phi: float | np.ndarray = 1.0,
) -> Fit:
    """Additive Holt-Winters from known initial states and given parameters (numbers or one
    per series; `initial_seasonal` is (period,) or (n_series, period), entry j for day j).
    Without `beta` and `initial_trend` the model has no trend (seasonal_es' recursion).

    The recursion of statsmodels' ExponentialSmoothing(trend="add" or None, seasonal="add",
    initialization_method="known", damped_trend=phi != 1) fitted with optimized=False; see
    the module docstring for the formulas and the one known difference in the forecast.
    """
    demand = check_demand(y, horizon)
    period = _whole(period, "period")
    if (beta is None) != (initial_trend is None):
        raise EngineInputError("beta and initial_trend go together: give both or neither.")
    n_series = demand.shape[0]
    has_trend = beta is not None
    given = {
        "alpha": _per_series(alpha, n_series, "alpha"),
        "beta": _per_series(beta, n_series, "beta") if has_trend else None,
        "gamma": _per_series(gamma, n_series, "gamma"),
        "phi": _per_series(phi, n_series, "phi") if has_trend else None,
    }
    level = _per_series(initial_level, n_series, "initial_level")
    trend = _per_series(initial_trend, n_series, "initial_trend") if has_trend else None
    try:
        seasonal = np.broadcast_to(np.asarray(initial_seasonal, np.float64), (n_series, period))
    except ValueError as error:
        raise EngineInputError(
            f"initial_seasonal must have {period} values, or {period} per series."
        ) from error
    params = {name: values for name, values in given.items() if values is not None}
    reported = {name: values.copy() for name, values in params.items()}
    reported["initial_level"] = level.copy()
    if trend is not None:
        reported["initial_trend"] = trend.copy()
    season = np.ascontiguousarray(seasonal.T)
    y_days = np.ascontiguousarray(demand.T)
    fitted = np.empty_like(y_days)
    _recurse(y_days, params, level, trend, season, fitted=fitted)
    forecast = _smoothing_forecast(
        params, level, trend, season, days_run=y_days.shape[0], horizon=horizon
    )
    name = "holt_winters" if has_trend else "seasonal_es"
    return Fit(name, _nonneg_transposed(fitted), forecast, reported)


# --- intermittent demand ---------------------------------------------------------------------


def _croston_rate(demand: np.ndarray, alpha: float, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Croston's z / p as fitted (n_series, n_days) and the flat forecast (n_series, horizon)."""
    n_series, n_days = demand.shape
    y_days = np.ascontiguousarray(demand.T)
    size = np.zeros(n_series)
    interval = np.ones(n_series)
    since = np.zeros(n_series)  # days since the previous demand day, this day included
    seen = np.zeros(n_series, dtype=bool)
    fitted = np.full((n_days, n_series), np.nan)
    for t in range(n_days):
        if t > 0:
            fitted[t] = np.where(seen, size / interval, 0.0)
        today = y_days[t]
        since += 1.0
        demand_day = today > 0
        update = demand_day & seen
        first = demand_day & ~seen
        size = np.where(update, size + alpha * (today - size), np.where(first, today, size))
        interval = np.where(
            update, interval + alpha * (since - interval), np.where(first, since, interval)
        )
        since = np.where(demand_day, 0.0, since)
        seen |= demand_day
    rate = np.where(seen, size / interval, 0.0)
    return np.ascontiguousarray(fitted.T), np.repeat(rate[:, None], horizon, axis=1)


def _alpha(value: float, name: str = "alpha") -> float:
    if not 0.0 < float(value) <= 1.0:
        raise EngineInputError(f"{name} must be in (0, 1], not {value}.")
    return float(value)


def croston(y: np.ndarray, horizon: int, *, alpha: float = 0.1) -> Fit:
    """Croston's method: smoothed demand size / smoothed interval (see the module docstring)."""
    demand = check_demand(y, horizon)
    alpha = _alpha(alpha)
    fitted, forecast = _croston_rate(demand, alpha, horizon)
    return Fit(
        "croston", _nonneg(fitted), _nonneg(forecast), {"alpha": np.full(len(demand), alpha)}
    )


def sba(y: np.ndarray, horizon: int, *, alpha: float = 0.1) -> Fit:
    """Syntetos-Boylan approximation: Croston * (1 - alpha/2)."""
    demand = check_demand(y, horizon)
    alpha = _alpha(alpha)
    fitted, forecast = _croston_rate(demand, alpha, horizon)
    factor = 1.0 - alpha / 2.0
    params = {"alpha": np.full(len(demand), alpha)}
    return Fit("sba", _nonneg(fitted * factor), _nonneg(forecast * factor), params)


def tsb(y: np.ndarray, horizon: int, *, alpha: float = 0.1, beta: float = 0.1) -> Fit:
    """Teunter-Syntetos-Babai: smoothed demand probability * smoothed size."""
    demand = check_demand(y, horizon)
    alpha, beta = _alpha(alpha), _alpha(beta, "beta")
    n_series, n_days = demand.shape
    y_days = np.ascontiguousarray(demand.T)
    size = np.zeros(n_series)
    probability = np.zeros(n_series)
    seen = np.zeros(n_series, dtype=bool)
    fitted = np.full((n_days, n_series), np.nan)
    for t in range(n_days):
        if t > 0:
            fitted[t] = probability * size  # 0 until the first demand day
        today = y_days[t]
        demand_day = today > 0
        first = demand_day & ~seen
        probability = np.where(seen, probability + beta * (demand_day - probability), probability)
        size = np.where(seen & demand_day, size + alpha * (today - size), size)
        probability = np.where(first, 1.0 / (t + 1), probability)
        size = np.where(first, today, size)
        seen |= demand_day
    params = {"alpha": np.full(n_series, alpha), "beta": np.full(n_series, beta)}
    forecast = np.repeat((probability * size)[:, None], horizon, axis=1)
    return Fit("tsb", _nonneg_transposed(fitted), _nonneg(forecast), params)


METHODS: dict[str, Callable[[np.ndarray, int], Fit]] = {
    "seasonal_naive": seasonal_naive,
    "moving_average": moving_average,
    "ses": ses,
    "holt": holt,
    "damped_holt": partial(holt, damped=True),
    "seasonal_es": seasonal_es,
    "holt_winters": holt_winters,
    "damped_holt_winters": partial(holt_winters, damped=True),
    "croston": croston,
    "sba": sba,
    "tsb": tsb,
}
