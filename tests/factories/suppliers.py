"""Suppliers and purchase orders with their lines."""

import factory
from factory.django import DjangoModelFactory

from tests.factories.inventory import SiteFactory, SkuFactory


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
