from rest_framework import serializers

from suppliers.models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierItem
from suppliers.price_breaks import PriceBreaks, PriceBreaksInvalid


class SupplierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = ["id", *Supplier.MASTER_FIELDS]
        read_only_fields = ["id"]


class SupplierItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplierItem
        fields = ["id", *SupplierItem.MASTER_FIELDS]
        read_only_fields = ["id"]

    def validate_price_breaks(self, breaks: object) -> list[dict[str, int | str]]:
        try:
            return PriceBreaks.parse(breaks).to_stored()
        except PriceBreaksInvalid as error:
            raise serializers.ValidationError(str(error)) from error


# What a purchase-order line is, as the planners' and the suppliers' APIs both show it.
LINE_TERMS = ["sku", "sku_code", "quantity", "unit_price", "requested_date", "confirmed_date"]


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="sku.code", read_only=True)

    class Meta:
        model = PurchaseOrderLine
        fields = [
            "id",
            *LINE_TERMS,
            "received_quantity",
            "reapproval_required",
            "amendment_reason",
        ]
        read_only_fields = fields


class PurchaseOrderSerializer(serializers.ModelSerializer):
    lines = PurchaseOrderLineSerializer(many=True, read_only=True)
    supplier_code = serializers.CharField(source="supplier.code", read_only=True)
    destination_code = serializers.CharField(source="destination.code", read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "supplier",
            "supplier_code",
            "destination",
            "destination_code",
            "status",
            "ordered_on",
            "expected_on",
            "created_at",
            "lines",
        ]
        read_only_fields = fields
