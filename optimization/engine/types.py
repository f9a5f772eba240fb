"""Errors and input checks shared by the optimization engine.

Conventions. Every per-SKU-site input is a float array of shape (n,), one entry per SKU-site,
or a scalar that applies to all of them; the checks below broadcast scalars and refuse
anything else. Units: demand in units per day, lead times and review periods in days, prices
and order costs in money (the SKU's currency) per unit and per order, holding rates per year,
holding costs in money per unit per year. A year is `DAYS_PER_YEAR` days.

An input the engine cannot use raises `EngineInputError` with a message that names the input,
says what is wrong and where (how many SKU-sites, and the first index), so a planner or an
import report can point at the row.
"""

import numpy as np
import numpy.typing as npt

DAYS_PER_YEAR = 365.0


class EngineInputError(ValueError):
    """Input the engine refuses: wrong shape, NaN where a value is needed, out of range."""


def where(bad: npt.ArrayLike, values: np.ndarray | None = None, noun: str = "SKU-site") -> str:
    """'at 3 SKU-sites (first: index 17, value -2)' for a boolean mask with a True entry.

    For a 2-D mask (rows are SKU-sites or items) it counts the rows with a True entry and
    gives the first one as 'index (row, column)'."""
    mask = np.asarray(bad, dtype=bool)
    if mask.ndim == 2:
        count = int(mask.any(axis=1).sum())
        row, column = (int(i) for i in np.argwhere(mask)[0])
        position: tuple[int, ...] = (row, column)
        detail = f"index ({row}, {column})"
    else:
        flat = mask.ravel()
        count = int(flat.sum())
        position = (int(np.argmax(flat)),)
        detail = f"index {position[0]}"
    if values is not None:
        array = np.asarray(values)
        value = array[position] if array.ndim == len(position) else array.ravel()[position[-1]]
        detail += f", value {float(value):g}"
    plural = noun if count == 1 else f"{noun}s"
    return f"at {count} {plural} (first: {detail})"


def count(*values: object) -> int:
    """The number of SKU-sites n implied by arguments that are scalars or arrays of shape (n,)
    (or (n, K) for padded tables): the largest leading dimension, 1 for scalars only."""
    arrays = [np.asarray(value) for value in values]
    return max([int(array.shape[0]) for array in arrays if array.ndim >= 1] or [1])


def vector(
    value: object,
    n: int,
    name: str,
    *,
    minimum: float | None = None,
    above: float | None = None,
    allow_nan: bool = False,
    allow_inf: bool = False,
) -> np.ndarray:
    """`value` as a float64 array of shape (n,), broadcasting a scalar, or EngineInputError.

    `minimum` is an inclusive lower bound, `above` an exclusive one; NaN and infinity are
    refused unless allowed (and are never compared with the bounds)."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise EngineInputError(f"{name} must be numbers.") from error
    if array.ndim > 1:
        raise EngineInputError(f"{name} must be a number or one value per SKU-site.")
    try:
        out = np.broadcast_to(array, (n,)).copy()
    except ValueError as error:
        raise EngineInputError(
            f"{name} must be a number or one value per SKU-site ({n}), not {array.size} values."
        ) from error
    nan = np.isnan(out)
    if not allow_nan and nan.any():
        raise EngineInputError(f"{name} is missing (NaN) {where(nan)}.")
    inf = np.isinf(out)
    if not allow_inf and inf.any():
        raise EngineInputError(f"{name} is infinite {where(inf, out)}.")
    known = ~nan
    if minimum is not None:
        low = known & (out < minimum)
        if low.any():
            raise EngineInputError(f"{name} must be >= {minimum:g}, and is not {where(low, out)}.")
    if above is not None:
        low = known & (out <= above)
        if low.any():
            raise EngineInputError(f"{name} must be > {above:g}, and is not {where(low, out)}.")
    return out


def fraction(value: object, n: int, name: str) -> np.ndarray:
    """A probability strictly between 0 and 1 (a service target), shape (n,)."""
    out = vector(value, n, name)
    outside = (out <= 0.0) | (out >= 1.0)
    if outside.any():
        raise EngineInputError(
            f"{name} must be strictly between 0 and 1, and is not {where(outside, out)}."
        )
    return out


def whole(
    value: object, shape: tuple[int, ...], name: str, *, allow_inf: bool = False
) -> np.ndarray:
    """Whole numbers >= 0 as float64 of `shape` (infinity allowed if asked), or EngineInputError."""
    try:
        array = np.asarray(value, dtype=np.float64)
        out = np.broadcast_to(array, shape).copy()
    except (TypeError, ValueError) as error:
        raise EngineInputError(f"{name} must be whole numbers of shape {shape}.") from error
    if np.isnan(out).any():
        raise EngineInputError(f"{name} is missing (NaN) {where(np.isnan(out), noun='item')}.")
    finite = np.isfinite(out)
    if not allow_inf and not finite.all():
        raise EngineInputError(f"{name} is infinite {where(~finite, noun='item')}.")
    bad = finite & ((out < 0) | (out != np.round(out)))
    if bad.any():
        raise EngineInputError(
            f"{name} must be whole numbers >= 0, and is not {where(bad, out, 'item')}."
        )
    return out
