from decimal import Decimal, InvalidOperation

from rest_framework import serializers

from suppliers.models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierItem


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

    def validate_price_breaks(self, breaks: object) -> list[dict]:
        """A list of {"min_quantity": int > 0, "unit_price": decimal >= 0}, quantities rising."""
        if not isinstance(breaks, list):
            raise serializers.ValidationError("A list of price breaks is expected.")
        cleaned, previous = [], 0
        for index, item in enumerate(breaks, start=1):
            try:
                quantity = int(item["min_quantity"])
                price = Decimal(str(item["unit_price"]))
            except (KeyError, TypeError, ValueError, InvalidOperation) as error:
                raise serializers.ValidationError(
                    f"Break {index} needs a whole min_quantity and a unit_price."
                ) from error
            if quantity <= previous or price < 0:
                raise serializers.ValidationError(
                    f"Break {index}: quantities must rise and prices must not be negative."
                )
            cleaned.append({"min_quantity": quantity, "unit_price": str(price)})
            previous = quantity
        return cleaned


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="sku.code", read_only=True)

    class Meta:
        model = PurchaseOrderLine
        fields = [
            "id",
            "sku",
            "sku_code",
            "quantity",
            "unit_price",
            "requested_date",
            "confirmed_date",
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
