"""Suppliers API under /api/v1/: suppliers, their terms per SKU, purchase orders, supplier
performance, and the supplier-system side of the portal (acknowledge an order, confirm or
propose per line).

Supplier users see and act on their own supplier's orders only: another supplier's order or
line answers 404, as one that does not exist. Errors keep the API's one shape
({"error": {"code", "message", "fields"}}); a refused action is a 400 naming the fields.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import SignatureInputSerializer
from accounts.permissions import HasCapability
from accounts.roles import Capability, user_can
from accounts.sessions import signing_identified, signing_user_id
from inventory.api.stock import MasterDataViewSet
from suppliers.api.serializers import (
    LINE_TERMS,
    PurchaseOrderLineSerializer,
    PurchaseOrderSerializer,
    SupplierItemSerializer,
    SupplierSerializer,
)
from suppliers.models import (
    LineProposal,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierItem,
    SupplierScorecard,
)
from suppliers.selectors import purchase_orders as selectors
from suppliers.services.amendments import line_amend, line_reapprove
from suppliers.services.portal import (
    PortalRefused,
    line_confirm,
    line_propose,
    purchase_order_acknowledge,
)


class SupplierViewSet(MasterDataViewSet):
    queryset = Supplier.objects.order_by("code")
    serializer_class = SupplierSerializer
    filterset_fields = ["active"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]


class SupplierItemViewSet(MasterDataViewSet):
    queryset = SupplierItem.objects.select_related("supplier", "sku").order_by("supplier", "sku")
    serializer_class = SupplierItemSerializer
    filterset_fields = ["supplier", "sku", "is_primary"]
    search_fields = ["sku__code", "supplier__code"]


class SeesSupplierData(BasePermission):
    """Operations users (every supplier) or supplier users (their own supplier): the roles for
    which the supplier selectors return anything."""

    message = "Your role does not allow this action."

    def has_permission(self, request: Any, view: Any) -> bool:
        return user_can(request.user, Capability.VIEW_OPERATIONS) or user_can(
            request.user, Capability.SUPPLIER_PORTAL
        )


class SupplierScopedMixin:
    """Any role that sees supplier data; what each sees is scoped by the selectors."""

    required_capability = Capability.ANY_ROLE
    permission_classes = [HasCapability, SeesSupplierData]


class PurchaseOrderViewSet(SupplierScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Purchase orders with their lines (created by approvals of suggested orders). Operations
    users see every order; a supplier user, their own supplier's orders once sent."""

    serializer_class = PurchaseOrderSerializer
    filterset_fields = ["supplier", "destination", "status"]
    search_fields = ["number", "supplier__code"]
    ordering_fields = ["created_at", "expected_on", "number"]

    def get_queryset(self) -> QuerySet[PurchaseOrder]:
        return selectors.purchase_orders_with_lines(self.request.user)


# ---- supplier performance -----------------------------------------------------------------------


class ScorecardSerializer(serializers.ModelSerializer):
    supplier_code = serializers.CharField(source="supplier.code", read_only=True)

    class Meta:
        model = SupplierScorecard
        fields = [
            "id",
            "supplier",
            "supplier_code",
            "month",
            "lines_due",
            "lines_on_time",
            "lines_in_full",
            "lines_otif",
            "on_time_rate",
            "in_full_rate",
            "otif_rate",
            "units_received",
            "units_accepted",
            "quality_acceptance_rate",
            "receipts",
            "lead_time_mean",
            "lead_time_std",
            "lead_time_trend",
            "agreed_lead_time",
            "price_variance",
            "acknowledgement_hours",
            "score",
            "grade",
            "components",
            "computed_at",
        ]
        read_only_fields = fields


class PerformanceFilterSerializer(serializers.Serializer):
    supplier = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Supplier id."
    )  # an id beyond the database's integer range is a bad filter, not a server error
    month_from = serializers.DateField(
        required=False, help_text="From this date's month (YYYY-MM-DD), inclusive."
    )
    month_to = serializers.DateField(
        required=False, help_text="To this date's month (YYYY-MM-DD), inclusive."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        for name in ("month_from", "month_to"):
            if data.get(name):
                data[name] = data[name].replace(day=1)
        first, last = data.get("month_from"), data.get("month_to")
        if first and last and first > last:
            raise serializers.ValidationError({"month_to": ["Must not be before month_from."]})
        return data


class SupplierPerformanceView(SupplierScopedMixin, generics.ListAPIView):
    """Monthly supplier scorecards (rates as shares from 0 to 1, lead times in days, price
    variance as a share, score 0 to 100), newest month first. Operations users see every
    supplier's; a supplier user, their own only."""

    serializer_class = ScorecardSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[SupplierScorecard]:
        query = PerformanceFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        cards = selectors.scorecards_for(self.request.user).select_related("supplier")
        if "supplier" in query.validated_data:
            cards = cards.filter(supplier_id=query.validated_data["supplier"])
        if query.validated_data.get("month_from"):
            cards = cards.filter(month__gte=query.validated_data["month_from"])
        if query.validated_data.get("month_to"):
            cards = cards.filter(month__lte=query.validated_data["month_to"])
        return cards.order_by("-month", "supplier__code")

    @extend_schema(
        operation_id="suppliers_performance",
        parameters=[PerformanceFilterSerializer],
        responses={
            200: ScorecardSerializer(many=True),
            400: OpenApiResponse(description="Bad filter"),
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


# ---- supplier systems: acknowledge, confirm, propose ---------------------------------------------


class PortalLineSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="sku.code", read_only=True)
    purchase_order = serializers.CharField(source="purchase_order.number", read_only=True)

    class Meta:
        model = PurchaseOrderLine
        fields = ["id", "purchase_order", *LINE_TERMS, "confirmed_quantity", "received_quantity"]
        read_only_fields = fields


class AcknowledgementSerializer(serializers.ModelSerializer):
    """An order's acknowledgement. The status is plain text here: the order's status enum
    belongs to the PurchaseOrder schema alone."""

    status = serializers.CharField(read_only=True, help_text="acknowledged once acknowledged.")
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.username", default=None, read_only=True
    )

    class Meta:
        model = PurchaseOrder
        fields = ["id", "number", "status", "sent_at", "acknowledged_at", "acknowledged_by"]
        read_only_fields = fields


class ProposalInputSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The delivery date the supplier proposes.")
    quantity = serializers.IntegerField(
        min_value=1, help_text="Units; at most the ordered quantity."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ProposalSerializer(serializers.ModelSerializer):
    date = serializers.DateField(source="proposed_date", read_only=True)
    quantity = serializers.IntegerField(source="proposed_quantity", read_only=True)
    status = serializers.CharField(read_only=True, help_text="pending, accepted or rejected.")

    class Meta:
        model = LineProposal
        fields = ["id", "line", "date", "quantity", "note", "status", "proposed_at"]
        read_only_fields = fields


# The services name the proposal's fields as the model does; the API calls them date and quantity.
PROPOSAL_FIELDS = {"proposed_date": "date", "proposed_quantity": "quantity"}


class SupplierActionView(SupplierScopedMixin, APIView):
    """An action a supplier's system takes on one of its own orders."""

    required_capability = Capability.SUPPLIER_PORTAL
    permission_classes = [HasCapability]

    def order(self, number: str) -> PurchaseOrder:
        order = selectors.purchase_orders_for(self.request.user).filter(number=number).first()
        if order is None:
            raise exceptions.NotFound("No such purchase order.")
        return order

    def line(self, number: str, line_id: int) -> PurchaseOrderLine:
        line = (
            selectors.purchase_order_lines_for(self.request.user)
            .filter(pk=line_id, purchase_order__number=number)
            .first()
        )
        if line is None:
            raise exceptions.NotFound("No such purchase-order line.")
        return line


class PurchaseOrderAcknowledgeView(SupplierActionView):
    """The supplier confirms it has received the order. Acknowledging again changes nothing."""

    @extend_schema(
        operation_id="purchase_order_acknowledge",
        request=None,
        responses={
            200: AcknowledgementSerializer,
            400: OpenApiResponse(description="The order can no longer be acknowledged."),
            404: OpenApiResponse(description="No such order among the supplier's own."),
        },
    )
    def post(self, request: Request, number: str) -> Response:
        order = self.order(number)
        acknowledged = purchase_order_acknowledge(actor=request.user, order_id=order.pk)
        return Response(AcknowledgementSerializer(acknowledged).data)


class LineConfirmView(SupplierActionView):
    """The supplier commits to the line's requested date and ordered quantity."""

    @extend_schema(
        operation_id="purchase_order_line_confirm",
        request=None,
        responses={
            200: PortalLineSerializer,
            400: OpenApiResponse(description="Refused: order closed, or a proposal is waiting."),
            404: OpenApiResponse(description="No such line on the supplier's own orders."),
        },
    )
    def post(self, request: Request, number: str, line_id: int) -> Response:
        line = self.line(number, line_id)
        line_confirm(actor=request.user, line_id=line.pk)
        return Response(PortalLineSerializer(selectors.purchase_order_line(line.pk)).data)


class LineProposeView(SupplierActionView):
    """The supplier proposes another delivery date and/or quantity; a planner accepts or
    rejects it. One proposal per line waits at a time."""

    @extend_schema(
        operation_id="purchase_order_line_propose",
        request=ProposalInputSerializer,
        responses={
            201: ProposalSerializer,
            400: OpenApiResponse(description="Invalid proposal; fields name what to fix."),
            404: OpenApiResponse(description="No such line on the supplier's own orders."),
        },
    )
    def post(self, request: Request, number: str, line_id: int) -> Response:
        line = self.line(number, line_id)
        data = ProposalInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            proposal = line_propose(
                actor=request.user,
                line_id=line.pk,
                proposed_date=data.validated_data["date"],
                proposed_quantity=data.validated_data["quantity"],
                note=data.validated_data["note"],
            )
        except PortalRefused as refused:
            refused.fields = {
                PROPOSAL_FIELDS.get(name, name): messages
                for name, messages in refused.fields.items()
            }
            raise
        return Response(ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


# ---- planners: change an approved line, and approve the change ---------------------------------


class LineAmendInputSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=2_147_483_647)
    unit_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, help_text="Per unit, two decimals."
    )
    requested_date = serializers.DateField(help_text="Not before the order date.")
    reason = serializers.CharField(
        max_length=2000, allow_blank=True, help_text="Why the approved terms change (required)."
    )


class LineReapproveInputSerializer(SignatureInputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class PlannerLineActionView(SupplierActionView):
    """A planner's action on a line of any open order."""

    required_capability = Capability.PLAN

    def answer(self, line: PurchaseOrderLine) -> Response:
        return Response(PurchaseOrderLineSerializer(selectors.purchase_order_line(line.pk)).data)


class LineAmendView(PlannerLineActionView):
    """Change an approved line's quantity, unit price or requested date, with a reason. The
    line then waits for another planner's signed approval: the order cannot be sent and the
    supplier cannot confirm the line until then."""

    @extend_schema(
        operation_id="purchase_order_line_amend",
        request=LineAmendInputSerializer,
        responses={
            200: PurchaseOrderLineSerializer,
            400: OpenApiResponse(description="Refused; fields name what to fix."),
            404: OpenApiResponse(description="No such line."),
        },
    )
    def post(self, request: Request, number: str, line_id: int) -> Response:
        line = self.line(number, line_id)
        data = LineAmendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        line_amend(actor=request.user, line_id=line.pk, **data.validated_data)
        return self.answer(line)


class LineReapproveView(PlannerLineActionView):
    """Approve a changed line's new terms with an electronic signature (the password again).
    Whoever changed the line cannot approve the change."""

    @extend_schema(
        operation_id="purchase_order_line_reapprove",
        request=LineReapproveInputSerializer,
        responses={
            200: PurchaseOrderLineSerializer,
            400: OpenApiResponse(
                description="Refused (nothing to approve, own change, wrong password: code "
                "signature_refused)."
            ),
            404: OpenApiResponse(description="No such line."),
        },
    )
    def post(self, request: Request, number: str, line_id: int) -> Response:
        line = self.line(number, line_id)
        data = LineReapproveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        line_reapprove(
            actor=request.user,
            line_id=line.pk,
            password=data.validated_data["password"],
            username=signing_user_id(request, data.validated_data.get("username")),
            reason=data.validated_data["reason"],
            remote_addr=request.META.get("REMOTE_ADDR"),
        )
        signing_identified(request)
        return self.answer(line)
