"""Forms of the supplier portal. They only read what was typed: the rules (dates, quantities,
shelf life) are the services' in suppliers.services.portal, and their refusals come back onto these
forms by field."""

from datetime import date
from typing import Any

from django import forms

from common.errors import DomainError
from common.forms import RefusalFormMixin
from suppliers.models import PurchaseOrderLine
from suppliers.services.portal import NoticeLine

DATE_INPUT = {"type": "date"}


class PortalSearchForm(forms.Form):
    column_classes = {"q": "col-md-5"}  # the filter card's layout (components/filter_card.html)

    q = forms.CharField(
        required=False,
        label="PO number",
        widget=forms.TextInput(
            attrs={"placeholder": "Search by PO number", "type": "search", "autocomplete": "off"}
        ),
    )

    def query(self) -> str:
        return (self.cleaned_data.get("q") or "").strip() if self.is_valid() else ""


class TermsSearchForm(PortalSearchForm):
    q = forms.CharField(
        required=False,
        label="SKU",
        widget=forms.TextInput(
            attrs={"placeholder": "SKU code or name", "type": "search", "autocomplete": "off"}
        ),
    )


class ReceiptFilterForm(forms.Form):
    column_classes = {"month": "col-md-3"}  # the filter card's layout

    month = forms.TypedChoiceField(required=False, label="Month", coerce=str, empty_value="")

    def __init__(self, *args: Any, months: list[date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [
            ("", "All months"),
            *((f"{month:%Y-%m}", f"{month:%B %Y}") for month in months),
        ]

    def chosen_month(self) -> date | None:
        value = self.cleaned_data.get("month") if self.is_valid() else ""
        if not value:
            return None
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)


class LineProposeForm(RefusalFormMixin, forms.Form):
    """Another delivery date and/or quantity for one line, for the planner to decide."""

    proposed_date = forms.DateField(
        label="Delivery date", required=False, widget=forms.DateInput(attrs=DATE_INPUT)
    )
    proposed_quantity = forms.IntegerField(
        label="Quantity (units)",
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(
        label="Note for the planner",
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": "Why this date or quantity"}),
    )

    @classmethod
    def for_line(cls, line: PurchaseOrderLine, data: Any = None) -> "LineProposeForm":
        return cls(
            data,
            auto_id=f"line{line.pk}-%s",
            initial={"proposed_date": line.due_date, "proposed_quantity": line.agreed_quantity},
        )


class ShippingNoticeForm(RefusalFormMixin, forms.Form):
    """An advance shipping notice: the shipment, then one row per line still to announce
    (quantity, lot, expiry). Rows left blank are not part of the notice."""

    number = forms.CharField(label="Your shipment reference", required=False, max_length=60)
    shipped_on = forms.DateField(
        label="Shipped on", required=False, widget=forms.DateInput(attrs=DATE_INPUT)
    )
    expected_on = forms.DateField(
        label="Expected on", required=False, widget=forms.DateInput(attrs=DATE_INPUT)
    )
    carrier = forms.CharField(label="Carrier", required=False, max_length=120)
    tracking = forms.CharField(label="Tracking number", required=False, max_length=120)

    HEADER_FIELDS = ("number", "shipped_on", "expected_on", "carrier", "tracking")
    ROW_FIELDS = ("quantity", "lot_number", "expiry_date")

    def __init__(self, *args: Any, lines: list[PurchaseOrderLine], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "asn-%s")
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.row_errors: dict[int, list[str]] = {}
        self._sent: list[int] = []  # the line ids sent to the service, in order
        for line in lines:
            self.fields[f"line-{line.pk}-quantity"] = forms.IntegerField(
                label="Quantity", required=False, widget=forms.NumberInput(attrs={"min": 1})
            )
            self.fields[f"line-{line.pk}-lot_number"] = forms.CharField(
                label="Lot number", required=False, max_length=60
            )
            self.fields[f"line-{line.pk}-expiry_date"] = forms.DateField(
                label="Expiry date", required=False, widget=forms.DateInput(attrs=DATE_INPUT)
            )

    def header_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.HEADER_FIELDS]

    def rows(self) -> list[dict[str, Any]]:
        """The line rows for the template: the line, its three fields and its messages."""
        return [
            {
                "line": line,
                **{name: self[f"line-{line.pk}-{name}"] for name in self.ROW_FIELDS},
                "errors": self.row_errors.get(line.pk, []),
            }
            for line in self.lines
        ]

    def notice_lines(self) -> list[NoticeLine]:
        """The rows with anything typed in, as the service takes them."""
        items = []
        self._sent = []
        for line in self.lines:
            values = [self.cleaned_data.get(f"line-{line.pk}-{name}") for name in self.ROW_FIELDS]
            if all(value in (None, "") for value in values):
                continue
            quantity, lot_number, expiry_date = values
            items.append(
                NoticeLine(
                    line_id=line.pk,
                    quantity=quantity,
                    lot_number=lot_number or "",
                    expiry_date=expiry_date,
                )
            )
            self._sent.append(line.pk)
        return items

    def add_refusal(self, refused: DomainError) -> None:
        """The summary on top even when fields are named: line messages sit in their rows,
        further down the form."""
        if refused.fields:
            self.add_error(None, refused.message)
        super().add_refusal(refused)

    def add_refusal_elsewhere(self, name: str, messages: list[str]) -> None:
        """A line's messages (`lines.<n>`: the n-th line sent) under its row."""
        index = name.removeprefix("lines.")
        if name.startswith("lines.") and index.isdigit() and int(index) < len(self._sent):
            self.row_errors.setdefault(self._sent[int(index)], []).extend(messages)
        else:
            super().add_refusal_elsewhere(name, messages)


class MessageForm(RefusalFormMixin, forms.Form):
    body = forms.CharField(
        label="Message",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write to the planners"}),
    )
