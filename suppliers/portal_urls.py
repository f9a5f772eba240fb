"""The supplier portal, under /portal/."""

from django.urls import path

from . import portal_views as views

app_name = "portal"

urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="home"),
    path("orders/<str:number>/", views.PortalOrderView.as_view(), name="order"),
    path("orders/<str:number>/acknowledge/", views.AcknowledgeView.as_view(), name="acknowledge"),
    path(
        "orders/<str:number>/lines/<int:line_id>/confirm/",
        views.LineConfirmView.as_view(),
        name="line_confirm",
    ),
    path(
        "orders/<str:number>/lines/<int:line_id>/propose/",
        views.LineProposeView.as_view(),
        name="line_propose",
    ),
    path(
        "orders/<str:number>/shipping-notices/",
        views.ShippingNoticeView.as_view(),
        name="shipping_notice",
    ),
    path("orders/<str:number>/messages/", views.MessagePostView.as_view(), name="message"),
    path("received/", views.PortalReceiptsView.as_view(), name="receipts"),
    path("terms/", views.PortalTermsView.as_view(), name="terms"),
    path("scorecard/", views.PortalScorecardView.as_view(), name="scorecard"),
]
