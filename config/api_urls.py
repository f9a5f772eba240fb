"""/api/v1/: each app contributes its routes from its own api_urls module."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability


class SchemaView(SpectacularAPIView):
    required_capability = Capability.ANY_ROLE


class DocsView(CapabilityRequiredMixin, SpectacularSwaggerView):
    """Swagger UI (served from local static files). Browsers without a session go to login."""

    required_capability = Capability.ANY_ROLE


urlpatterns = [
    path("schema/", SchemaView.as_view(), name="api_schema"),
    path("docs/", DocsView.as_view(url_name="api_schema"), name="api_docs"),
    path("v1/", include("accounts.api.urls")),
    path("v1/", include("inventory.api.urls")),
    path("v1/", include("suppliers.api.urls")),
    path("v1/", include("forecasting.api.urls")),
    path("v1/", include("optimization.api.urls")),
]
