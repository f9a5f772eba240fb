from django import forms

from common.errors import SignatureRefused
from common.forms import RefusalFormMixin
from inventory.models import ExcursionStatus, LotDecision


class ExcursionFilterForm(forms.Form):
    column_classes = {"status": "col-md-3"}  # the filter card's layout (components/filter_card)

    status = forms.ChoiceField(
        required=False, choices=[("", "Open and closed"), *ExcursionStatus.choices]
    )


class ExcursionLotDecisionForm(RefusalFormMixin, forms.Form):
    """Release or reject one exposed lot: the reason and the password again (the signature)."""

    refusal_fields = {SignatureRefused: "password"}

    decision = forms.ChoiceField(choices=LotDecision.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "What the stability data says"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        required=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "placeholder": "Your password (signature)"}
        ),
    )
