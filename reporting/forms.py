from django import forms

from inventory.models import Site


class WarehouseSiteForm(forms.Form):
    site = forms.ModelChoiceField(
        queryset=Site.objects.filter(active=True).order_by("code"),
        required=False,
        empty_label="Every site",
        label="Site",
    )
