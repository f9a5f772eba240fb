from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("inventory/", include("inventory.urls")),
    path("suppliers/", include("suppliers.urls")),
    path("forecasting/", include("forecasting.urls")),
    path("optimization/", include("optimization.urls")),
    path("api/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]

handler403 = "accounts.views.permission_denied"
