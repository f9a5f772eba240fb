"""Regulated records are not destroyed as a side effect: no model on the audit trail (those
registered with auditlog) is deleted by a database cascade when something it belongs to is
deleted; deleting a parent that still has regulated records is refused (PROTECT). The
cascades that remain go to derived or personal rows, each reviewed below; a new cascade
fails this test until it is reviewed."""

from datetime import date, timedelta

import pytest
from auditlog.registry import auditlog
from django.apps import apps
from django.db.models import CASCADE, Model, ProtectedError

from tests.factories import LotFactory, PurchaseOrderLineFactory, SiteFactory, SkuFactory

# (parent, child, field): why the child may go with its parent.
REVIEWED_CASCADES = {
    ("accounts.User", "admin.LogEntry", "user"): "Django admin's own log; the audit trail keeps "
    "the changes (users are deactivated, not deleted)",
    ("accounts.User", "authtoken.Token", "user"): "a credential, not a record",
    ("accounts.User", "authtoken.TokenProxy", "user"): "the same table as Token",
    ("accounts.User", "alerts.NotificationPreference", "user"): "a personal setting",
    ("inventory.Site", "inventory.StockPosition", "site"): "derived: rebuilt from movements",
    ("inventory.Sku", "inventory.StockPosition", "sku"): "derived: rebuilt from movements",
    # Derived tables, recomputed by jobs; a SKU, site or supplier with regulated records
    # cannot be deleted at all (its lots, movements and orders PROTECT it).
    ("inventory.Site", "inventory.DailyDemand", "site"): "derived: aggregated from movements",
    ("inventory.Sku", "inventory.DailyDemand", "sku"): "derived: aggregated from movements",
    ("inventory.Site", "forecasting.SeriesForecast", "site"): "a forecast run's output",
    ("inventory.Sku", "forecasting.SeriesForecast", "sku"): "a forecast run's output",
    ("inventory.Site", "optimization.InventoryPolicy", "site"): "recomputed by each refresh",
    ("inventory.Site", "optimization.InventoryPolicy", "source_site"): "recomputed by each refresh",
    ("inventory.Sku", "optimization.InventoryPolicy", "sku"): "recomputed by each refresh",
    ("inventory.Sku", "forecasting.LeadTimeEstimate", "sku"): "derived from the receipts",
    ("suppliers.Supplier", "forecasting.LeadTimeEstimate", "supplier"): "derived from the receipts",
    ("contenttypes.ContentType", "accounts.AuditLogEntry", "content_type"): "content types "
    "are never deleted (never run remove_stale_contenttypes: docs/backup-restore.md)",
}


def regulated() -> set[type[Model]]:
    return set(auditlog.get_models()) | {apps.get_model("accounts", "AuditLogEntry")}


def cascades_from(models: set[type[Model]]) -> set[tuple[str, str, str]]:
    """Every CASCADE from a regulated parent, and every CASCADE into a regulated child."""
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                continue
            if field.remote_field.on_delete is not CASCADE:
                continue
            parent = field.related_model
            if model in models or parent in models:
                found.add((parent._meta.label, model._meta.label, field.name))
    return found


def test_no_regulated_record_is_deleted_by_a_cascade() -> None:
    models = regulated()
    assert len(models) >= 20  # the trail covers the regulated models

    into_regulated = {
        (parent, child, field)
        for parent, child, field in cascades_from(models)
        if apps.get_model(child) in models
    }

    assert into_regulated - set(REVIEWED_CASCADES) == set()


def test_every_cascade_from_a_regulated_record_is_reviewed() -> None:
    assert cascades_from(regulated()) == set(REVIEWED_CASCADES)


@pytest.mark.django_db
def test_deleting_a_purchase_order_with_lines_is_refused() -> None:
    line = PurchaseOrderLineFactory()

    with pytest.raises(ProtectedError):
        line.purchase_order.delete()


@pytest.mark.django_db
def test_deleting_a_sku_with_lots_is_refused() -> None:
    today = date(2026, 3, 1)
    lot = LotFactory(
        sku=SkuFactory(),
        site=SiteFactory(),
        lot_number="L1",
        expiry_date=today + timedelta(days=400),
        quantity=10,
        today=today,
    )

    with pytest.raises(ProtectedError):
        lot.sku.delete()
