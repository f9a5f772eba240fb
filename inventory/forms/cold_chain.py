from django import forms

from common.errors import DomainError
from inventory.models import ExcursionStatus, LotDecision


class ExcursionFilterForm(forms.Form):
    column_classes = {"status": "col-md-3"}  # the filter card's layout (components/filter_card)

    status = forms.ChoiceField(
        required=False, choices=[("", "Open and closed"), *ExcursionStatus.choices]
    )


class ExcursionLotDecisionForm(forms.Form):
    """Release or reject one exposed lot: the reason and the password again (the signature)."""

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

    def add_refusal(self, refused: DomainError) -> None:
        """The service's refusal by field where it names one of ours, else on top."""
        fields = {name: msgs for name, msgs in refused.fields.items() if name in self.fields}
        for name, messages in fields.items():
            self.add_error(name, messages)
        if not fields:
            self.add_error(None, refused.message)
