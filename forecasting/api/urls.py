from django.urls import path

from forecasting.api import views as api

urlpatterns = [
    path("forecast/demand/<int:sku_id>", api.ForecastDemandView.as_view(), name="forecast-demand"),
]
