from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from accounts.models import User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create:
            self.save()
        if create and extracted:
            # get_or_create: a transactional test's flush also removes the migration-made groups.
            self.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in extracted))


class SkuFactory(DjangoModelFactory):
    class Meta:
        model = "inventory.Sku"

    code = factory.Sequence(lambda n: f"SKU-{n:06d}")
    name = factory.Sequence(lambda n: f"Product {n} 10 mg x 30")
    category = "small_molecule"
    temperature_zone = "room"
    shelf_life_days = 730
    min_remaining_shelf_life_days = 180
    unit_cost = 12


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = "inventory.Site"

    code = factory.Sequence(lambda n: f"SITE-{n:03d}")
    name = factory.Sequence(lambda n: f"Site {n}")
    echelon = "hospital"
    region = "North"


class LotFactory(DjangoModelFactory):
    """A lot with stock, created through the receiving service so the ledger matches."""

    class Meta:
        model = "inventory.Lot"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        from datetime import date

        from inventory.services.stock import stock_receive

        return stock_receive(
            actor=None,
            sku=kwargs["sku"],
            site=kwargs["site"],
            lot_number=kwargs.get("lot_number") or f"LOT-{model_class.objects.count() + 1:05d}",
            expiry_date=kwargs["expiry_date"],
            quantity=kwargs.get("quantity", 100),
            status=kwargs.get("status", "released"),
            today=kwargs.get("today", date(2026, 1, 1)),
        )


class SupplierFactory(DjangoModelFactory):
    class Meta:
        model = "suppliers.Supplier"

    code = factory.Sequence(lambda n: f"SUP-{n:03d}")
    name = factory.Sequence(lambda n: f"Supplier {n} Pharma")


class PurchaseOrderFactory(DjangoModelFactory):
    class Meta:
        model = "suppliers.PurchaseOrder"

    number = factory.Sequence(lambda n: f"PO-{n:06d}")
    supplier = factory.SubFactory(SupplierFactory)
    destination = factory.SubFactory(SiteFactory)
    status = "sent"


class PurchaseOrderLineFactory(DjangoModelFactory):
    class Meta:
        model = "suppliers.PurchaseOrderLine"

    purchase_order = factory.SubFactory(PurchaseOrderFactory)
    sku = factory.SubFactory(SkuFactory)
    quantity = 100
    unit_price = 10


def published_series(sku, site, values, *, as_of, run=None):  # type: ignore[no-untyped-def]
    """A succeeded forecast run (or `run`) made current, holding `values` for sku at site."""
    from forecasting.models import ForecastPublication, ForecastRun, SeriesForecast

    if run is None:
        run = ForecastRun.objects.create(
            as_of=as_of,
            engine_version="test",
            status="succeeded",
            parameters={"horizon": len(values)},
        )
        ForecastPublication.objects.update_or_create(name="current", defaults={"run": run})
    flat = [float(value) for value in values]
    SeriesForecast.objects.create(
        run=run,
        sku=sku,
        site=site,
        pattern="smooth",
        method="ses",
        values=flat,
        lower_80=[value * 0.8 for value in flat],
        upper_80=[value * 1.2 for value in flat],
        lower_95=[value * 0.6 for value in flat],
        upper_95=[value * 1.4 for value in flat],
        mase=0.8,
        wape=0.3,
        bias=0.0,
        error_std=2.0,
        candidates={"ses": 0.8, "seasonal_naive": 1.0},
    )
    return run


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
