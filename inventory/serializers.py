from rest_framework import serializers

from .models import Lot, Site, Sku, StockPosition


class SkuSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sku
        fields = [
            "id",
            "code",
            "name",
            "category",
            "temperature_zone",
            "shelf_life_days",
            "min_remaining_shelf_life_days",
            "unit_cost",
            "criticality",
            "controlled_substance",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = [
            "id",
            "code",
            "name",
            "echelon",
            "region",
            "latitude",
            "longitude",
            "replenished_from",
            "transit_days",
            "active",
        ]
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
