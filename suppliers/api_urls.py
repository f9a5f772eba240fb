from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("suppliers", api.SupplierViewSet, basename="supplier")
router.register("supplier-items", api.SupplierItemViewSet, basename="supplier-item")
router.register("purchase-orders", api.PurchaseOrderViewSet, basename="purchase-order")

urlpatterns = router.urls
