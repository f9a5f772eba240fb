"""The what-if scenario form: it parses what a planner types (percentages, codes) into the
selection and changes that optimization.services.scenarios validates; the ranges and their messages
live there, so the page and any other caller get the same ones."""

from typing import Any

from django import forms

from common.forms import RefusalFormMixin
from inventory.models import Site
from optimization.engine.policy import ABC_CLASSES, XYZ_CLASSES
from optimization.services.scenarios import NAME_MAX


def _percent(label: str, help_text: str = "", **attrs: Any) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", **attrs}),
    )


class ScenarioForm(RefusalFormMixin, forms.Form):
    name = forms.CharField(
        label="Name",
        required=False,  # the service says what is missing, beside the other messages
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autofocus": True, "placeholder": "e.g. A items at 99 %"}),
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    abc = forms.MultipleChoiceField(
        label="ABC classes",
        required=False,
        choices=[(label, label) for label in ABC_CLASSES],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    xyz = forms.MultipleChoiceField(
        label="XYZ classes",
        required=False,
        choices=[(label, label) for label in XYZ_CLASSES],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    sites = forms.MultipleChoiceField(
        label="Sites", required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    skus = forms.CharField(
        label="SKU codes",
        required=False,
        help_text="Separated by commas or spaces.",
        widget=forms.TextInput(attrs={"placeholder": "All SKUs", "autocomplete": "off"}),
    )
    service_level_all = _percent("Service level for all (%)", placeholder="Current targets")
    service_level_A = _percent("A items (%)", placeholder="Current")
    service_level_B = _percent("B items (%)", placeholder="Current")
    service_level_C = _percent("C items (%)", placeholder="Current")
    holding_rate = _percent("Holding rate (%/year)")
    lead_time_mean_factor = forms.FloatField(
        label="Lead-time factor (mean)",
        required=False,
        initial=1.0,
        help_text="1 = today's; 1.5 = half as long again.",
        widget=forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"}),
    )
    lead_time_std_factor = forms.FloatField(
        label="Lead-time factor (std dev)",
        required=False,
        initial=1.0,
        help_text="Scales the variability of lead times.",
        widget=forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"}),
    )
    demand_uplift = forms.FloatField(
        label="Demand change (%)",
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    SELECTION_FIELDS = ("abc", "xyz", "sites", "skus")
    SERVICE_FIELDS = ("service_level_all", "service_level_A", "service_level_B", "service_level_C")
    ASSUMPTION_FIELDS = (
        "holding_rate",
        "lead_time_mean_factor",
        "lead_time_std_factor",
        "demand_uplift",
    )

    def __init__(self, *args: Any, holding_rate: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sites"].choices = [
            (code, f"{code} {name}")
            for code, name in Site.objects.filter(active=True)
            .order_by("code")
            .values_list("code", "name")
        ]
        if holding_rate is not None:
            self.fields["holding_rate"].widget.attrs["placeholder"] = f"{holding_rate * 100:g}"
            self.fields["holding_rate"].help_text = f"Empty: today's {holding_rate * 100:g} %."

    def service_arguments(self) -> dict[str, Any]:
        """The scenario service's keyword arguments from the cleaned data (percentages become
        shares; empty figures are left out, so the current settings apply)."""
        data = self.cleaned_data

        def share(value: float | None) -> float | None:
            return None if value is None else value / 100

        levels = {
            field.removeprefix("service_level_"): share(data.get(field))
            for field in self.SERVICE_FIELDS
            if data.get(field) is not None
        }
        changes: dict[str, Any] = {"service_levels": levels}
        if data.get("holding_rate") is not None:
            changes["holding_rate"] = share(data["holding_rate"])
        for field in ("lead_time_mean_factor", "lead_time_std_factor"):
            if data.get(field) is not None:
                changes[field] = data[field]
        if data.get("demand_uplift") is not None:
            changes["demand_uplift"] = share(data["demand_uplift"])
        return {
            "name": data.get("name", ""),
            "description": data.get("description", ""),
            "selection": {
                "abc": data.get("abc") or [],
                "xyz": data.get("xyz") or [],
                "sites": data.get("sites") or [],
                "skus": data.get("skus") or "",
            },
            "changes": changes,
        }
