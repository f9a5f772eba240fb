from datetime import date, timedelta

import pytest

from inventory.models import DailyDemand, StockPosition
from inventory.services.stock import abc_xyz_classify
from tests.factories import SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 1, 5)  # a Monday


def demand(sku, site, weekly_units: list[int]) -> None:  # type: ignore[no-untyped-def]
    """One demand row on the Monday of each of the last len(weekly_units) weeks."""
    rows = [
        DailyDemand(
            sku=sku, site=site, date=TODAY - timedelta(weeks=len(weekly_units) - i), quantity=q
        )
        for i, q in enumerate(weekly_units)
    ]
    DailyDemand.objects.bulk_create(rows)


def test_classifies_by_value_and_weekly_variability() -> None:
    site = SiteFactory()
    big = SkuFactory(unit_cost=100)
    middle = SkuFactory(unit_cost=10)
    small = SkuFactory(unit_cost=1)
    demand(big, site, [10] * 52)  # value 52,000, perfectly steady
    demand(middle, site, [10, 30] * 26)  # value 10,400, CV 0.5
    demand(small, site, [0] * 51 + [100])  # value 100, one spike

    assert abc_xyz_classify(today=TODAY) == 3

    classes = dict(StockPosition.objects.values_list("sku__code", "abc_class"))
    cvs = {
        code: (xyz, cv)
        for code, xyz, cv in StockPosition.objects.values_list(
            "sku__code", "xyz_class", "demand_cv"
        )
    }
    assert classes == {big.code: "A", middle.code: "B", small.code: "C"}
    assert cvs[big.code][0] == "X"
    assert cvs[middle.code] == ("Y", pytest.approx(0.5))
    assert cvs[small.code][0] == "Z"


def test_thresholds_can_be_given_per_run() -> None:
    site = SiteFactory()
    sku = SkuFactory(unit_cost=1)
    demand(sku, site, [10, 30] * 26)  # CV 0.5

    abc_xyz_classify(today=TODAY, x_below=0.6, y_below=1.0)

    assert StockPosition.objects.get(sku=sku).xyz_class == "X"


def test_weeks_without_demand_count_as_zero() -> None:
    site = SiteFactory()
    sku = SkuFactory()
    demand(sku, site, [10])  # one week of demand in 52

    abc_xyz_classify(today=TODAY)

    assert StockPosition.objects.get(sku=sku).xyz_class == "Z"
