"""Forms of the receiving pages: the filter of what can be received, and a goods receipt (one row
per order line, or per line of a shipping notice, prefilled with its lot). They only read
what was typed: the rules (open quantities, shelf life, a reason for rejected units) are the
service's in suppliers.services.receiving, and its refusals come back onto the rows."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.forms.utils import ErrorList

from common.errors import DomainError, NotFound
from common.forms import RefusalFormMixin
from inventory.models import Site
from suppliers.models import PurchaseOrderLine, ShippingNoticeLine, Supplier
from suppliers.selectors.receiving import ReceivingFilters
from suppliers.services.receiving import ReceiptRow

RECEIVING_TABS = ("orders", "notices")


class ReceivingFilterForm(forms.Form):
    column_classes = {"q": "col-md-4"}  # the filter card's layout (components/filter_card.html)

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(
            attrs={
                "placeholder": "Order or shipping notice number",
                "type": "search",
                "autocomplete": "off",
            }
        ),
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.order_by("code"),
        required=False,
        empty_label="All sites",
        label="Destination site",
    )
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.order_by("code"), required=False, empty_label="All suppliers"
    )
    show = forms.ChoiceField(
        required=False, choices=[(tab, tab) for tab in RECEIVING_TABS], widget=forms.HiddenInput
    )

    def filters(self) -> ReceivingFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return ReceivingFilters(
            q=(data.get("q") or "").strip(), site=data.get("site"), supplier=data.get("supplier")
        )

    def tab(self) -> str:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("show") or "orders"


class ReceiptRowForm(RefusalFormMixin, forms.Form):
    """What arrived for one line: units received and rejected (with why), lot and expiry."""

    quantity_received = forms.IntegerField(
        label="Received",
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric", "class": "text-end"}),
    )
    quantity_rejected = forms.IntegerField(
        label="Rejected",
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric", "class": "text-end"}),
    )
    rejection_reason = forms.CharField(
        label="Reason for rejection",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "Damaged, wrong item, temperature…"}),
    )
    lot_number = forms.CharField(label="Lot number", required=False, max_length=60)
    expiry_date = forms.DateField(
        label="Expiry date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def add_refusal_elsewhere(self, name: str, messages: list[str]) -> None:
        # The service's names for what the row has no input of (the accepted quantity).
        self.add_error(None, messages)


@dataclass
class ReceiptFormRow:
    line: PurchaseOrderLine
    form: ReceiptRowForm
    announced: ShippingNoticeLine | None = None


class GoodsReceiptForm:
    """The rows of a goods receipt, one form each (prefix "row-<n>"), in a fixed order: the
    order's open lines, or the notice's lines with what the supplier announced. A row whose
    received quantity is blank or zero is not part of the receipt (it did not arrive)."""

    def __init__(
        self,
        data: Any = None,
        *,
        lines: list[PurchaseOrderLine] | None = None,
        notice_lines: list[ShippingNoticeLine] | None = None,
    ) -> None:
        self.rows: list[ReceiptFormRow] = []
        self.errors = ErrorList()
        self._sent: list[int] = []  # the row numbers sent to the service, in order
        if notice_lines is not None:
            for number, item in enumerate(notice_lines):
                initial = {
                    "quantity_received": item.quantity,
                    "quantity_rejected": 0,
                    "lot_number": item.lot_number,
                    "expiry_date": item.expiry_date,
                }
                form = ReceiptRowForm(data, prefix=f"row-{number}", initial=initial)
                self.rows.append(ReceiptFormRow(line=item.line, form=form, announced=item))
        for number, line in enumerate(lines or [], start=len(self.rows)):
            form = ReceiptRowForm(data, prefix=f"row-{number}", initial={"quantity_rejected": 0})
            self.rows.append(ReceiptFormRow(line=line, form=form))

    def is_valid(self) -> bool:
        checked = [row.form.is_valid() for row in self.rows]  # every row, for every message
        return all(checked) and not self.errors

    def receipt_rows(self) -> list[ReceiptRow]:
        """The rows with units received, as the service takes them."""
        sent, self._sent = [], []
        for number, row in enumerate(self.rows):
            data = row.form.cleaned_data
            if not data.get("quantity_received"):
                continue
            expiry = data.get("expiry_date")
            sent.append(
                ReceiptRow(
                    line_id=row.line.pk,
                    quantity_received=data["quantity_received"],
                    quantity_rejected=data.get("quantity_rejected") or 0,
                    rejection_reason=data.get("rejection_reason") or "",
                    lot_number=data.get("lot_number") or "",
                    expiry_date=expiry if isinstance(expiry, date) else None,
                )
            )
            self._sent.append(number)
        return sent

    def add_refusal(self, refused: DomainError) -> None:
        """The service's refusal on the rows it names ("rows.<i>" and "rows.<i>.<field>", i
        counting the rows sent), the rest above the table."""
        if isinstance(refused, NotFound):
            raise refused
        for name, messages in refused.fields.items():
            parts = name.split(".")
            if parts[0] != "rows":
                self.errors.extend(messages)
                continue
            if len(parts) < 2 or not parts[1].isdigit() or int(parts[1]) >= len(self._sent):
                continue  # about the rows as a whole: the refusal's message says it
            form = self.rows[self._sent[int(parts[1])]].form
            if len(parts) == 2:
                form.add_error(None, messages)
            elif parts[2] in form.fields:
                form.add_error(parts[2], messages)
            else:
                form.add_refusal_elsewhere(parts[2], messages)
        self.errors.insert(0, refused.message)

    def totals(self) -> dict[str, int]:
        """Units open (or announced), received, rejected and accepted over the rows, from what
        was typed when the form was posted, else from the prefilled values."""
        totals = {"open": 0, "announced": 0, "received": 0, "rejected": 0}
        for row in self.rows:
            totals["open"] += row.line.open_quantity
            totals["announced"] += row.announced.quantity if row.announced else 0
            totals["received"] += _whole(row.form["quantity_received"].value())
            totals["rejected"] += _whole(row.form["quantity_rejected"].value())
        totals["accepted"] = totals["received"] - totals["rejected"]
        return totals


def _whole(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0
