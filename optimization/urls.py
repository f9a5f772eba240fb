from django.urls import path

from optimization.views import plans as plan_views
from optimization.views import policies as views
from optimization.views import scenarios as scenario_views

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
    path("plan/", plan_views.WorklistView.as_view(), name="worklist"),
    path(
        "plan/orders/<int:pk>/",
        plan_views.SuggestionDetailView.as_view(),
        name="suggestion_detail",
    ),
    path(
        "plan/orders/<int:pk>/edit/",
        plan_views.SuggestionEditView.as_view(),
        name="suggestion_edit",
    ),
    path(
        "plan/orders/<int:pk>/reject/",
        plan_views.SuggestionRejectView.as_view(),
        name="suggestion_reject",
    ),
    path("plan/approve/", plan_views.ApproveView.as_view(), name="suggestions_approve"),
    path("plan/transfers/", plan_views.TransferListView.as_view(), name="plan_transfers"),
    path(
        "plan/transfers/<int:pk>/order/",
        plan_views.TransferOrderCreateView.as_view(),
        name="plan_transfer_order",
    ),
    path("plan/runs/", plan_views.PlanRunListView.as_view(), name="plan_runs"),
    path("plan/runs/start/", plan_views.PlanRunStartView.as_view(), name="plan_run_start"),
    path(
        "plan/runs/<int:pk>/progress/",
        plan_views.PlanRunProgressView.as_view(),
        name="plan_run_progress",
    ),
    path("scenarios/", scenario_views.ScenarioListView.as_view(), name="scenarios"),
    path("scenarios/new/", scenario_views.ScenarioCreateView.as_view(), name="scenario_create"),
    path(
        "scenarios/compare/", scenario_views.ScenarioCompareView.as_view(), name="scenario_compare"
    ),
    path(
        "scenarios/<int:pk>/", scenario_views.ScenarioDetailView.as_view(), name="scenario_detail"
    ),
    path(
        "scenarios/<int:pk>/progress/",
        scenario_views.ScenarioProgressView.as_view(),
        name="scenario_progress",
    ),
]
