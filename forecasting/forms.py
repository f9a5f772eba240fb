from datetime import date, timedelta

from django import forms

from common.forms import RefusalFormMixin
from forecasting.models import OverrideKind
from forecasting.services import RICH_METHOD_LABELS


class OverrideForm(RefusalFormMixin, forms.Form):
    start_date = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(label="Adjustment", choices=OverrideKind.choices)
    value = forms.DecimalField(
        max_digits=12,
        decimal_places=3,
        help_text="A percentage such as 20 or -15, or units per day.",
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "e.g. tender won at the county hospital from 1 Dec"}
        ),
        help_text="Required: it goes on the audit trail.",
    )

    @classmethod
    def proposing_week(cls, first_day: date) -> "OverrideForm":
        """An empty form proposing a week from `first_day`."""
        return cls(
            initial={
                "start_date": first_day,
                "end_date": first_day + timedelta(days=6),
                "kind": OverrideKind.PERCENT,
            }
        )


class RunStartForm(forms.Form):
    rich_methods = forms.MultipleChoiceField(
        label="Also try per-series models",
        required=False,
        choices=list(RICH_METHOD_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="About a second per series and model; each must beat the fast methods in "
        "the same backtest to be chosen.",
    )
    rich_classes = forms.MultipleChoiceField(
        label="for SKU-sites of ABC class",
        required=False,
        choices=[("A", "A"), ("B", "B"), ("C", "C")],
        initial=["A"],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("rich_methods") and not data.get("rich_classes"):
            self.add_error("rich_classes", "Choose the ABC classes to try them on.")
        return data
