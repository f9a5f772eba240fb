"""Page conventions shared by every app's views: one URL for the page and its htmx partial,
exports of the rows on screen, query strings for page and sort links, and a 404 for what a
service could not find for the user."""

from typing import Any

from django.http import Http404, HttpResponse
from django.utils import timezone

from common.errors import NotFound
from common.exports import EXPORT_FORMATS, export_response


class HtmxPartialMixin:
    """One URL, two renderings: the whole page, or for htmx requests only the named partial."""

    partial_name = ""

    def get_template_names(self) -> list[str]:
        names = super().get_template_names()  # type: ignore[misc]
        request = self.request  # type: ignore[attr-defined]
        if request.htmx and not request.htmx.boosted:
            return [f"{names[0]}#{self.partial_name}"]
        return names

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)  # type: ignore[misc]
        response["Vary"] = "HX-Request"
        return response


def query_without(request: Any, *names: str) -> str:
    """The request's query string without `names` (for page and sort links)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


class ExportMixin:
    """`?export=csv` or `?export=xlsx` downloads every row of the current filter; the view
    defines export_rows() -> (headers, rows)."""

    export_name = "export"

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        fmt = request.GET.get("export")
        if fmt in EXPORT_FORMATS:
            headers, rows = self.export_rows()  # type: ignore[attr-defined]
            stamp = timezone.now().strftime("%Y%m%d-%H%M")
            return export_response(f"{self.export_name}-{stamp}", headers, rows, fmt)
        return super().get(request, *args, **kwargs)  # type: ignore[misc]


class NotFoundMixin:
    """A service's NotFound (no such record, or one out of the user's reach) answers the page
    with 404, as a missing record would; the view itself catches only the refusals it shows."""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        except NotFound as missing:
            raise Http404(missing.message) from missing
