"""Inventory API: SKUs, sites, lots and stock levels under /api/v1/inventory/."""

from typing import Any

import django_filters
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import Capability
from inventory.api.serializers import (
    LotSerializer,
    SiteSerializer,
    SkuSerializer,
    StockLevelSerializer,
)
from inventory.models import Lot, Site, Sku, StockPosition
from inventory.selectors import stock as selectors
from inventory.services.stock import master_data_save

WRITE_ACTIONS = ("create", "update", "partial_update")


class MasterDataViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Read for the operations roles, write for admins. Writes are validated by the serializer,
    then saved by inventory.services.master_data_save (model validation, database rules,
    audit trail with the optional `reason` field of the request). Records are never deleted
    through the API: deactivate them instead."""

    required_capability = Capability.VIEW_OPERATIONS
    action_capabilities = dict.fromkeys(WRITE_ACTIONS, Capability.MANAGE_MASTER_DATA)
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def _save(self, serializer: serializers.ModelSerializer, record: Any) -> Any:
        reason = str(self.request.data.get("reason", ""))
        return master_data_save(
            actor=self.request.user, record=record, changes=serializer.validated_data, reason=reason
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = self._save(serializer, serializer.Meta.model())
        return Response(self.get_serializer(record).data, status=201)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        record = self.get_object()
        serializer = self.get_serializer(record, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return Response(self.get_serializer(self._save(serializer, record)).data)


class SkuViewSet(MasterDataViewSet):
    """SKUs. `GET /api/v1/inventory/sku/{id}/` is one SKU."""

    queryset = Sku.objects.order_by("code")
    serializer_class = SkuSerializer
    filterset_fields = [
        "category",
        "temperature_zone",
        "criticality",
        "controlled_substance",
        "active",
    ]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "unit_cost", "shelf_life_days"]


class SiteViewSet(MasterDataViewSet):
    queryset = Site.objects.order_by("code")
    serializer_class = SiteSerializer
    filterset_fields = ["echelon", "region", "active", "replenished_from"]
    search_fields = ["code", "name", "region"]
    ordering_fields = ["code", "name", "echelon"]


class LotFilter(django_filters.FilterSet):
    expires_before = django_filters.DateFilter(field_name="expiry_date", lookup_expr="lte")
    sku_code = django_filters.CharFilter(field_name="sku__code")
    site_code = django_filters.CharFilter(field_name="site__code")

    class Meta:
        model = Lot
        fields = ["sku", "site", "status", "sku_code", "site_code", "expires_before"]


class LotViewSet(viewsets.ReadOnlyModelViewSet):
    """Lots with stock, soonest expiry first (`include_empty=true` for all)."""

    required_capability = Capability.VIEW_OPERATIONS
    serializer_class = LotSerializer
    filterset_class = LotFilter
    search_fields = ["lot_number", "sku__code"]
    ordering_fields = ["expiry_date", "quantity", "lot_number"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        lots = Lot.objects.select_related("sku", "site").order_by("expiry_date", "pk")
        if self.request.query_params.get("include_empty") != "true":
            lots = lots.filter(quantity__gt=0)
        return lots


class StockLevelFilter(django_filters.FilterSet):
    sku_code = django_filters.CharFilter(field_name="sku__code")
    site_code = django_filters.CharFilter(field_name="site__code")
    category = django_filters.CharFilter(field_name="sku__category")
    zone = django_filters.CharFilter(field_name="sku__temperature_zone")

    class Meta:
        model = StockPosition
        fields = [
            "sku",
            "site",
            "status",
            "abc_class",
            "xyz_class",
            "sku_code",
            "site_code",
            "category",
            "zone",
        ]


class StockLevelViewSet(viewsets.ReadOnlyModelViewSet):
    """Stock position per SKU and site (derived; refreshed by jobs and after each movement)."""

    required_capability = Capability.VIEW_OPERATIONS
    serializer_class = StockLevelSerializer
    filterset_class = StockLevelFilter
    ordering_fields = ["on_hand", "days_of_cover", "stock_value", "inventory_position"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.stock_positions(selectors.PositionFilters())
