"""Input checking of the cycle-count pages; the rules (scope, four eyes, completeness) stay in
inventory.services.counts."""

from collections.abc import Sequence
from typing import Any

from django import forms

from common.forms import RefusalFormMixin
from inventory.models import CycleCountStatus, TemperatureZone
from inventory.selectors.counts import SheetLine, countable_sites, storage_units
from inventory.services.counts import line_field


class CycleCountFilterForm(forms.Form):
    column_classes = {"site": "col-md-4", "status": "col-md-4"}

    site = forms.ModelChoiceField(
        queryset=countable_sites(), required=False, empty_label="All sites"
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *CycleCountStatus.choices]
    )


class StorageUnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.site.code}/{obj.code} {obj.name} ({obj.get_zone_display()})"


class CycleCountCreateForm(RefusalFormMixin, forms.Form):
    """Which site to count, and optionally one temperature zone or one storage unit there."""

    refusal_in_own_words = True

    site = forms.ModelChoiceField(queryset=countable_sites(), empty_label="Choose a site")
    zone = forms.ChoiceField(
        required=False,
        label="Temperature zone",
        choices=[("", "Every zone"), *TemperatureZone.choices],
        help_text="Only the lots of SKUs kept in this zone.",
    )
    storage_unit = StorageUnitChoiceField(
        queryset=storage_units(),
        required=False,
        empty_label="Every storage unit",
        help_text="Only the lots stored in this unit (leave the zone on every zone).",
    )


class CycleCountSheetForm(RefusalFormMixin, forms.Form):
    """One input per line of the sheet, named line-<id>: the units found, or empty when the
    lot is not counted yet."""

    refusal_in_own_words = True

    def __init__(self, *args: Any, lines: Sequence[SheetLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[line_field(line.id)] = forms.IntegerField(
                required=False,
                min_value=0,
                initial=line.counted,
                label=f"Counted units of lot {line.lot_number} ({line.sku_code})",
                error_messages={
                    "invalid": "A whole number.",
                    "min_value": "0 or more.",
                },
                widget=forms.NumberInput(
                    attrs={"min": 0, "step": 1, "inputmode": "numeric", "data-count-input": ""}
                ),
            )

    def quantities(self) -> dict[int, int | None]:
        return {line.id: self.cleaned_data.get(line_field(line.id)) for line in self.lines}

    def rows(self) -> list[tuple[SheetLine, forms.BoundField]]:
        return [(line, self[line_field(line.id)]) for line in self.lines]


class CountDecisionForm(RefusalFormMixin, forms.Form):
    """Approve or cancel a count: the reason (the service requires it)."""

    refusal_in_own_words = True

    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Why these differences are accepted"}),
    )
