from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory: SKUs, sites, lots and stock movements"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from accounts.audit import audited_fields
        from inventory.models import (
            CycleCount,
            CycleCountLine,
            Excursion,
            ExcursionLot,
            Lot,
            Site,
            Sku,
            StockMovement,
            StorageUnit,
            TransferOrder,
            TransferOrderPick,
        )

        # Master data and lots: every change. Movements are themselves a ledger; their creation
        # is logged with who and why. DailyDemand and StockPosition are derived tables, rebuilt
        # from movements and imports (whose raw files and row results are kept), so not logged.
        # Cold chain: storage units, excursions and the quality decisions on their lots are
        # logged; temperature readings are append-only raw data (unique per sensor and time).
        # Cycle counts and their lines: every change (books frozen, counts entered, approval).
        # Transfer orders and their picks: every step, with who took it.
        for model in (
            Sku,
            Site,
            Lot,
            StockMovement,
            StorageUnit,
            Excursion,
            ExcursionLot,
            CycleCount,
            CycleCountLine,
            TransferOrder,
            TransferOrderPick,
        ):
            auditlog.register(model, include_fields=audited_fields(model))

        from inventory.services.stock_imports import register

        register()
