"""Replenishment-plan API under /api/v1/reorder/: the current plan's suggested orders (search,
edit, reject, signed approval) and plan runs (start, progress).

Every write calls the same service as the pages. Errors keep the API's one shape
({"error": {"code", "message", "fields"}}); the status says what kind of error it is:

- 400: invalid input, or a business rule refused the action (`fields` names what to fix). A
  wrong password on an approval is a 400 too (code "signature_refused", field "password"),
  like every refused domain action: the caller may act, but this signature failed.
- 403: the caller's role may not do this; 401: no credentials.
- 404: no such suggestion or plan run.
- 409 (code "suggestion_conflict"): the suggestion changed since the caller read its
  `version`; nothing was saved. Read it again, then decide again.
"""

from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import SignatureInputSerializer
from accounts.roles import Capability
from accounts.sessions import signing_identified, signing_user_id
from common.errors import SignatureRefused
from inventory.models import Site
from optimization.models import PlanRun, SuggestedOrder, SuggestionStatus, Urgency
from optimization.selectors.plans import (
    WORKLIST_SORTS,
    WORKLIST_STATUS_GROUPS,
    WorklistFilters,
    plan_runs_with_progress,
    suggestions,
    worklist,
)
from optimization.services.approvals import (
    suggestion_edit,
    suggestion_reject,
    suggestions_approve,
)
from optimization.services.plans import current_plan, plan_run_start
from suppliers.models import Supplier

RECOMMENDATION_PAGE_SIZE = 50
MAX_RECOMMENDATION_PAGE_SIZE = 500
MAX_APPROVAL_IDS = 500


# ---- serializers ------------------------------------------------------------------------------


class RecommendationSerializer(serializers.ModelSerializer):
    """A suggested order as the API shows it (read only)."""

    sku_code = serializers.CharField(source="sku.code", read_only=True)
    site_code = serializers.CharField(source="site.code", read_only=True)
    supplier_code = serializers.CharField(source="supplier.code", read_only=True)
    purchase_order = serializers.SerializerMethodField(
        help_text="The number of the purchase order an approval put it on; null before."
    )

    class Meta:
        model = SuggestedOrder
        fields = [
            "id",
            "plan",
            "sku",
            "sku_code",
            "site",
            "site_code",
            "supplier",
            "supplier_code",
            "status",
            "urgency",
            "abc_class",
            "quantity",
            "order_date",
            "arrival_date",
            "unit_price",
            "value",
            "suggested_quantity",
            "suggested_order_date",
            "stockout_date",
            "reason_codes",
            "reason",
            "version",
            "purchase_order",
        ]
        read_only_fields = fields

    def get_purchase_order(self, suggestion: SuggestedOrder) -> str | None:
        line = suggestion.purchase_order_line
        return line.purchase_order.number if line is not None else None


class RecommendationSearchSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="SKU, site or supplier."
    )
    site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(), required=False, allow_null=True, help_text="Site id."
    )
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=Supplier.objects.all(), required=False, allow_null=True, help_text="Supplier id."
    )
    abc = serializers.ChoiceField(choices=["A", "B", "C"], required=False, allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=[*WORKLIST_STATUS_GROUPS, *SuggestionStatus.values],
        default="open",
        help_text='"open" (proposed, edited or awaiting a second approval), "all", or a status.',
    )
    sort = serializers.ChoiceField(choices=list(WORKLIST_SORTS), default="urgency")
    descending = serializers.BooleanField(default=False)
    page = serializers.IntegerField(min_value=1, default=1)
    page_size = serializers.IntegerField(
        min_value=1, max_value=MAX_RECOMMENDATION_PAGE_SIZE, default=RECOMMENDATION_PAGE_SIZE
    )

    def filters(self) -> WorklistFilters:
        data = self.validated_data
        return WorklistFilters.from_input(data, descending=data["descending"])


class RecommendationPageSerializer(serializers.Serializer):
    plan = serializers.IntegerField(allow_null=True, help_text="The current plan run's id.")
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = RecommendationSerializer(many=True)


class RecommendationEditSerializer(serializers.Serializer):
    """What a planner may change. Status, supplier, price and approvals are not inputs."""

    quantity = serializers.IntegerField(help_text="Units; checked against MOQ, multiple, cap.")
    order_date = serializers.DateField()
    reason = serializers.CharField(allow_blank=True, max_length=2000)
    version = serializers.IntegerField(
        min_value=1, help_text="The version the change was decided on (optimistic locking)."
    )


class RecommendationRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000)
    version = serializers.IntegerField(
        min_value=1, help_text="The version the decision was made on (optimistic locking)."
    )


class RecommendationApproveSerializer(SignatureInputSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_APPROVAL_IDS
    )
    idempotency_key = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=80,
        help_text="The same key again returns the first answer; also read from the "
        "Idempotency-Key header.",
    )
    versions = serializers.DictField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text='Expected version per suggestion id, e.g. {"17": 2}.',
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate_versions(self, versions: dict[str, int]) -> dict[int, int]:
        try:
            return {int(pk): version for pk, version in versions.items()}
        except ValueError:
            raise serializers.ValidationError("Keys must be suggestion ids.") from None


class ApprovalOutcomeSerializer(serializers.Serializer):
    approved = serializers.ListField(child=serializers.IntegerField())
    awaiting_second = serializers.ListField(
        child=serializers.IntegerField(), help_text="Above the approver's limit: a second is due."
    )
    purchase_orders = serializers.ListField(child=serializers.CharField())
    replayed = serializers.BooleanField(help_text="The answer of an earlier identical request.")


class PlanRunSerializer(serializers.ModelSerializer):
    chunks_done = serializers.IntegerField(source="chunks_finished", read_only=True)
    created_by = serializers.CharField(source="created_by.username", default=None, read_only=True)

    class Meta:
        model = PlanRun
        fields = [
            "id",
            "status",
            "as_of",
            "keys_total",
            "chunks_done",
            "chunks_total",
            "summary",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class PlanRunStartSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text="The plan's first day; today.")
    horizon = serializers.IntegerField(required=False, help_text="Days; the setting's default.")


# ---- suggested orders -------------------------------------------------------------------------


class RecommendationSearchView(APIView):
    """The current plan's suggested orders that match the filters, one page at a time."""

    required_capability = Capability.VIEW_OPERATIONS

    @extend_schema(
        operation_id="reorder_recommendations_search",
        request=RecommendationSearchSerializer,
        responses={
            200: RecommendationPageSerializer,
            400: OpenApiResponse(description="Bad filter"),
        },
    )
    def post(self, request: Request) -> Response:
        data = RecommendationSearchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = current_plan()
        size = data.validated_data["page_size"]
        paginator = Paginator(worklist(plan, data.filters()), size)
        try:
            page = paginator.page(data.validated_data["page"])
        except EmptyPage:
            raise serializers.ValidationError(
                {"page": [f"There are {paginator.num_pages} pages."]}
            ) from None
        return Response(
            {
                "plan": plan.pk if plan else None,
                "count": paginator.count,
                "page": page.number,
                "pages": paginator.num_pages,
                "page_size": size,
                "results": RecommendationSerializer(page.object_list, many=True).data,
            }
        )


def _existing(pk: int) -> None:
    get_object_or_404(SuggestedOrder.objects.only("pk"), pk=pk)


class RecommendationEditView(APIView):
    """Change a suggestion's quantity and order date, with a reason. A first approval is
    cleared: the changed order must be approved again."""

    required_capability = Capability.PLAN

    @extend_schema(
        operation_id="reorder_recommendation_edit",
        request=RecommendationEditSerializer,
        responses={
            200: RecommendationSerializer,
            400: OpenApiResponse(description="Invalid change; fields name what to fix."),
            404: OpenApiResponse(description="No such suggestion."),
            409: OpenApiResponse(description="Changed by someone else since `version`."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        _existing(pk)
        data = RecommendationEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion_edit(
            actor=request.user,
            suggestion_id=pk,
            quantity=data.validated_data["quantity"],
            order_date=data.validated_data["order_date"],
            reason=data.validated_data["reason"],
            expected_version=data.validated_data["version"],
        )
        return Response(RecommendationSerializer(suggestions().get(pk=pk)).data)


class RecommendationRejectView(APIView):
    """Decide not to order: the suggestion stays, rejected, with the reason."""

    required_capability = Capability.PLAN

    @extend_schema(
        operation_id="reorder_recommendation_reject",
        request=RecommendationRejectSerializer,
        responses={
            200: RecommendationSerializer,
            400: OpenApiResponse(description="No reason, or already decided."),
            404: OpenApiResponse(description="No such suggestion."),
            409: OpenApiResponse(description="Changed by someone else since `version`."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        _existing(pk)
        data = RecommendationRejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion_reject(
            actor=request.user,
            suggestion_id=pk,
            reason=data.validated_data["reason"],
            expected_version=data.validated_data["version"],
        )
        return Response(RecommendationSerializer(suggestions().get(pk=pk)).data)


class RecommendationApproveView(APIView):
    """Approve suggestions with one electronic signature (the password again). All or
    nothing: one refused suggestion refuses the request. Each approved suggestion becomes a
    purchase-order line; one above the approver's limit waits for a second approver."""

    required_capability = Capability.PLAN

    @extend_schema(
        operation_id="reorder_recommendations_approve",
        request=RecommendationApproveSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Used when the body has no idempotency_key.",
            )
        ],
        responses={
            200: ApprovalOutcomeSerializer,
            400: OpenApiResponse(
                description="Refused (limit, status, wrong password: code signature_refused)."
            ),
            409: OpenApiResponse(description="A suggestion changed since its expected version."),
        },
    )
    def post(self, request: Request) -> Response:
        payload: Any = request.data
        header_key = request.headers.get("Idempotency-Key", "")
        if header_key and not (hasattr(payload, "get") and payload.get("idempotency_key")):
            payload = payload.copy()
            payload["idempotency_key"] = header_key
        data = RecommendationApproveSerializer(data=payload)
        data.is_valid(raise_exception=True)
        try:
            outcome = suggestions_approve(
                actor=request.user,
                suggestion_ids=data.validated_data["ids"],
                password=data.validated_data["password"],
                username=signing_user_id(request, data.validated_data.get("username")),
                idempotency_key=data.validated_data.get("idempotency_key", ""),
                expected_versions=data.validated_data.get("versions") or {},
                reason=data.validated_data.get("reason", ""),
                remote_addr=request.META.get("REMOTE_ADDR"),
            )
        except SignatureRefused as refused:
            # Name the password as the field to fix, as the signature dialog does.
            raise SignatureRefused(
                refused.message, fields={"password": [refused.message]}
            ) from refused
        signing_identified(request)
        return Response(ApprovalOutcomeSerializer(outcome.as_dict()).data)


# ---- plan runs --------------------------------------------------------------------------------


class PlanRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Plan runs, newest first: status, chunks done of total, the summary, the error of a
    failed run. Starting one needs the plan capability; the run computes in the background."""

    required_capability = Capability.VIEW_OPERATIONS
    action_capabilities = {"create": Capability.PLAN}
    serializer_class = PlanRunSerializer
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "as_of"]

    def get_queryset(self) -> QuerySet[PlanRun]:
        return plan_runs_with_progress().order_by("-created_at", "-pk")

    @extend_schema(
        operation_id="reorder_plan_run_start",
        request=PlanRunStartSerializer,
        responses={
            202: PlanRunSerializer,
            400: OpenApiResponse(description="Refused: a run is under way, no policies, etc."),
        },
    )
    def create(self, request: Request) -> Response:
        data = PlanRunStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = plan_run_start(actor=request.user, **data.validated_data)
        return Response(
            PlanRunSerializer(plan_runs_with_progress().get(pk=run.pk)).data,
            status=status.HTTP_202_ACCEPTED,
        )
