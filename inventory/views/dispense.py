"""The dispense page: the warehouse hands stock out of a site (inventory.services.dispense).

One URL serves the page, its form's post and, for htmx, the site's recent dispenses (the
`recent` partial). Two fragments help fill the form: the SKUs matching what is typed (the SKU
field's datalist) and the lots of the chosen SKU at the chosen site, first-expired first,
with what first-expired-first-out would take for the quantity and a radio to pick another lot.

A post answers, for htmx, with the form panel again: the confirmation and a fresh form (the
site kept) after a dispense, or the form as sent with what is wrong. Without htmx a refusal
renders the page again (400) and a dispense redirects to the page for the same site.
"""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView
from django_htmx.http import trigger_client_event

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from common.errors import DomainError
from common.tables import Column
from common.views import HtmxPartialMixin
from inventory.forms.dispense import DispenseForm
from inventory.models import Site, Sku, StockMovement
from inventory.selectors import dispense as selectors
from inventory.services.dispense import stock_dispense
from inventory.views.cold_chain import LOT_STATUS_STYLES

TEMPLATE = "inventory/dispense.html"
DISPENSED_EVENT = "dispensed"  # the recent list listens for it

RECENT_COLUMNS = (
    Column("When (UTC)"),
    Column("SKU"),
    Column("Lot"),
    Column("Units", align="end"),
    Column("Reference"),
    Column("Reason"),
    Column("By"),
)


def _site_from(value: Any) -> Site | None:
    try:
        return Site.objects.filter(active=True).get(pk=int(value))
    except (TypeError, ValueError, Site.DoesNotExist):
        return None


def _preview_context(form: DispenseForm) -> dict[str, Any]:
    """The lot list under the form, for what the form holds now (each valid field counts)."""
    today = timezone.localdate()
    values: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # cleaned_data then holds every field that is valid on its own
        values = dict(form.cleaned_data)
    else:
        values = {"site": _site_from(form.initial.get("site"))}
    site, sku = values.get("site"), values.get("sku")
    preview = None
    if isinstance(site, Site) and isinstance(sku, Sku):
        preview = selectors.dispense_preview(
            sku=sku, site=site, today=today, quantity=values.get("quantity")
        )
    return {
        "preview": preview,
        "preview_site": site,
        "preview_sku": sku,
        "chosen_lot": values.get("lot"),
        "today": today,
        "lot_status_styles": LOT_STATUS_STYLES,
    }


def _recent_context(site: Site | None) -> dict[str, Any]:
    return {
        "recent_site": site,
        "recent": selectors.site_recent_dispenses(site) if site else [],
        "recent_columns": RECENT_COLUMNS,
    }


def _panel_context(
    form: DispenseForm,
    *,
    preview: dict[str, Any] | None = None,
    dispensed: list[StockMovement] | None = None,
) -> dict[str, Any]:
    return {
        "form": form,
        **(preview if preview is not None else _preview_context(form)),
        "dispensed": [
            {"lot": movement.lot, "units": -movement.quantity, "reason": movement.reason}
            for movement in dispensed or []
        ],
        "dispensed_total": -sum(movement.quantity for movement in dispensed or []),
        "dispensed_sku": dispensed[0].sku if dispensed else None,
        "dispensed_site": dispensed[0].site if dispensed else None,
        "dispensed_reference": dispensed[0].reference if dispensed else "",
    }


def _fresh_form(site: Site | None) -> DispenseForm:
    """An empty form for the next dispense, at `site` when known, the cursor where the user
    types next (the SKU once the site is chosen)."""
    form = DispenseForm(initial={"site": site.pk} if site else {})
    form.fields["sku" if site else "site"].widget.attrs["autofocus"] = True
    return form


def _summary(movements: list[StockMovement]) -> str:
    first = movements[0]
    takes = ", ".join(f"lot {m.lot.lot_number} ({-m.quantity})" for m in movements)
    total = -sum(m.quantity for m in movements)
    return f"Dispensed {total} units of {first.sku.code} at {first.site.code}: {takes}."


class DispenseView(CapabilityRequiredMixin, HtmxPartialMixin, TemplateView):
    required_capability = Capability.MOVE_STOCK
    template_name = TEMPLATE
    partial_name = "recent"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        site = _site_from(self.request.GET.get("site"))
        context.update(_panel_context(_fresh_form(site)), **_recent_context(site))
        return context

    def post(self, request: Any) -> HttpResponse:
        form = DispenseForm(request.POST)
        preview = _preview_context(form)  # before a refusal takes its field out of the form
        if form.is_valid():
            try:
                movements = stock_dispense(actor=request.user, **form.service_arguments())
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                site = form.cleaned_data["site"]
                if request.htmx:
                    response = render(
                        request,
                        f"{TEMPLATE}#panel",
                        _panel_context(_fresh_form(site), dispensed=movements),
                    )
                    trigger_client_event(response, DISPENSED_EVENT)
                    return response
                messages.success(request, _summary(movements))
                return redirect(f"{reverse('inventory:dispense')}?site={site.pk}")
        context = _panel_context(form, preview=preview)
        if request.htmx:
            return render(request, f"{TEMPLATE}#panel", context)
        site = form.cleaned_data.get("site") or _site_from(request.POST.get("site"))
        return render(request, TEMPLATE, {**context, **_recent_context(site)}, status=400)


class DispenseLotsView(CapabilityRequiredMixin, TemplateView):
    """The lot list of the form (htmx fragment), for the site, SKU, quantity and lot given."""

    required_capability = Capability.MOVE_STOCK
    template_name = "inventory/_dispense_lots.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(_preview_context(DispenseForm(self.request.GET or None)))
        return context


class DispenseSkuOptionsView(CapabilityRequiredMixin, TemplateView):
    """The SKU field's datalist options (htmx fragment) for what was typed."""

    required_capability = Capability.MOVE_STOCK
    template_name = "inventory/_sku_options.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["skus"] = selectors.sku_choices(self.request.GET.get("sku", ""))
        return context
