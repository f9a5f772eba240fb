from rest_framework import serializers

from inventory.models import Lot, Site, Sku, StockPosition


class SkuSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sku
        fields = ["id", *Sku.MASTER_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", *Site.MASTER_FIELDS]
        read_only_fields = ["id"]


class LotSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="sku.code", read_only=True)
    site_code = serializers.CharField(source="site.code", read_only=True)

    class Meta:
        model = Lot
        fields = [
            "id",
            "sku",
            "sku_code",
            "site",
            "site_code",
            "lot_number",
            "expiry_date",
            "quantity",
            "status",
            "received_on",
        ]
        read_only_fields = fields


class StockLevelSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="sku.code", read_only=True)
    site_code = serializers.CharField(source="site.code", read_only=True)

    class Meta:
        model = StockPosition
        fields = [
            "sku",
            "sku_code",
            "site",
            "site_code",
            "on_hand",
            "quarantine",
            "on_order",
            "in_transit",
            "allocated",
            "backorders",
            "inventory_position",
            "expiring_quantity",
            "next_expiry",
            "avg_daily_demand",
            "days_of_cover",
            "safety_stock",
            "stock_value",
            "status",
            "abc_class",
            "xyz_class",
            "refreshed_at",
        ]
        read_only_fields = fields
