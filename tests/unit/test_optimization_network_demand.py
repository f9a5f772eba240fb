"""Echelon demand along the replenishment paths: sums of the daily forecasts up the tree and
the root of the sum of squares of the error deviations."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimization.engine.network_demand import echelon_demand
from optimization.engine.types import EngineInputError

DC, WAREHOUSE, H1, H2, H3 = 1, 2, 11, 12, 13


def test_three_hospitals_under_a_warehouse_under_a_distribution_centre() -> None:
    own = {
        H1: np.array([10.0, 12.0, 8.0]),
        H2: np.array([5.0, 5.0, 5.0]),
        H3: np.array([1.0, 0.0, 2.0]),
        DC: np.array([4.0, 4.0, 4.0]),  # the DC serves some customers itself
    }
    std = {H1: 3.0, H2: 2.0, H3: 1.0, DC: 1.0}
    fed_from = {H1: WAREHOUSE, H2: WAREHOUSE, H3: WAREHOUSE, WAREHOUSE: DC}

    demand = echelon_demand(own_daily=own, own_error_std=std, fed_from=fed_from)

    np.testing.assert_allclose(demand[WAREHOUSE].daily, [16.0, 17.0, 15.0])
    np.testing.assert_allclose(demand[DC].daily, demand[WAREHOUSE].daily + 4.0)
    assert demand[WAREHOUSE].error_std == pytest.approx(math.sqrt(9 + 4 + 1))
    assert demand[DC].error_std == pytest.approx(math.sqrt(9 + 4 + 1 + 1))
    assert demand[WAREHOUSE].fed == (H1, H2, H3)
    assert demand[DC].fed == (WAREHOUSE,)


def test_a_site_replenished_by_transfer_keeps_its_own_demand() -> None:
    own = {H1: np.array([10.0, 12.0])}

    demand = echelon_demand(own_daily=own, own_error_std={H1: 3.0}, fed_from={H1: WAREHOUSE})

    np.testing.assert_allclose(demand[H1].daily, [10.0, 12.0])
    assert demand[H1].error_std == 3.0 and demand[H1].fed == ()


def test_a_site_that_buys_from_suppliers_passes_nothing_up() -> None:
    own = {H1: np.array([10.0]), WAREHOUSE: np.array([2.0])}

    demand = echelon_demand(own_daily=own, own_error_std={}, fed_from={})

    np.testing.assert_allclose(demand[WAREHOUSE].daily, [2.0])
    assert demand[WAREHOUSE].fed == ()


def test_a_loop_in_the_paths_is_refused() -> None:
    with pytest.raises(EngineInputError, match="loops back"):
        echelon_demand(
            own_daily={H1: np.array([1.0])},
            own_error_std={},
            fed_from={H1: WAREHOUSE, WAREHOUSE: DC, DC: WAREHOUSE},
        )


def test_negative_demand_is_refused() -> None:
    with pytest.raises(EngineInputError, match="finite values >= 0"):
        echelon_demand(own_daily={H1: np.array([-1.0])}, own_error_std={}, fed_from={})


@given(
    st.lists(
        st.tuples(
            st.sampled_from([DC, WAREHOUSE, H1, H2, H3]),
            st.floats(min_value=0, max_value=1e4),
            st.floats(min_value=0, max_value=1e3),
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda row: row[0],
    )
)
def test_the_root_covers_every_unit_and_all_the_variance_of_its_tree(rows) -> None:  # type: ignore[no-untyped-def]
    own = {site: np.array([value, value / 2]) for site, value, _ in rows}
    std = {site: deviation for site, _, deviation in rows}
    fed_from = {H1: WAREHOUSE, H2: WAREHOUSE, H3: DC, WAREHOUSE: DC}

    demand = echelon_demand(own_daily=own, own_error_std=std, fed_from=fed_from)

    np.testing.assert_allclose(demand[DC].daily, sum(values for values in own.values()), rtol=1e-12)
    assert demand[DC].error_std == pytest.approx(
        math.sqrt(sum(deviation**2 for deviation in std.values())), rel=1e-9
    )
