from django.contrib import admin
from django.urls import include, path

from alerts.urls import urlpatterns as alert_urlpatterns
from reporting.urls import urlpatterns as overview_urlpatterns
from reporting.urls import warehouse_urlpatterns
from suppliers.urls import portal_urlpatterns
from suppliers.urls import urlpatterns as supplier_urlpatterns

urlpatterns = [
    path("", include("accounts.urls")),
    path("inventory/", include("inventory.urls")),
    path("suppliers/", include((supplier_urlpatterns, "suppliers"))),
    path("portal/", include((portal_urlpatterns, "portal"))),
    path("forecasting/", include("forecasting.urls")),
    path("optimization/", include("optimization.urls")),
    path("alerts/", include(([*overview_urlpatterns, *alert_urlpatterns], "alerts"))),
    path("warehouse/", include((warehouse_urlpatterns, "warehouse"))),
    path("business-case/", include("demo.urls")),
    path("api/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]

handler400 = "config.limits.bad_request"
handler403 = "accounts.views.account.permission_denied"
