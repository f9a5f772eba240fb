from django.urls import path

from . import dashboard_views, views

app_name = "alerts"

urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("dashboard/", dashboard_views.DashboardView.as_view(), name="dashboard"),
    path(
        "dashboard/refresh/",
        dashboard_views.DashboardRefreshView.as_view(),
        name="dashboard_refresh",
    ),
    path("badge/", views.BadgeView.as_view(), name="badge"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("<int:pk>/", views.AlertDetailView.as_view(), name="detail"),
    path("<int:pk>/acknowledge/", views.AlertAcknowledgeView.as_view(), name="acknowledge"),
    path("<int:pk>/assign/", views.AlertAssignView.as_view(), name="assign"),
    path("<int:pk>/comment/", views.AlertCommentView.as_view(), name="comment"),
    path("<int:pk>/resolve/", views.AlertResolveView.as_view(), name="resolve"),
]
