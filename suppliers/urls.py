from django.urls import path

from . import views

app_name = "suppliers"

urlpatterns = [
    path("purchase-orders/", views.PurchaseOrderListView.as_view(), name="purchase_orders"),
    path(
        "purchase-orders/<int:pk>/",
        views.PurchaseOrderDetailView.as_view(),
        name="purchase_order_detail",
    ),
    path(
        "purchase-orders/<int:pk>/print/",
        views.PurchaseOrderPrintView.as_view(),
        name="purchase_order_print",
    ),
]
