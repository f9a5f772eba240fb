from django.urls import path

from . import performance_views, views

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
    path(
        "purchase-orders/<int:pk>/send/",
        views.PurchaseOrderSendView.as_view(),
        name="purchase_order_send",
    ),
    path(
        "purchase-orders/<int:pk>/messages/",
        views.MessagePostView.as_view(),
        name="purchase_order_message",
    ),
    path(
        "purchase-orders/lines/<int:pk>/amend/",
        views.LineAmendView.as_view(),
        name="line_amend",
    ),
    path(
        "purchase-orders/lines/<int:pk>/reapprove/",
        views.LineReapproveView.as_view(),
        name="line_reapprove",
    ),
    path(
        "purchase-orders/proposals/<int:pk>/accept/",
        views.ProposalDecideView.as_view(accept=True),
        name="proposal_accept",
    ),
    path(
        "purchase-orders/proposals/<int:pk>/reject/",
        views.ProposalDecideView.as_view(accept=False),
        name="proposal_reject",
    ),
    path("performance/", performance_views.PerformanceView.as_view(), name="performance"),
    path(
        "performance/recompute/",
        performance_views.PerformanceRecomputeView.as_view(),
        name="performance_recompute",
    ),
    path(
        "performance/<int:supplier_id>/",
        performance_views.SupplierPerformanceView.as_view(),
        name="supplier_performance",
    ),
]
