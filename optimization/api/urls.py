from django.urls import path
from rest_framework.routers import SimpleRouter

from optimization.api import calculators as api
from optimization.api import plans as plan_api

router = SimpleRouter(trailing_slash=False)
router.register("reorder/plan-runs", plan_api.PlanRunViewSet, basename="reorder-plan-run")

urlpatterns = [
    path(
        "optimization/calculate-eoq",
        api.CalculateEoqView.as_view(),
        name="optimization-calculate-eoq",
    ),
    path(
        "optimization/safety-stock", api.SafetyStockView.as_view(), name="optimization-safety-stock"
    ),
    path(
        "reorder/recommendations",
        plan_api.RecommendationSearchView.as_view(),
        name="reorder-recommendations",
    ),
    path(
        "reorder/recommendations/approve",
        plan_api.RecommendationApproveView.as_view(),
        name="reorder-recommendations-approve",
    ),
    path(
        "reorder/recommendations/<int:pk>/edit",
        plan_api.RecommendationEditView.as_view(),
        name="reorder-recommendation-edit",
    ),
    path(
        "reorder/recommendations/<int:pk>/reject",
        plan_api.RecommendationRejectView.as_view(),
        name="reorder-recommendation-reject",
    ),
    *router.urls,
]
