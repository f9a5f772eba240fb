from django.urls import path

from alerts import views

# Mounted by config.urls under /alerts/ in the "alerts" namespace, with reporting's overview.
urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("badge/", views.BadgeView.as_view(), name="badge"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("<int:pk>/", views.AlertDetailView.as_view(), name="detail"),
    path("<int:pk>/acknowledge/", views.AlertAcknowledgeView.as_view(), name="acknowledge"),
    path("<int:pk>/assign/", views.AlertAssignView.as_view(), name="assign"),
    path("<int:pk>/comment/", views.AlertCommentView.as_view(), name="comment"),
    path("<int:pk>/resolve/", views.AlertResolveView.as_view(), name="resolve"),
]
