from django.urls import path

from . import views

app_name = "optimization"

urlpatterns = [
    path("", views.PolicyListView.as_view(), name="policies"),
    path("refresh/", views.PolicyRefreshView.as_view(), name="policy_refresh"),
    path("network/", views.EchelonView.as_view(), name="network"),
    path("calculator/", views.CalculatorView.as_view(), name="calculator"),
    path("backtest/", views.SimulationView.as_view(), name="simulation"),
    path("backtest/start/", views.SimulationStartView.as_view(), name="simulation_start"),
    path(
        "backtest/<int:pk>/progress/",
        views.SimulationProgressView.as_view(),
        name="simulation_progress",
    ),
    path(
        "policy/<int:sku_id>/site/<int:site_id>/",
        views.PolicyDetailView.as_view(),
        name="policy_detail",
    ),
]
