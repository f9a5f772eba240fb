"""The overview's pages, mounted by config.urls beside the alert pages (/alerts/dashboard/)."""

from django.urls import path

from reporting import views

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/refresh/", views.DashboardRefreshView.as_view(), name="dashboard_refresh"),
]

# The warehouse's day, mounted by config.urls under /warehouse/.
warehouse_urlpatterns = [
    path("", views.WarehouseView.as_view(), name="today"),
]
