from django import forms
from django.contrib.contenttypes.models import ContentType

from accounts.models import AuditLogEntry, User
from accounts.selectors import audited_content_types, users_with_trail_entries


class AuditTrailFilterForm(forms.Form):
    actor = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Any user", label="User"
    )
    content_type = forms.ModelChoiceField(
        queryset=ContentType.objects.none(),
        required=False,
        empty_label="Any record",
        label="Record",
    )
    action = forms.TypedChoiceField(
        choices=[("", "Any action"), *AuditLogEntry.Action.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = users_with_trail_entries()
        self.fields["content_type"].queryset = audited_content_types()
        self.fields["content_type"].label_from_instance = content_type_label

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


def content_type_label(content_type: ContentType) -> str:
    model = content_type.model_class()
    name = model._meta.verbose_name if model else content_type.model
    return f"{content_type.app_label} · {name}"
