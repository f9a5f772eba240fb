"""Test factories, one module per app; everything is re-exported here, so
`from tests.factories import SkuFactory` works whichever app the factory belongs to."""

from tests.factories.accounts import TEST_PASSWORD, UserFactory
from tests.factories.forecasting import published_series
from tests.factories.inventory import LotFactory, SiteFactory, SkuFactory
from tests.factories.optimization import (
    PlanRunFactory,
    SuggestedOrderFactory,
    current_plan_or_new,
    published_plan,
)
from tests.factories.suppliers import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    ShippingNoticeFactory,
    ShippingNoticeLineFactory,
    SupplierFactory,
)

__all__ = [
    "TEST_PASSWORD",
    "LotFactory",
    "PlanRunFactory",
    "PurchaseOrderFactory",
    "PurchaseOrderLineFactory",
    "ShippingNoticeFactory",
    "ShippingNoticeLineFactory",
    "SiteFactory",
    "SkuFactory",
    "SuggestedOrderFactory",
    "SupplierFactory",
    "UserFactory",
    "current_plan_or_new",
    "published_plan",
    "published_series",
]
