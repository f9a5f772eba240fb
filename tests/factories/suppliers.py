"""Suppliers and purchase orders with their lines."""

import datetime

import factory
from factory.django import DjangoModelFactory

from tests.factories.accounts import UserFactory
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


class ShippingNoticeFactory(DjangoModelFactory):
    """A shipping notice the supplier sent on an order (lines added with
    ShippingNoticeLineFactory)."""

    class Meta:
        model = "suppliers.ShippingNotice"

    purchase_order = factory.SubFactory(PurchaseOrderFactory)
    number = factory.Sequence(lambda n: f"ASN-{n:05d}")
    shipped_on = datetime.date(2026, 1, 1)
    expected_on = datetime.date(2026, 1, 3)
    created_by = factory.SubFactory(UserFactory)


class ShippingNoticeLineFactory(DjangoModelFactory):
    class Meta:
        model = "suppliers.ShippingNoticeLine"

    notice = factory.SubFactory(ShippingNoticeFactory)
    line = factory.SubFactory(
        PurchaseOrderLineFactory, purchase_order=factory.SelfAttribute("..notice.purchase_order")
    )
    quantity = 40
    lot_number = factory.Sequence(lambda n: f"ASN-LOT-{n:05d}")
    expiry_date = datetime.date(2027, 12, 31)
