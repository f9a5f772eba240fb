"""Temperature readings API: `POST /api/v1/temperature-readings` (sensors and gateways) and
`GET /api/v1/temperature-readings?unit=&since=`.

Who may post: administrators (the account a gateway signs in with, by token) and quality
users; reading is for the operations roles. The rules are inventory.services.cold_chain's."""

from datetime import datetime
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import HasCapability
from accounts.roles import Capability, user_can
from inventory.models import TemperatureReading
from inventory.selectors import cold_chain as selectors
from inventory.services.cold_chain import MAX_BATCH, ReadingsRefused, readings_ingest

INGEST_CAPABILITIES = (Capability.MANAGE_MASTER_DATA, Capability.QUALITY_DECISIONS)


class CanSendReadings(BasePermission):
    """POST needs an administrator (gateway account) or a quality user; other methods pass
    to HasCapability."""

    message = "Only administrators (gateway accounts) and quality users send readings."

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method != "POST":
            return True
        return any(user_can(request.user, capability) for capability in INGEST_CAPABILITIES)


class ReadingInSerializer(serializers.Serializer):
    """One row of a batch (documentation: rows are checked by inventory.cold_chain)."""

    unit = serializers.CharField(help_text="'<site code>/<unit code>', or the unit's id.")
    sensor = serializers.CharField(max_length=80, help_text="The sensor's id.")
    recorded_at = serializers.DateTimeField(help_text="ISO 8601 with its UTC offset.")
    celsius = serializers.FloatField()


class ReadingsBatchSerializer(serializers.Serializer):
    readings = ReadingInSerializer(many=True, help_text=f"At most {MAX_BATCH:,} rows.")


class ReadingOutSerializer(serializers.ModelSerializer):
    unit = serializers.SerializerMethodField()
    sensor = serializers.CharField(source="sensor_id")

    class Meta:
        model = TemperatureReading
        fields = ["id", "unit", "sensor", "recorded_at", "celsius", "received_at"]
        read_only_fields = fields

    def get_unit(self, reading: TemperatureReading) -> str:
        return f"{reading.unit.site.code}/{reading.unit.code}"


BATCH_RESULT = inline_serializer(
    "TemperatureBatchResult",
    {
        "created": serializers.IntegerField(),
        "duplicates": serializers.IntegerField(),
        "excursions_opened": serializers.IntegerField(),
        "excursions_closed": serializers.IntegerField(),
    },
)


class TemperatureReadingsView(generics.ListAPIView):
    """POST a batch of readings: every row is checked and the batch refused whole (400, with a
    message per bad row) if one is wrong. A reading already stored (same sensor and time) is
    skipped, so a batch may be sent again safely. The answer counts what was stored and the
    excursions the batch opened or closed; an opened excursion has quarantined the exposed
    lots and raised a critical alert before the answer is sent. 201 when something was
    stored, 200 when every row was already there.

    GET lists readings, oldest first: `unit` ("<site>/<unit>" or id) and `since` (ISO time)."""

    required_capability = Capability.VIEW_OPERATIONS
    permission_classes = [HasCapability, CanSendReadings]
    serializer_class = ReadingOutSerializer
    filter_backends: list = []

    def get_queryset(self) -> Any:
        params = self.request.query_params
        unit = None
        if params.get("unit"):
            unit = selectors.storage_unit_by_ref(params["unit"])
            if unit is None:
                raise ReadingsRefused(
                    f"No storage unit '{params['unit']}'.", fields={"unit": ["Unknown unit."]}
                )
        since = None
        if params.get("since"):
            try:
                since = datetime.fromisoformat(params["since"])
            except ValueError:
                raise ReadingsRefused(
                    "`since` is an ISO 8601 time.", fields={"since": ["Not an ISO time."]}
                ) from None
        return selectors.readings(unit=unit, since=since)

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", str, description="'<site code>/<unit code>' or id."),
            OpenApiParameter("since", str, description="ISO 8601 time: readings from then on."),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ReadingsBatchSerializer, responses={201: BATCH_RESULT, 200: BATCH_RESULT}
    )
    def post(self, request: Request) -> Response:
        body = request.data if isinstance(request.data, dict) else {}
        result = readings_ingest(actor=request.user, readings=body.get("readings"))
        return Response(result.as_dict(), status=201 if result.created else 200)
