from django.urls import path
from rest_framework.routers import SimpleRouter

from suppliers.api import views as api

router = SimpleRouter()
router.register("suppliers", api.SupplierViewSet, basename="supplier")
router.register("supplier-items", api.SupplierItemViewSet, basename="supplier-item")
router.register("purchase-orders", api.PurchaseOrderViewSet, basename="purchase-order")

urlpatterns = [
    path(
        "suppliers/performance",
        api.SupplierPerformanceView.as_view(),
        name="supplier-performance",
    ),
    path(
        "purchase-orders/<str:number>/acknowledge",
        api.PurchaseOrderAcknowledgeView.as_view(),
        name="purchase-order-acknowledge",
    ),
    path(
        "purchase-orders/<str:number>/lines/<int:line_id>/confirm",
        api.LineConfirmView.as_view(),
        name="purchase-order-line-confirm",
    ),
    path(
        "purchase-orders/<str:number>/lines/<int:line_id>/propose",
        api.LineProposeView.as_view(),
        name="purchase-order-line-propose",
    ),
    path(
        "purchase-orders/<str:number>/lines/<int:line_id>/amend",
        api.LineAmendView.as_view(),
        name="purchase-order-line-amend",
    ),
    path(
        "purchase-orders/<str:number>/lines/<int:line_id>/reapprove",
        api.LineReapproveView.as_view(),
        name="purchase-order-line-reapprove",
    ),
    *router.urls,
]
