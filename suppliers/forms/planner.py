"""Forms of the planners' side of the supplier workflow: deciding a supplier's proposal,
writing on an order, and choosing what the performance pages show."""

from datetime import date
from typing import Any

from django import forms

from common.errors import SignatureRefused
from common.forms import RefusalFormMixin
from suppliers.selectors.purchase_orders import SCORECARD_SORTS
from suppliers.services.portal import MESSAGE_MAX


class ProposalRejectForm(RefusalFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason",
        required=False,  # the service says when it is missing, as for the API
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "Why not (the supplier sees it)"}),
    )


class MessageForm(RefusalFormMixin, forms.Form):
    body = forms.CharField(
        label="Message to the supplier",
        required=False,  # the service says when it is empty
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LineAmendForm(RefusalFormMixin, forms.Form):
    """New terms for an approved line and why; the service checks them (as for the API)."""

    quantity = forms.IntegerField(label="Quantity", min_value=1)
    unit_price = forms.DecimalField(label="Unit price", min_value=0, decimal_places=2)
    requested_date = forms.DateField(
        label="Requested date", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label="Reason for change",
        required=False,  # the service says when it is missing
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "Why the approved terms change"}),
    )


class LineReapproveForm(RefusalFormMixin, forms.Form):
    """Approve a changed line: the password again (the signature) and an optional reason."""

    refusal_fields = {SignatureRefused: "password"}

    password = forms.CharField(
        label="Password",
        strip=False,
        required=False,  # the signature service says when it is wrong or missing
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "placeholder": "Your password (signature)"}
        ),
    )
    reason = forms.CharField(
        label="Comment",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "Comment (optional)"}),
    )


class PerformanceForm(forms.Form):
    """Which month the comparison shows (a month with scorecards) and how it is sorted."""

    month = forms.TypedChoiceField(required=False, coerce=date.fromisoformat, label="Month")
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in SCORECARD_SORTS], widget=forms.HiddenInput
    )
    desc = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, months: list[date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.months = months
        self.fields["month"].choices = [(month.isoformat(), f"{month:%B %Y}") for month in months]

    def chosen(self) -> tuple[date | None, str, bool]:
        """(month, sort, descending): the month asked for, else the latest computed; with no
        sort asked, the best score first."""
        data = self.cleaned_data if self.is_valid() else {}
        month = data.get("month") or (self.months[0] if self.months else None)
        sort = data.get("sort") or ""
        return month, sort or "score", bool(data.get("desc")) if sort else True
