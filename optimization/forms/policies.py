from django import forms

from common.errors import ReasonRequired, SignatureRefused
from common.forms import RefusalFormMixin
from inventory.models import Site
from optimization.models import SuggestionStatus, Urgency
from optimization.selectors.plans import WORKLIST_SORTS, WorklistFilters
from optimization.selectors.policies import POLICY_SORTS, PolicyFilters
from suppliers.models import Supplier

ABC_CHOICES = [("", "ABC"), ("A", "A"), ("B", "B"), ("C", "C")]
XYZ_CHOICES = [("", "XYZ"), ("X", "X"), ("Y", "Y"), ("Z", "Z")]
SERVICE_KINDS = [("", "Any target"), ("fill_rate", "Fill rate"), ("cycle_service", "Cycle service")]
LOT_REASONS = [
    ("", "Any order size"),
    ("eoq", "EOQ"),
    ("moq", "Raised to MOQ"),
    ("price_break", "Raised to a price break"),
    ("shelf_life", "Capped by shelf life"),
    ("shelf_life_conflict", "MOQ above the shelf-life cap"),
]


class PolicyFilterForm(forms.Form):
    # Layout of the filter card (components/filter_card.html): Bootstrap column classes by
    # field; the others take a flexible column.
    column_classes = {"q": "col-md-3", "abc": "col-3 col-md-1", "xyz": "col-3 col-md-1"}

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "SKU code or name", "type": "search"}),
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.filter(active=True).order_by("code"),
        required=False,
        empty_label="All sites",
    )
    abc = forms.ChoiceField(required=False, label="ABC", choices=ABC_CHOICES)
    xyz = forms.ChoiceField(required=False, label="XYZ", choices=XYZ_CHOICES)
    service_kind = forms.ChoiceField(required=False, label="Target", choices=SERVICE_KINDS)
    lot_reason = forms.ChoiceField(required=False, label="Order size", choices=LOT_REASONS)
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in POLICY_SORTS], widget=forms.HiddenInput
    )
    desc = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def filters(self) -> PolicyFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return PolicyFilters(
            q=(data.get("q") or "").strip(),
            site=data.get("site"),
            abc=data.get("abc") or "",
            xyz=data.get("xyz") or "",
            service_kind=data.get("service_kind") or "",
            lot_reason=data.get("lot_reason") or "",
            sort=data.get("sort") or "code",
            descending=bool(data.get("desc")),
        )


SERVICE_LEVELS = [("0.9", "90 %"), ("0.95", "95 %"), ("0.98", "98 %"), ("0.99", "99 %")]


class EchelonForm(forms.Form):
    sku = forms.TypedChoiceField(label="SKU", coerce=int, required=False)
    service = forms.TypedChoiceField(
        label="Cycle service level", choices=SERVICE_LEVELS, coerce=float, initial="0.95"
    )

    def __init__(self, *args: object, skus: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["sku"].choices = [(sku.pk, f"{sku.code} {sku.name}") for sku in skus]


class SafetyStockForm(forms.Form):
    demand_mean = forms.FloatField(label="Demand (units/day)", min_value=0, initial=100)
    demand_error_std = forms.FloatField(
        label="Forecast error std dev (units/day)", min_value=0, initial=30
    )
    lead_time_mean = forms.FloatField(label="Lead time (days)", min_value=0, initial=10)
    lead_time_std = forms.FloatField(
        label="Lead-time std dev (days)",
        min_value=0,
        required=False,
        initial=2,
        help_text="Empty: 30 % of the lead time.",
    )
    service_kind = forms.ChoiceField(
        label="Target",
        choices=[("fill_rate", "Fill rate"), ("cycle_service", "Cycle service level")],
        initial="fill_rate",
    )
    service_level = forms.FloatField(
        label="Target level (%)", min_value=50, max_value=99.99, initial=95
    )
    order_quantity = forms.FloatField(label="Order quantity (units)", min_value=1, initial=500)
    review_period = forms.FloatField(label="Review period (days)", min_value=1, initial=7)


class EoqForm(forms.Form):
    annual_demand = forms.FloatField(label="Annual demand (units)", min_value=0, initial=5000)
    order_cost = forms.FloatField(label="Cost per order", min_value=0, initial=49)
    unit_price = forms.FloatField(label="Unit price", min_value=0.01, initial=5)
    holding_rate = forms.FloatField(
        label="Holding rate (%/year)", min_value=0.1, max_value=500, initial=20
    )
    moq = forms.FloatField(label="Minimum order quantity", min_value=0, initial=1)
    order_multiple = forms.FloatField(label="Order multiple", min_value=1, initial=1)
    remaining_shelf_life_days = forms.FloatField(
        label="Shelf life at arrival (days)", min_value=0, required=False
    )
    min_usable_life_days = forms.FloatField(
        label="Usable down to (days left)", min_value=0, initial=0, required=False
    )


# ---- replenishment worklist -------------------------------------------------------------------

WORKLIST_STATUS_CHOICES = [
    ("open", "Open (to decide)"),
    ("all", "All statuses"),
    *SuggestionStatus.choices,
]
URGENCY_CHOICES = [("", "Any urgency"), *[(value, value.title()) for value in Urgency.values]]


class WorklistFilterForm(forms.Form):
    column_classes = {  # the filter card's layout, as on PolicyFilterForm
        "q": "col-md-3",
        "abc": "col-4 col-md-1",
        "urgency": "col-4 col-md",
        "status": "col-4 col-md",
    }

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "SKU, site or supplier", "type": "search"}),
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.filter(active=True).order_by("code"),
        required=False,
        empty_label="All sites",
    )
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.order_by("code"), required=False, empty_label="All suppliers"
    )
    abc = forms.ChoiceField(required=False, label="ABC", choices=ABC_CHOICES)
    urgency = forms.ChoiceField(required=False, choices=URGENCY_CHOICES)
    status = forms.ChoiceField(required=False, choices=WORKLIST_STATUS_CHOICES, initial="open")
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in WORKLIST_SORTS], widget=forms.HiddenInput
    )
    desc = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_sort(self) -> str:
        return self.cleaned_data.get("sort") or "urgency"

    def filters(self) -> WorklistFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return WorklistFilters.from_input(data, descending=bool(data.get("desc")))


class SuggestionEditForm(RefusalFormMixin, forms.Form):
    """Quantity and order date of a suggested order, with the reason; the rules (MOQ, order
    multiple, shelf-life cap, dates) are the service's, shown by field."""

    quantity = forms.IntegerField(
        label="Quantity (units)",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autofocus": True}),
    )
    order_date = forms.DateField(label="Order date", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Why this quantity or date"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class SuggestionRejectForm(RefusalFormMixin, forms.Form):
    refusal_fields = {ReasonRequired: "reason"}

    reason = forms.CharField(
        label="Reason for rejecting",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Why not to order", "autofocus": True}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ApprovalForm(RefusalFormMixin, forms.Form):
    """The electronic signature of an approval: the password again, one key per dialog."""

    refusal_fields = {SignatureRefused: "password"}

    password = forms.CharField(
        label="Password",
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    reason = forms.CharField(label="Comment (optional)", required=False, widget=forms.TextInput)
    idempotency_key = forms.CharField(max_length=80, widget=forms.HiddenInput)
