import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecasting.engine.accuracy import bias, mase, naive_scale, wape
from forecasting.engine.patterns import classify
from forecasting.engine.types import EngineInputError


def test_wape_textbook() -> None:
    # |10-8| + |20-25| + |30-30| = 7 over 60
    assert wape(np.array([[10, 20, 30]]), np.array([[8, 25, 30]]))[0] == pytest.approx(7 / 60)


def test_bias_is_signed() -> None:
    # (8-10) + (25-20) + (30-30) = 3 over 60: over-forecast
    assert bias(np.array([[10, 20, 30]]), np.array([[8, 25, 30]]))[0] == pytest.approx(3 / 60)


def test_wape_and_bias_are_undefined_for_zero_actuals() -> None:
    assert np.isnan(wape(np.zeros((1, 3)), np.ones((1, 3))))[0]
    assert np.isnan(bias(np.zeros((1, 3)), np.ones((1, 3))))[0]


def test_nan_forecasts_are_left_out_with_their_actuals() -> None:
    assert wape(np.array([[100, 10]]), np.array([[np.nan, 12]]))[0] == pytest.approx(0.2)


def test_naive_scale_is_the_mae_of_repeating_last_week() -> None:
    history = np.array([[1, 2, 3, 4, 5, 6, 7, 2, 2, 3, 4, 5, 6, 9]], dtype=float)
    # differences with the day a week earlier: 1, 0, 0, 0, 0, 0, 2 -> mean 3/7
    assert naive_scale(history)[0] == pytest.approx(3 / 7)


def test_mase_below_one_beats_the_seasonal_naive() -> None:
    scale = np.array([2.0])
    assert mase(np.array([[10, 12]]), np.array([[11, 11]]), scale)[0] == pytest.approx(0.5)


def test_mase_with_zero_scale() -> None:
    assert mase(np.array([[5.0]]), np.array([[5.0]]), np.array([0.0]))[0] == 0
    assert np.isinf(mase(np.array([[5.0]]), np.array([[4.0]]), np.array([0.0]))[0])


@given(
    arrays(np.float64, (3, 10), elements=st.floats(0, 1e4)),
    arrays(np.float64, (3, 10), elements=st.floats(0, 1e4)),
)
def test_wape_is_never_negative(actual, forecast) -> None:  # type: ignore[no-untyped-def]
    values = wape(actual, forecast)
    assert (values[~np.isnan(values)] >= 0).all()


def test_patterns_textbook_cases() -> None:
    y = np.array(
        [
            [10, 11, 9, 10, 10, 11, 9, 10],  # every day, steady: smooth
            [1, 30, 2, 40, 1, 35, 2, 50],  # every day, sizes vary a lot: erratic
            [0, 0, 5, 0, 0, 5, 0, 6],  # every ~2.7 days, steady sizes: intermittent
            [0, 0, 1, 0, 0, 40, 0, 3],  # rare and variable: lumpy
            [0, 0, 0, 0, 0, 0, 0, 0],  # none
        ],
        dtype=float,
    )

    assert list(classify(y).pattern) == ["smooth", "erratic", "intermittent", "lumpy", "none"]


def test_adi_and_cv2_values() -> None:
    patterns = classify(np.array([[0, 4, 0, 0, 2, 0]], dtype=float))
    # 2 demands in 6 days -> ADI 3; sizes 4 and 2: mean 3, variance 1 -> CV² 1/9
    assert patterns.adi[0] == pytest.approx(3)
    assert patterns.cv2[0] == pytest.approx(1 / 9)
    assert patterns.intermittent[0]


def test_single_demand_and_one_day_series_do_not_fail() -> None:
    patterns = classify(np.array([[0, 0, 7]], dtype=float))
    assert patterns.cv2[0] == 0
    assert classify(np.array([[3.0]])).pattern[0] == "smooth"


@pytest.mark.parametrize(
    "bad", [np.array([1.0, 2.0]), np.array([[1.0, np.nan]]), np.array([[-1.0]])]
)
def test_patterns_refuse_impossible_input(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EngineInputError):
        classify(bad)


def test_naive_scale_with_another_season() -> None:
    history = np.array([[1.0, 5.0, 2.0, 6.0, 4.0, 6.0]])
    # period 2: |2-1| + |6-5| + |4-2| + |6-6| = 4 over 4 days
    assert naive_scale(history, season=2)[0] == pytest.approx(1.0)
