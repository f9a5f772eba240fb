from django.urls import path

from accounts.views import account as views
from accounts.views import audit as audit_views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("audit/", views.AuditTrailView.as_view(), name="audit_trail"),
    path(
        "audit/object/<str:model_label>/<str:object_pk>/",
        audit_views.ObjectAuditTrailView.as_view(),
        name="audit_object",
    ),
    path(
        "audit/object/<str:model_label>/<str:object_pk>/export.<str:fmt>",
        audit_views.ObjectAuditTrailExportView.as_view(),
        name="audit_object_export",
    ),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("healthz", views.healthz, name="healthz"),
]
