from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("inventory/", include("inventory.urls")),
    path("suppliers/", include("suppliers.urls")),
    path("portal/", include("suppliers.portal_urls")),
    path("forecasting/", include("forecasting.urls")),
    path("optimization/", include("optimization.urls")),
    path("alerts/", include("alerts.urls")),
    path("api/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]

handler400 = "config.limits.bad_request"
handler403 = "accounts.views.permission_denied"
