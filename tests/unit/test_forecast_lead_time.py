import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from forecasting.engine.lead_time import HISTORY, TERMS, lead_time_model
from forecasting.engine.types import EngineInputError


def model(group, ordered, lead, *, terms_mean=(10.0,), terms_std=(2.0,), today=100, **options):  # type: ignore[no-untyped-def]
    return lead_time_model(
        np.array(group),
        np.array(ordered, dtype=float),
        np.array(lead, dtype=float),
        terms_mean=np.array(terms_mean),
        terms_std=np.array(terms_std),
        today=today,
        **options,
    )


def test_mean_std_and_a_rising_trend_from_receipts() -> None:
    # Orders every 10 days; lead time 10, 11, 12, 13, 14 days: +1 day per 10 days of orders.
    result = model([0] * 5, [0, 10, 20, 30, 40], [10, 11, 12, 13, 14], today=60)

    assert result.source[0] == HISTORY
    assert result.n[0] == 5
    assert result.mean[0] == pytest.approx(12.0)
    assert result.std[0] == pytest.approx(np.std([10, 11, 12, 13, 14], ddof=1))
    assert result.trend_per_year[0] == pytest.approx(36.5)
    # the mean order day is 20; 40 days later the trend adds 4 days
    assert result.projected_mean[0] == pytest.approx(16.0)


def test_thin_history_falls_back_to_the_supplier_terms() -> None:
    result = model([0, 0], [0, 5], [30, 40], terms_mean=(14.0,), terms_std=(3.0,))

    assert result.source[0] == TERMS
    assert (result.mean[0], result.std[0], result.trend_per_year[0]) == (14.0, 3.0, 0.0)
    assert result.n[0] == 2


def test_a_group_without_receipts_uses_its_terms() -> None:
    result = model([0] * 5, [0, 1, 2, 3, 4], [5] * 5, terms_mean=(8.0, 21.0), terms_std=(1.0, 4.0))

    assert list(result.source) == [HISTORY, TERMS]
    assert result.mean[1] == 21.0 and result.std[0] == 0.0


def test_orders_all_on_one_day_have_no_trend() -> None:
    result = model([0] * 5, [7] * 5, [9, 10, 11, 10, 10])

    assert result.trend_per_year[0] == 0.0
    assert result.projected_mean[0] == pytest.approx(10.0)


def test_the_projection_never_runs_past_twice_the_longest_lead_time() -> None:
    result = model([0] * 5, [0, 1, 2, 3, 4], [1, 5, 9, 13, 17], today=5000)

    assert result.projected_mean[0] == 34.0


def test_a_receipt_before_its_order_is_refused() -> None:
    with pytest.raises(EngineInputError, match="negative"):
        model([0] * 5, [0] * 5, [3, 3, -1, 3, 3])


def test_a_group_number_without_terms_is_refused() -> None:
    with pytest.raises(EngineInputError, match="Group numbers"):
        model([1], [0], [3])


@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 700), st.integers(0, 120)), max_size=60),
    st.integers(2, 8),
)
def test_every_group_gets_finite_non_negative_figures(receipts, min_observations) -> None:  # type: ignore[no-untyped-def]
    group = [g for g, _, _ in receipts]
    result = model(
        group,
        [d for _, d, _ in receipts],
        [lt for _, _, lt in receipts],
        terms_mean=(5.0, 10.0, 20.0, 40.0),
        terms_std=(0.0, 1.0, 2.0, 3.0),
        today=730,
        min_observations=min_observations,
    )

    for values in (result.mean, result.std, result.projected_mean, result.trend_per_year):
        assert np.isfinite(values).all()
    assert (result.mean >= 0).all() and (result.std >= 0).all()
    assert (result.projected_mean >= 1).all()
    counts = np.bincount(np.array(group, dtype=int), minlength=4)
    assert list(result.source) == [HISTORY if c >= min_observations else TERMS for c in counts]
