"""The simulated world's hidden processes (demo.simulation.world): pure, seeded, and each
day's draw independent of the days and SKU-sites around it."""

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demo.simulation import world
from demo.simulation.parameters import SimulationParameters, parameters_from_dict

PARAMS = SimulationParameters(seed=7)
ORIGIN = date(2026, 1, 5)


def series(
    sku: str = "SKU-1", site: str = "HSP-1", level: float = 20.0, category: str = "biologic"
):  # type: ignore[no-untyped-def]
    return world.Series(sku=sku, site=site, category=category, region="North", level=level)


def test_the_same_seed_and_day_draw_the_same_demand_and_another_seed_does_not() -> None:
    many = [series(sku=f"SKU-{i}") for i in range(30)]

    first = world.demand_draw(many, ORIGIN, ORIGIN, PARAMS)
    again = world.demand_draw(many, ORIGIN, ORIGIN, PARAMS)
    other = world.demand_draw(many, ORIGIN, ORIGIN, replace(PARAMS, seed=8))

    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


@settings(max_examples=25, deadline=None)
@given(day_offset=st.integers(0, 400), keep=st.lists(st.integers(0, 19), min_size=1, unique=True))
def test_a_series_draw_does_not_depend_on_the_other_series_or_the_days_before(
    day_offset: int, keep: list[int]
) -> None:
    everyone = [series(sku=f"SKU-{i}", level=1.0 + i) for i in range(20)]
    day = ORIGIN + timedelta(days=day_offset)

    full = world.demand_draw(everyone, day, ORIGIN, PARAMS)
    subset = world.demand_draw([everyone[i] for i in keep], day, ORIGIN, PARAMS)

    assert subset.tolist() == [int(full[i]) for i in keep]


def test_the_draws_average_to_the_expected_demand() -> None:
    one = series(level=30.0)
    days = [ORIGIN + timedelta(days=d) for d in range(2000)]

    drawn = [int(world.demand_draw([one], day, ORIGIN, PARAMS)[0]) for day in days]
    expected = [world.expected_demand(one, day, ORIGIN, PARAMS) for day in days]

    assert abs(np.mean(drawn) / np.mean(expected) - 1) < 0.03


def test_vaccines_peak_in_autumn_and_the_weekdays_average_to_one() -> None:
    october, april = date(2026, 10, 15), date(2026, 4, 15)

    assert world.season_factor("vaccine", october, PARAMS) > 1.4
    assert world.season_factor("vaccine", april, PARAMS) < 0.7
    assert abs(np.mean(PARAMS.weekday_pattern) - 1) < 0.01


def test_an_outbreak_multiplies_its_regions_demand_for_whole_weeks() -> None:
    certain = replace(PARAMS, outbreak_weekly_probability=1.0)
    monday = date(2026, 3, 2)

    factors = [
        world.outbreak_factor("North", "vaccine", monday + timedelta(d), certain) for d in range(7)
    ]

    assert all(1.5 <= factor <= 3.0 for factor in factors)
    assert len(set(factors)) == 1  # the same outbreaks all week
    assert world.outbreak_factor("North", "vaccine", monday, PARAMS) >= 1.0


def test_a_discontinued_series_fades_to_zero_and_stays_there() -> None:
    certain = replace(PARAMS, discontinuation_probability_per_year=0.999)
    fade_from = world.discontinuation_day("SKU-1@HSP-1", ORIGIN, certain)
    assert fade_from is not None

    halfway = fade_from + timedelta(days=world.FADE_DAYS // 2)
    after = fade_from + timedelta(days=world.FADE_DAYS + 30)

    assert world.life_factor("SKU-1@HSP-1", fade_from - timedelta(days=1), ORIGIN, certain) == 1.0
    assert 0.4 < world.life_factor("SKU-1@HSP-1", halfway, ORIGIN, certain) < 0.6
    assert world.life_factor("SKU-1@HSP-1", after, ORIGIN, certain) == 0.0


def test_launches_go_to_a_site_without_the_sku_and_ramp_up() -> None:
    certain = replace(PARAMS, launch_probability_per_year=0.999)
    demanded = {"SKU-1": {"HSP-1"}, "SKU-2": {"HSP-1", "HSP-2"}}

    found = world.launches(
        ["SKU-1", "SKU-2"], ["HSP-1", "HSP-2", "HSP-3"], demanded, ORIGIN, certain
    )

    assert {launch.sku for launch in found} == {"SKU-1", "SKU-2"}
    for launch in found:
        assert launch.site not in demanded[launch.sku]
        assert world.launch_ramp(launch, launch.day - timedelta(days=1)) == 0.0
        assert world.launch_ramp(launch, launch.day + timedelta(days=60)) == 1.0


@settings(max_examples=50, deadline=None)
@given(
    number=st.text(min_size=1, max_size=12),
    mean=st.floats(1, 120),
    std=st.floats(0, 30),
    partial=st.floats(0, 1),
)
def test_shipments_are_ordered_in_time_and_the_last_carries_the_rest(
    number: str, mean: float, std: float, partial: float
) -> None:
    behaviour = world.SupplierBehaviour(1.0, 0.1, 0.1, partial, 0.02)

    shipments = world.order_shipments(number, mean, std, behaviour, PARAMS)

    assert shipments[-1].share == 1.0
    assert all(0 < shipment.share <= 1 for shipment in shipments)
    assert all(shipment.dispatch_after >= 0 for shipment in shipments)
    assert [s.dispatch_after for s in shipments] == sorted(s.dispatch_after for s in shipments)
    assert all(shipment.delivery_days >= 1 for shipment in shipments)


@settings(max_examples=50, deadline=None)
@given(shelf_life=st.integers(30, 1500), share=st.floats(0, 0.9), delivery=st.integers(1, 3))
def test_a_shipped_lot_arrives_with_the_minimum_shelf_life(
    shelf_life: int, share: float, delivery: int
) -> None:
    minimum = int(shelf_life * share)
    dispatched = date(2026, 5, 1)

    expiry = world.lot_expiry(
        "LOT-1",
        dispatched_on=dispatched,
        delivery_days=delivery,
        shelf_life_days=shelf_life,
        min_remaining_days=minimum,
        params=PARAMS,
    )

    assert expiry - (dispatched + timedelta(days=delivery)) >= timedelta(
        days=min(minimum, shelf_life - delivery)
    )
    assert expiry <= dispatched + timedelta(days=shelf_life)


def test_rejections_never_take_a_whole_line() -> None:
    always = world.SupplierBehaviour(1.0, 0.1, 0.0, 0.0, 1.0)

    rejected = [
        world.rejected_units(
            f"ASN-{i}", line_key="SKU-1", units=10, behaviour=always, params=PARAMS
        )
        for i in range(50)
    ]

    assert all(1 <= units <= 9 for units in rejected)


def test_quality_decides_within_the_configured_days() -> None:
    decisions = [world.quality_decision(f"lot-{i}", PARAMS) for i in range(200)]

    assert {d.decide_after_days for d in decisions} == {1, 2, 3}
    assert 0 <= sum(d.reject for d in decisions) <= 10


def test_parameters_survive_their_json_form() -> None:
    import json

    stored = json.loads(json.dumps(PARAMS.as_dict()))

    assert parameters_from_dict(stored) == PARAMS


def test_each_supplier_acknowledges_after_its_own_days_within_the_range() -> None:
    params = SimulationParameters(seed=7, acknowledge_days_range=(1, 3))
    days = {world.supplier_behaviour(f"SUP-{k:03d}", params).acknowledge_days for k in range(40)}

    assert days == {1, 2, 3}
    assert world.supplier_behaviour("SUP-001", params) == world.supplier_behaviour(
        "SUP-001", params
    )


def test_a_negative_acknowledgement_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="acknowledge"):
        SimulationParameters(acknowledge_days_range=(-1, 2)).validate()
