"""The planners' supplier pages under /suppliers/ (namespace "suppliers") and the supplier
portal under /portal/ (namespace "portal"), both mounted by config.urls."""

from django.urls import path

from suppliers.views import performance as performance_views
from suppliers.views import portal
from suppliers.views import purchase_orders as views
from suppliers.views import receiving as receiving_views
from suppliers.views import trace as trace_views

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
    path("receiving/", receiving_views.ReceivingView.as_view(), name="receiving"),
    path(
        "receiving/orders/<int:pk>/",
        receiving_views.ReceiveOrderView.as_view(),
        name="receive_order",
    ),
    path(
        "receiving/notices/<int:pk>/",
        receiving_views.ReceiveNoticeView.as_view(),
        name="receive_notice",
    ),
    path(
        "receiving/orders/<int:pk>/received/",
        receiving_views.ReceiptSummaryView.as_view(),
        name="receipt_summary",
    ),
    path("performance/", performance_views.PerformanceView.as_view(), name="performance"),
    path("lot-trace/", trace_views.LotTraceView.as_view(), name="lot_trace"),
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

# The supplier portal, under /portal/.
portal_urlpatterns = [
    path("", portal.PortalHomeView.as_view(), name="home"),
    path("orders/<str:number>/", portal.PortalOrderView.as_view(), name="order"),
    path("orders/<str:number>/acknowledge/", portal.AcknowledgeView.as_view(), name="acknowledge"),
    path(
        "orders/<str:number>/lines/<int:line_id>/confirm/",
        portal.LineConfirmView.as_view(),
        name="line_confirm",
    ),
    path(
        "orders/<str:number>/lines/<int:line_id>/propose/",
        portal.LineProposeView.as_view(),
        name="line_propose",
    ),
    path(
        "orders/<str:number>/shipping-notices/",
        portal.ShippingNoticeView.as_view(),
        name="shipping_notice",
    ),
    path("orders/<str:number>/messages/", portal.MessagePostView.as_view(), name="message"),
    path("received/", portal.PortalReceiptsView.as_view(), name="receipts"),
    path("terms/", portal.PortalTermsView.as_view(), name="terms"),
    path("scorecard/", portal.PortalScorecardView.as_view(), name="scorecard"),
]
