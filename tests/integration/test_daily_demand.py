"""inventory.services.demand.daily_demand_add: units added to each SKU-site-day's demand, the
existing rows growing and the missing ones created (one upsert on PostgreSQL)."""

from datetime import date

import pytest

from inventory.models import DailyDemand
from inventory.services.demand import daily_demand_add
from tests.factories import SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 1, 9)


def demand() -> dict[tuple[int, int, date], int]:
    return {(row.sku_id, row.site_id, row.date): row.quantity for row in DailyDemand.objects.all()}


def test_existing_days_grow_and_missing_days_are_created() -> None:
    sku, site, other = SkuFactory(), SiteFactory(), SiteFactory()
    DailyDemand.objects.create(sku=sku, site=site, date=DAY, quantity=5)

    daily_demand_add(
        added={
            (sku.pk, site.pk, DAY): 3,
            (sku.pk, other.pk, DAY): 4,
            (sku.pk, site.pk, date(2026, 1, 8)): 2,
        }
    )

    assert demand() == {
        (sku.pk, site.pk, DAY): 8,
        (sku.pk, other.pk, DAY): 4,
        (sku.pk, site.pk, date(2026, 1, 8)): 2,
    }


def test_zero_units_add_no_row() -> None:
    sku, site = SkuFactory(), SiteFactory()

    daily_demand_add(added={(sku.pk, site.pk, DAY): 0})

    assert demand() == {}
