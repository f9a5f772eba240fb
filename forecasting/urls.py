from django.urls import path

from forecasting import views

app_name = "forecasting"

urlpatterns = [
    path("runs/", views.RunListView.as_view(), name="runs"),
    path("accuracy/", views.AccuracyView.as_view(), name="accuracy"),
    path("runs/start/", views.RunStartView.as_view(), name="run_start"),
    path("runs/<int:pk>/progress/", views.RunProgressView.as_view(), name="run_progress"),
    path("sku/<int:sku_id>/site/<int:site_id>/", views.SeriesForecastView.as_view(), name="series"),
    path(
        "sku/<int:sku_id>/site/<int:site_id>/overrides/",
        views.OverrideCreateView.as_view(),
        name="override_create",
    ),
    path(
        "overrides/<int:pk>/withdraw/",
        views.OverrideWithdrawView.as_view(),
        name="override_withdraw",
    ),
]
