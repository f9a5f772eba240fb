from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "suppliers"
    verbose_name = "Suppliers and purchase orders"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from accounts.audit import audited_fields
        from suppliers.models import (
            LineProposal,
            PurchaseOrder,
            PurchaseOrderLine,
            PurchaseOrderMessage,
            Receipt,
            ScorecardWeights,
            ShippingNotice,
            ShippingNoticeLine,
            Supplier,
            SupplierItem,
            SupplierUser,
        )

        for model in (
            Supplier,
            SupplierItem,
            PurchaseOrder,
            PurchaseOrderLine,
            Receipt,
            SupplierUser,
            LineProposal,
            ShippingNotice,
            ShippingNoticeLine,
            PurchaseOrderMessage,
            ScorecardWeights,
        ):
            auditlog.register(model, include_fields=audited_fields(model))

        from suppliers.services.imports import register

        register()

        from inventory.services.feed import register_order_receipts
        from suppliers.services.purchase_orders import FeedOrderReceipts

        register_order_receipts(FeedOrderReceipts())
