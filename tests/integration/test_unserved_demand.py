"""Demand that could not be served (inventory.services.unserved): into the day's demand,
on the audit trail, and refused whole when an entry is wrong."""

from datetime import date

import pytest

from accounts.models import AuditLogEntry
from inventory.models import DailyDemand
from inventory.services.unserved import UnservedDemandRefused, demand_unserved_record
from tests.factories import SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 5, 4)


def test_unserved_units_are_added_to_the_days_demand_and_audited(make_user) -> None:  # type: ignore[no-untyped-def]
    sku, site = SkuFactory(), SiteFactory()
    DailyDemand.objects.create(sku=sku, site=site, date=TODAY, quantity=5)  # served earlier
    nurse = make_user("warehouse")

    recorded = demand_unserved_record(
        actor=nurse, unserved={(sku.pk, site.pk, TODAY): 7}, today=TODAY
    )

    assert recorded == 7
    assert DailyDemand.objects.get(sku=sku, site=site, date=TODAY).quantity == 12
    entry = AuditLogEntry.objects.get(object_pk=str(site.pk), changes__has_key="unserved_demand")
    assert entry.actor == nurse
    assert entry.changes["unserved_demand"][1] == {"date": "2026-05-04", "units": {sku.code: 7}}


@pytest.mark.parametrize(
    ("units", "day", "message"),
    [(0, TODAY, "above zero"), (-3, TODAY, "above zero"), (4, date(2026, 5, 5), "in the future")],
)
def test_a_wrong_entry_refuses_the_whole_call(units, day, message) -> None:  # type: ignore[no-untyped-def]
    sku, site = SkuFactory(), SiteFactory()
    good = (SkuFactory().pk, site.pk, TODAY)

    with pytest.raises(UnservedDemandRefused, match=message):
        demand_unserved_record(
            actor=None, unserved={good: 3, (sku.pk, site.pk, day): units}, today=TODAY
        )

    assert not DailyDemand.objects.exists()


def test_an_unknown_sku_is_refused() -> None:
    with pytest.raises(UnservedDemandRefused, match="No SKU 999999"):
        demand_unserved_record(
            actor=None, unserved={(999999, SiteFactory().pk, TODAY): 1}, today=TODAY
        )
