"""The trail of one record, on a page and as a CSV or PDF download: every change in the order
it was written, with old → new values, who, when (UTC), why and from where, and the
signatures on the record."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, HttpResponse
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from accounts.selectors import describe_changes, object_signatures, object_trail
from accounts.services import canonical_content_hash
from accounts.views.audit_export import EXPORT_FORMATS, ObjectTrail, trail_csv, trail_pdf

SAME_AS_SIGNED = "same as signed"
CHANGED_SINCE_SIGNING = "changed since signing"


def signed_content_now(signature: Any, current_hash: str | None) -> str:
    """Whether the record still has the content this signature was given for."""
    if current_hash is None:
        return "record no longer exists"
    return SAME_AS_SIGNED if signature.content_hash == current_hash else CHANGED_SINCE_SIGNING


def load_object_trail(model_label: str, object_pk: str) -> ObjectTrail:
    app_label, _, model = model_label.partition(".")
    try:
        content_type = ContentType.objects.get_by_natural_key(app_label, model.lower())
    except ContentType.DoesNotExist as missing:
        raise Http404("No such kind of record.") from missing
    entries = list(object_trail(content_type=content_type, object_pk=object_pk))
    signatures = list(object_signatures(content_type=content_type, object_pk=object_pk))
    if not entries and not signatures:
        raise Http404("This record has no trail entries.")
    for entry in entries:
        entry.change_rows = describe_changes(entry)
    model_class = content_type.model_class()
    record = model_class._default_manager.filter(pk=object_pk).first() if model_class else None
    current_hash = canonical_content_hash(record) if record is not None else None
    for signature in signatures:
        signature.content_now = signed_content_now(signature, current_hash)
    return ObjectTrail(
        label=f"{content_type.app_label}.{content_type.model}",
        kind=str(model_class._meta.verbose_name) if model_class else content_type.model,
        object_pk=object_pk,
        object_repr=entries[-1].object_repr if entries else object_pk,
        entries=entries,
        signatures=signatures,
    )


class ObjectAuditTrailView(CapabilityRequiredMixin, TemplateView):
    required_capability = Capability.VIEW_AUDIT_TRAIL
    template_name = "accounts/object_trail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["trail"] = load_object_trail(kwargs["model_label"], kwargs["object_pk"])
        context["export_formats"] = EXPORT_FORMATS
        return context


class ObjectAuditTrailExportView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_AUDIT_TRAIL

    def get(self, request: HttpRequest, model_label: str, object_pk: str, fmt: str) -> HttpResponse:
        if fmt not in EXPORT_FORMATS:
            raise Http404("Export as csv or pdf.")
        trail = load_object_trail(model_label, object_pk)
        return trail_pdf(trail) if fmt == "pdf" else trail_csv(trail)
