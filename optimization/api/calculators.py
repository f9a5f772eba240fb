"""Optimization API under /api/v1/optimization/: calculations that write nothing."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Capability
from optimization.selectors.calculators import eoq_calculation, safety_stock_calculation


class PriceBreakSerializer(serializers.Serializer):
    min_quantity = serializers.FloatField(min_value=0)
    unit_price = serializers.FloatField(min_value=0.000001)


class EoqRequestSerializer(serializers.Serializer):
    annual_demand = serializers.FloatField(min_value=0, help_text="Units per year.")
    order_cost = serializers.FloatField(min_value=0, help_text="Money per order.")
    unit_price = serializers.FloatField(min_value=0.000001, help_text="Base price per unit.")
    holding_rate = serializers.FloatField(
        min_value=0.000001, max_value=5, default=0.25, help_text="Per year."
    )
    moq = serializers.FloatField(min_value=0, default=1, help_text="Minimum order quantity.")
    order_multiple = serializers.FloatField(min_value=0.000001, default=1)
    price_breaks = PriceBreakSerializer(many=True, required=False, default=list)
    remaining_shelf_life_days = serializers.FloatField(
        min_value=0, required=False, allow_null=True, help_text="Shelf life left at arrival."
    )
    min_usable_life_days = serializers.FloatField(min_value=0, default=0)


class SafetyStockRequestSerializer(serializers.Serializer):
    demand_mean = serializers.FloatField(min_value=0, help_text="Units per day.")
    demand_error_std = serializers.FloatField(
        min_value=0, help_text="Standard deviation of the daily forecast error."
    )
    lead_time_mean = serializers.FloatField(min_value=0, help_text="Days.")
    lead_time_std = serializers.FloatField(
        min_value=0, required=False, allow_null=True, help_text="Days; imputed when absent."
    )
    service_kind = serializers.ChoiceField(
        choices=["fill_rate", "cycle_service"], default="fill_rate"
    )
    service_level = serializers.FloatField(help_text="Strictly between 0 and 1.")
    order_quantity = serializers.FloatField(min_value=0.000001, help_text="Units per order.")
    review_period = serializers.FloatField(min_value=0.000001, default=7, help_text="Days.")

    def validate_service_level(self, value: float) -> float:
        if not 0 < value < 1:
            raise serializers.ValidationError("Must be strictly between 0 and 1.")
        return value


class CalculateEoqView(APIView):
    """The order quantity for one SKU-site: EOQ, then MOQ, order multiple, all-units price
    breaks and the shelf-life cap, with the annual cost parts. Writes nothing."""

    required_capability = Capability.VIEW_OPERATIONS

    @extend_schema(request=EoqRequestSerializer, responses={200: dict})
    def post(self, request: Request) -> Response:
        data = EoqRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(eoq_calculation(**data.validated_data))


class SafetyStockView(APIView):
    """Safety stock, reorder point and expected fill rate of a daily-reviewed (s, Q) policy,
    and the periodic-review order-up-to level, for one service target. Writes nothing."""

    required_capability = Capability.VIEW_OPERATIONS

    @extend_schema(request=SafetyStockRequestSerializer, responses={200: dict})
    def post(self, request: Request) -> Response:
        data = SafetyStockRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(safety_stock_calculation(**data.validated_data))
