from django import forms

from inventory.models import Site
from suppliers.models import PurchaseOrderStatus, Supplier
from suppliers.selectors.purchase_orders import PURCHASE_ORDER_SORTS, PurchaseOrderFilters


class PurchaseOrderFilterForm(forms.Form):
    # Layout of the filter card (components/filter_card.html): Bootstrap column classes by
    # field; the others take a flexible column.
    column_classes = {"q": "col-md-4"}

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(
            attrs={"placeholder": "PO number or supplier", "type": "search", "autocomplete": "off"}
        ),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *PurchaseOrderStatus.choices]
    )
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.order_by("code"), required=False, empty_label="All suppliers"
    )
    destination = forms.ModelChoiceField(
        queryset=Site.objects.order_by("code"),
        required=False,
        empty_label="All sites",
        label="Destination",
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for key in PURCHASE_ORDER_SORTS],
        widget=forms.HiddenInput,
    )
    desc = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def filters(self) -> PurchaseOrderFilters:
        """The filters asked for; with no sort asked, newest first."""
        data = self.cleaned_data if self.is_valid() else {}
        sort = data.get("sort") or ""
        return PurchaseOrderFilters(
            q=(data.get("q") or "").strip(),
            status=data.get("status") or "",
            supplier=data.get("supplier"),
            destination=data.get("destination"),
            sort=sort or "created",
            descending=bool(data.get("desc")) if sort else True,
        )
