"""SKUs, sites and lots with stock."""

import factory
from factory.django import DjangoModelFactory


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
