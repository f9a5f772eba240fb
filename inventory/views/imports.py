"""Pages for importing master data and demand history (admins): upload, check, commit."""

import csv
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from inventory.models import ImportBatch, ImportStatus
from inventory.services.imports import (
    IMPORT_KINDS,
    ImportRefused,
    check_size,
    import_check,
    import_commit,
    import_preview,
)


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds")
    file = forms.FileField(
        label="CSV or XLSX file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(key, kind.label) for key, kind in IMPORT_KINDS.items()]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            check_size(upload.size)  # before the file is read into memory
        except ImportRefused as refused:
            raise forms.ValidationError(refused.message) from refused
        return upload


class ImportListView(CapabilityRequiredMixin, TemplateView):
    """Upload a file to check it; the recent imports with their outcome."""

    required_capability = Capability.MANAGE_MASTER_DATA
    template_name = "inventory/imports.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form") or ImportUploadForm(
            initial={"kind": self.request.GET.get("kind")}
        )
        page = Paginator(ImportBatch.objects.select_related("created_by"), 25).get_page(
            self.request.GET.get("page")
        )
        kinds = [
            {
                "key": key,
                "label": kind.label,
                "columns": kind.columns,
                "optional": kind.optional_columns,
            }
            for key, kind in IMPORT_KINDS.items()
        ]
        context.update(form=form, page_obj=page, batches=page.object_list, kinds=kinds)
        return context

    def post(self, request: Any) -> HttpResponse:
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = import_check(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    filename=upload.name,
                    content=upload.read(),
                )
            except ImportRefused as refused:
                form.add_error("file", refused.message)
            else:
                return redirect("inventory:import_detail", pk=batch.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportDetailView(CapabilityRequiredMixin, TemplateView):
    required_capability = Capability.MANAGE_MASTER_DATA
    template_name = "inventory/import_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        batch = get_object_or_404(ImportBatch, pk=kwargs["pk"])
        kind = IMPORT_KINDS.get(batch.kind)
        context.update(
            batch=batch,
            kind_label=kind.label if kind else batch.kind,
            can_commit=batch.status == ImportStatus.PREVIEWED,
            differences=import_preview(batch=batch),
        )
        return context


class ImportCommitView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_MASTER_DATA
    http_method_names = ["post"]

    def post(self, request: Any, pk: int) -> HttpResponse:
        batch = get_object_or_404(ImportBatch, pk=pk)
        try:
            batch = import_commit(actor=request.user, batch=batch)
        except ImportRefused as refused:
            messages.error(request, refused.message)
        else:
            if batch.status == ImportStatus.COMMITTED:
                messages.success(
                    request, f"Imported {batch.rows_total} rows from {batch.original_name}."
                )
            else:
                messages.error(
                    request, "Nothing was imported: " + (batch.message or "rows failed.")
                )
        return redirect("inventory:import_detail", pk=batch.pk)


class ImportTemplateView(CapabilityRequiredMixin, View):
    """An empty CSV with the columns a kind expects."""

    required_capability = Capability.MANAGE_MASTER_DATA

    def get(self, request: Any, kind: str) -> HttpResponse:
        if kind not in IMPORT_KINDS:
            raise Http404("Unknown import kind.")
        spec = IMPORT_KINDS[kind]
        buffer = io.StringIO()
        csv.writer(buffer).writerow([*spec.columns, *spec.optional_columns])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
        return response


class ImportFileView(CapabilityRequiredMixin, View):
    """The raw file of an import, exactly as it was uploaded."""

    required_capability = Capability.MANAGE_MASTER_DATA

    def get(self, request: Any, pk: int) -> FileResponse:
        batch = get_object_or_404(ImportBatch, pk=pk)
        return FileResponse(batch.file.open("rb"), as_attachment=True, filename=batch.original_name)
