from django import forms

from common.errors import SignatureRefused
from common.forms import RefusalFormMixin
from inventory.services.lots import SETTABLE_STATUSES

PASSWORD_WIDGET = forms.PasswordInput(
    attrs={"autocomplete": "current-password", "placeholder": "Your password (signature)"}
)


class LotStatusForm(RefusalFormMixin, forms.Form):
    """Quarantine, release or reject a lot: the reason and the password again (the signature).
    The status comes from the button pressed."""

    refusal_fields = {SignatureRefused: "password"}

    status = forms.ChoiceField(
        choices=[(status.value, status.label) for status in SETTABLE_STATUSES],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": "Why (inspection, deviation, stability data)"}
        ),
    )
    password = forms.CharField(
        label="Password", strip=False, required=False, widget=PASSWORD_WIDGET
    )


class RecallForm(RefusalFormMixin, forms.Form):
    """Block the lot's number at every site: the reason and the password again."""

    refusal_fields = {SignatureRefused: "password"}

    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "The recall notice, its reference"}),
    )
    password = forms.CharField(
        label="Password", strip=False, required=False, widget=PASSWORD_WIDGET
    )
