from django.urls import path

from . import api

urlpatterns = [
    path(
        "optimization/calculate-eoq",
        api.CalculateEoqView.as_view(),
        name="optimization-calculate-eoq",
    ),
    path(
        "optimization/safety-stock", api.SafetyStockView.as_view(), name="optimization-safety-stock"
    ),
]
