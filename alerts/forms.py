"""Forms of the alert inbox: the filters, the actions on one alert and the e-mail preferences.
The rules of each action are the services'; these forms map their refusals onto fields."""

from typing import Any

from django import forms

from alerts.models import AlertKind, NotificationPreference, Severity
from alerts.selectors.alerts import InboxFilters, operations_users
from common.forms import RefusalFormMixin
from inventory.models import Site

STATUS_CHOICES = [("active", "Active"), ("resolved", "Resolved"), ("all", "All")]
ASSIGNEE_CHOICES = [("", "Anyone"), ("me", "Assigned to me"), ("unassigned", "Unassigned")]
SORT_CHOICES = [
    ("severity", "Most severe first"),
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("last_seen", "Last seen"),
]


class InboxFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(
            attrs={"placeholder": "Title, SKU, PO or supplier", "type": "search"}
        ),
    )
    severity = forms.ChoiceField(
        required=False, choices=[("", "All severities"), *Severity.choices]
    )
    kind = forms.ChoiceField(
        required=False, label="Type", choices=[("", "All types"), *AlertKind.choices]
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.filter(active=True).order_by("code"),
        required=False,
        empty_label="All sites",
    )
    assignee = forms.ChoiceField(required=False, choices=ASSIGNEE_CHOICES)
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)

    def filters(self) -> InboxFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return InboxFilters(
            severity=data.get("severity") or "",
            kind=data.get("kind") or "",
            site_id=data["site"].pk if data.get("site") else None,
            assignee=data.get("assignee") or "",
            status=data.get("status") or "active",
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") or "severity",
        )


class AssignForm(RefusalFormMixin, forms.Form):
    refusal_in_own_words = True
    assignee = forms.ModelChoiceField(
        queryset=operations_users(), required=False, empty_label="Nobody", label="Assign to"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.queryset = operations_users()  # type: ignore[attr-defined]
        field.label_from_instance = lambda user: user.get_full_name() or user.username  # type: ignore[attr-defined]


class CommentForm(RefusalFormMixin, forms.Form):
    refusal_in_own_words = True
    body = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ResolveForm(RefusalFormMixin, forms.Form):
    refusal_in_own_words = True
    reason = forms.CharField(
        label="Reason for resolving",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Recorded in the audit trail.",
    )


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email_critical", "email_high"]
        labels = {
            "email_critical": "E-mail me critical alerts",
            "email_high": "E-mail me high alerts",
        }
