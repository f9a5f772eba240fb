from django import forms

from inventory.models import Category, LotStatus, Site, StockStatus, TemperatureZone
from inventory.selectors.stock import POSITION_SORTS, LotFilters, PositionFilters

ABC_CHOICES = [("A", "A"), ("B", "B"), ("C", "C")]
XYZ_CHOICES = [("X", "X"), ("Y", "Y"), ("Z", "Z")]


def _blank(label: str, choices: list) -> list:
    return [("", label), *choices]


class PositionFilterForm(forms.Form):
    # Layout of the filter card (components/filter_card.html): Bootstrap column classes by
    # field; the others take a flexible column.
    column_classes = {"q": "col-md-3", "abc": "col-3 col-md-1", "xyz": "col-3 col-md-1"}

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(
            attrs={"placeholder": "SKU code or name", "type": "search", "autocomplete": "off"}
        ),
    )
    category = forms.ChoiceField(required=False, choices=_blank("All categories", Category.choices))
    zone = forms.ChoiceField(
        required=False,
        label="Zone",
        choices=_blank("All zones", TemperatureZone.choices),
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.filter(active=True).order_by("code"),
        required=False,
        empty_label="All sites",
    )
    abc = forms.ChoiceField(required=False, label="ABC", choices=_blank("ABC", ABC_CHOICES))
    xyz = forms.ChoiceField(required=False, label="XYZ", choices=_blank("XYZ", XYZ_CHOICES))
    status = forms.ChoiceField(required=False, choices=_blank("Any status", StockStatus.choices))
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in POSITION_SORTS], widget=forms.HiddenInput
    )
    desc = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def filters(self) -> PositionFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return PositionFilters(
            q=(data.get("q") or "").strip(),
            category=data.get("category") or "",
            zone=data.get("zone") or "",
            site=data.get("site"),
            abc=data.get("abc") or "",
            xyz=data.get("xyz") or "",
            status=data.get("status") or "",
            sort=data.get("sort") or "code",
            descending=bool(data.get("desc")),
        )


EXPIRY_WINDOWS = [
    ("", "Any expiry"),
    ("0", "Expired"),
    ("30", "Within 30 days"),
    ("90", "Within 90 days"),
    ("180", "Within 180 days"),
    ("365", "Within a year"),
]


class LotFilterForm(forms.Form):
    column_classes = {"q": "col-md-4"}  # the filter card's layout, as on PositionFilterForm

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(
            attrs={"placeholder": "Lot number, SKU code or name", "type": "search"}
        ),
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.filter(active=True).order_by("code"),
        required=False,
        empty_label="All sites",
    )
    status = forms.ChoiceField(required=False, choices=_blank("Any status", LotStatus.choices))
    expires = forms.TypedChoiceField(
        required=False, label="Expiry", choices=EXPIRY_WINDOWS, coerce=int, empty_value=None
    )
    include_empty = forms.BooleanField(required=False, label="Include empty lots")

    def filters(self) -> LotFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return LotFilters(
            q=(data.get("q") or "").strip(),
            site=data.get("site"),
            status=data.get("status") or "",
            expires_within_days=data.get("expires"),
            include_empty=bool(data.get("include_empty")),
        )
