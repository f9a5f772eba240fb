"""Plan runs, the current plan and the suggested orders in it."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from tests.factories.inventory import SiteFactory, SkuFactory
from tests.factories.suppliers import SupplierFactory


class PlanRunFactory(DjangoModelFactory):
    """A succeeded plan run; `published_plan()` also makes it the current plan."""

    class Meta:
        model = "optimization.PlanRun"

    status = "succeeded"
    as_of = factory.LazyFunction(date.today)


def published_plan(run=None):  # type: ignore[no-untyped-def]
    from optimization.models import PlanPublication

    run = run or PlanRunFactory()
    PlanPublication.objects.update_or_create(name="current", defaults={"run": run})
    return run


def current_plan_or_new():  # type: ignore[no-untyped-def]
    from optimization.services.plans import current_plan

    return current_plan() or published_plan()


class SuggestedOrderFactory(DjangoModelFactory):
    """A proposed order in the current plan (one is published if there is none): 100 units at 10.00 from a supplier, MOQ 50,
    multiple 10, no shelf-life cap, ordered today and arriving in 14 days."""

    class Meta:
        model = "optimization.SuggestedOrder"

    plan = factory.LazyFunction(current_plan_or_new)
    sku = factory.SubFactory(SkuFactory)
    site = factory.SubFactory(SiteFactory)
    supplier = factory.SubFactory(SupplierFactory)
    status = "proposed"
    urgency = "high"
    urgency_rank = 1
    quantity = 100
    suggested_quantity = factory.SelfAttribute("quantity")
    order_date = factory.LazyFunction(date.today)
    suggested_order_date = factory.SelfAttribute("order_date")
    lead_time_days = 14
    arrival_date = factory.LazyAttribute(lambda o: o.order_date + timedelta(days=o.lead_time_days))
    unit_price = Decimal("10.00")
    list_price = factory.SelfAttribute("unit_price")
    value = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)
    moq = 50
    order_multiple = 10
    shelf_life_cap = None
    inventory_position = 40
    reorder_point = 60.0
    safety_stock = 20.0
    reason_codes = factory.LazyFunction(lambda: ["below_reorder_point", "eoq"])
    reason = "Position 40 is at or below reorder point 60 today; quantity 100 = EOQ 100."
    projection = factory.LazyFunction(
        lambda: {"start": "2026-01-01", "without": [40, 30, 20], "with": [40, 30, 120]}
    )
