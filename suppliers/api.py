"""Suppliers API under /api/v1/: suppliers, their terms per SKU, purchase orders."""

from django.db.models import Prefetch
from rest_framework import viewsets

from accounts.roles import Capability
from inventory.api import MasterDataViewSet

from .models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierItem
from .serializers import PurchaseOrderSerializer, SupplierItemSerializer, SupplierSerializer


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


class PurchaseOrderViewSet(viewsets.ReadOnlyModelViewSet):
    """Purchase orders with their lines (created by approvals of suggested orders)."""

    required_capability = Capability.VIEW_OPERATIONS
    serializer_class = PurchaseOrderSerializer
    filterset_fields = ["supplier", "destination", "status"]
    search_fields = ["number", "supplier__code"]
    ordering_fields = ["created_at", "expected_on", "number"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        lines = PurchaseOrderLine.objects.select_related("sku").order_by("pk")
        return (
            PurchaseOrder.objects.select_related("supplier", "destination")
            .prefetch_related(Prefetch("lines", queryset=lines))
            .order_by("-created_at", "-pk")
        )
