from django.urls import path
from rest_framework.routers import SimpleRouter

from inventory.api import cold_chain as cold_chain_api
from inventory.api import feed as feed_api
from inventory.api import stock as api

router = SimpleRouter()
router.register("inventory/sku", api.SkuViewSet, basename="sku")
router.register("inventory/sites", api.SiteViewSet, basename="site")
router.register("inventory/lots", api.LotViewSet, basename="lot")
router.register("inventory/stock-levels", api.StockLevelViewSet, basename="stock-level")

urlpatterns = [
    path(
        "temperature-readings",
        cold_chain_api.TemperatureReadingsView.as_view(),
        name="temperature-readings",
    ),
    path("stock-movements", feed_api.StockMovementsView.as_view(), name="stock-movements"),
    *router.urls,
]
