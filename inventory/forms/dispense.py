from typing import Any

from django import forms
from django.urls import reverse

from common.forms import RefusalFormMixin
from inventory.models import Lot, Site, Sku
from inventory.selectors.dispense import sku_by_code_or_name
from inventory.services.dispense import REFERENCE_MAX_LENGTH


class DispenseForm(RefusalFormMixin, forms.Form):
    """What to dispense: where, which SKU, how many, for what. The lot, when one is picked
    instead of first-expired-first-out, comes from the lot list under the form (a radio per
    usable lot); the service decides whether it may be taken."""

    refusal_in_own_words = True

    site = forms.ModelChoiceField(
        queryset=Site.objects.filter(active=True).order_by("code"),
        empty_label="Choose a site",
        error_messages={"required": "Choose the site the stock leaves."},
    )
    sku = forms.CharField(
        label="SKU",
        max_length=200,
        help_text="Type a code or part of the name, then pick from the list.",
        error_messages={"required": "Choose a SKU."},
        widget=forms.TextInput(
            attrs={"list": "sku-options", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    quantity = forms.IntegerField(
        min_value=1,
        error_messages={
            "required": "How many units?",
            "min_value": "A whole number above zero.",
            "invalid": "A whole number above zero.",
        },
        widget=forms.NumberInput(attrs={"min": 1, "step": 1, "inputmode": "numeric"}),
    )
    reference = forms.CharField(
        required=False,
        max_length=REFERENCE_MAX_LENGTH,
        help_text="Ward, patient order or customer order number (optional).",
    )
    lot = forms.ModelChoiceField(
        queryset=Lot.objects.all(),
        required=False,
        widget=forms.HiddenInput,  # the radios of the lot list post it
        error_messages={"invalid_choice": "That lot no longer exists; choose another."},
    )
    reason = forms.CharField(
        required=False,
        label="Not first-expired: reason",
        help_text="Required when you pick a lot that expires after the first-expired one.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Typing in the SKU field fills its datalist with the SKUs whose code or name match.
        self.fields["sku"].widget.attrs.update(
            {
                "hx-get": reverse("inventory:dispense_skus"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#sku-options",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        )

    def clean_sku(self) -> Sku:
        text = self.cleaned_data["sku"]
        sku = sku_by_code_or_name(text)
        if sku is None:
            raise forms.ValidationError(
                f"No active SKU has the code or name '{text.strip()}'. Pick one from the list."
            )
        return sku

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "sku": data["sku"],
            "site": data["site"],
            "quantity": data["quantity"],
            "lot": data.get("lot"),
            "reason": data.get("reason", ""),
            "reference": data.get("reference", ""),
        }
