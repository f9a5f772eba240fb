from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "suppliers"
    verbose_name = "Suppliers and purchase orders"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from accounts.audit import audited_fields

        from .models import PurchaseOrder, PurchaseOrderLine, Receipt, Supplier, SupplierItem

        for model in (Supplier, SupplierItem, PurchaseOrder, PurchaseOrderLine, Receipt):
            auditlog.register(model, include_fields=audited_fields(model))

        from .imports import register

        register()
