from django import forms


class LotTraceForm(forms.Form):
    """Which lot number to trace: the SKU's code and the lot number exactly as printed on the
    pack (not trimmed: a lot number is matched character for character)."""

    column_classes = {"sku": "col-md-4", "lot": "col-md-4"}  # the filter card's layout

    sku = forms.CharField(label="SKU code", max_length=40)
    lot = forms.CharField(label="Lot number", max_length=60, strip=False)
