"""Transfer-order forms: the list's filters, a new order by hand, the pick (first expiry
first, or the quantities entered per lot) and the cancellation. The rules stay in
inventory.services.transfers; a refusal comes back onto the form (RefusalFormMixin)."""

from typing import Any

from django import forms

from common.forms import RefusalFormMixin
from inventory.models import Lot, Site, Sku, TransferOrderStatus
from inventory.selectors.transfers import TRANSFER_ORDER_SORTS, TransferOrderFilters


def _active_sites() -> Any:
    return Site.objects.filter(active=True).order_by("code")


class TransferOrderFilterForm(forms.Form):
    column_classes = {"q": "col-md-4"}  # the filter card's layout

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(
            attrs={"placeholder": "Order number, SKU code or name", "type": "search"}
        ),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *TransferOrderStatus.choices]
    )
    site = forms.ModelChoiceField(
        queryset=_active_sites(),
        required=False,
        empty_label="All sites",
        label="From or to site",
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for key in TRANSFER_ORDER_SORTS],
        widget=forms.HiddenInput,
    )
    desc = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def filters(self) -> TransferOrderFilters:
        data = self.cleaned_data if self.is_valid() else {}
        sort = data.get("sort") or ""
        return TransferOrderFilters(
            q=(data.get("q") or "").strip(),
            status=data.get("status") or "",
            site=data.get("site"),
            sort=sort or "created",
            # Newest first until a column is chosen; then the column's own direction.
            descending=bool(data.get("desc")) if sort else True,
        )


class TransferOrderForm(RefusalFormMixin, forms.Form):
    """A transfer by hand: what, from where, to where, how many and why."""

    refusal_in_own_words = True

    sku = forms.CharField(
        label="SKU code",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    source = forms.ModelChoiceField(
        queryset=_active_sites(), label="From site", empty_label="Choose the source"
    )
    destination = forms.ModelChoiceField(
        queryset=_active_sites(), label="To site", empty_label="Choose the destination"
    )
    quantity = forms.IntegerField(label="Quantity (units)", widget=forms.NumberInput())
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "Why the stock moves"}),
    )

    def clean_sku(self) -> Sku:
        code = self.cleaned_data["sku"].strip()
        sku = Sku.objects.filter(code__iexact=code).first()
        if sku is None:
            raise forms.ValidationError(f"No SKU has the code {code}.")
        return sku


class TransferPickForm(RefusalFormMixin, forms.Form):
    """Pick first expiry first (mode "fefo"), or the units entered for each lot that may be
    sent (mode "lots"): one number field per lot, named lot_<id>."""

    refusal_in_own_words = True

    mode = forms.ChoiceField(
        choices=[("fefo", "First expiry first"), ("lots", "The quantities entered")],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, lots: list[Lot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lots = lots
        for lot in lots:
            self.fields[f"lot_{lot.pk}"] = forms.IntegerField(
                label=f"Units from lot {lot.lot_number}",
                required=False,
                min_value=0,
                max_value=lot.quantity,
                widget=forms.NumberInput(attrs={"class": "text-end", "style": "max-width: 8rem"}),
            )

    def picks(self) -> dict[int, int] | None:
        """None for first expiry first, else lot id -> units entered."""
        if self.cleaned_data["mode"] == "fefo":
            return None
        return {lot.pk: self.cleaned_data.get(f"lot_{lot.pk}") or 0 for lot in self.lots}


class TransferCancelForm(RefusalFormMixin, forms.Form):
    refusal_in_own_words = True

    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Why the transfer is not going ahead"}),
    )
