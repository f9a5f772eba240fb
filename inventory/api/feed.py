"""The daily stock feed: `POST /api/v1/stock-movements` (ERP, WMS and pharmacy systems).

Who may post: warehouse users and administrators (the account an integration signs in with,
by token). The rules are inventory.services.feed's."""

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Capability
from inventory.services.feed import MAX_BATCH, FeedKind, stock_movements_post


class MovementInSerializer(serializers.Serializer):
    """One row of a batch (documentation: rows are checked by inventory.services.feed)."""

    idempotency_key = serializers.CharField(
        max_length=100, help_text="Unique per movement; the same row sent again is a no-op."
    )
    kind = serializers.ChoiceField(choices=[kind.value for kind in FeedKind])
    sku = serializers.CharField(help_text="The SKU's code.")
    site = serializers.CharField(help_text="The site's code.")
    lot = serializers.CharField(
        max_length=60,
        required=False,
        help_text="The lot number. Required for a receipt, a transfer in and an adjustment; an "
        "issue, dispense, transfer out or write-off without one takes the quantity "
        "first-expired-first-out from the site's released, unexpired lots (one movement per "
        "lot drawn on; the row's `movement` is the first).",
    )
    quantity = serializers.IntegerField(
        help_text="Units, above zero; an adjustment is signed (not zero)."
    )
    occurred_on = serializers.DateField(help_text="The day it happened; not in the future.")
    expiry_date = serializers.DateField(
        required=False,
        help_text="Receipt: required. Transfer in of a lot new at the site: required unless "
        "counterpart_site holds the lot.",
    )
    status = serializers.ChoiceField(
        choices=["quarantine", "released"],
        required=False,
        help_text="Receipt only; quarantine by default.",
    )
    reason = serializers.CharField(
        required=False, help_text="Required for an adjustment and a write-off."
    )
    reference = serializers.CharField(
        max_length=100, required=False, help_text="The sending system's document number."
    )
    counterpart_site = serializers.CharField(
        required=False, help_text="Transfers: the other site's code."
    )
    purchase_order = serializers.CharField(
        max_length=40,
        required=False,
        help_text="Receipt only: the number of the purchase order delivered. Its line for the "
        "SKU is received too (received quantity, receipt, order status, on order); the order "
        "must be open for receipts, for this site, with the SKU and enough units open.",
    )


class MovementsBatchSerializer(serializers.Serializer):
    movements = MovementInSerializer(many=True, help_text=f"At most {MAX_BATCH:,} rows.")


BATCH_RESULT = inline_serializer(
    "StockMovementsResult",
    {
        "created": serializers.IntegerField(),
        "replayed": serializers.IntegerField(),
        "movements": inline_serializer(
            "StockMovementsResultRow",
            {
                "row": serializers.IntegerField(),
                "idempotency_key": serializers.CharField(),
                "movement": serializers.IntegerField(help_text="The ledger movement's id."),
                "replayed": serializers.BooleanField(),
            },
            many=True,
        ),
    },
)

EXAMPLE = OpenApiExample(
    "A dispense and a receipt",
    value={
        "movements": [
            {
                "idempotency_key": "pharmacy-7-2026-03-02-0001",
                "kind": "dispense",
                "sku": "SKU-000123",
                "site": "HOSP-01",
                "lot": "L24-0912",
                "quantity": 4,
                "occurred_on": "2026-03-02",
            },
            {
                "idempotency_key": "wms-gr-88123-1",
                "kind": "receipt",
                "sku": "SKU-000123",
                "site": "DC-NORTH",
                "lot": "L25-0101",
                "expiry_date": "2027-12-31",
                "quantity": 500,
                "occurred_on": "2026-03-02",
                "reference": "GR-88123",
            },
        ]
    },
    request_only=True,
)


class StockMovementsView(APIView):
    """POST a batch of movements: every row is checked and the batch refused whole (400, an
    error per row: `{"row", "field", "message"}` under `error.fields.movements`) if one is
    wrong; nothing is written then. A row whose `idempotency_key` is already stored with the
    same content is a replay (no change, answered as the first time); with other content the
    batch is refused with 409. Otherwise every row becomes a ledger movement in one
    transaction; issues and dispenses are added to the day's demand, and the positions of the
    SKU-sites touched are refreshed before the answer. 201 when something was written, 200
    when every row was a replay."""

    required_capability = Capability.MOVE_STOCK

    @extend_schema(
        request=MovementsBatchSerializer,
        responses={201: BATCH_RESULT, 200: BATCH_RESULT},
        examples=[EXAMPLE],
    )
    def post(self, request: Request) -> Response:
        body = request.data if isinstance(request.data, dict) else {}
        result = stock_movements_post(actor=request.user, movements=body.get("movements"))
        return Response(result.as_dict(), status=201 if result.created else 200)
