"""common.bulk's writes of rows held as tuples (`insert_values`, `update_values`): on SQLite
and on PostgreSQL (COPY), the rows stored are the ones given."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from common.bulk import insert_values, update_values
from inventory.models import DailyDemand, Lot, StockMovement, StockPosition
from tests.factories import LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lot(db):  # type: ignore[no-untyped-def]
    return LotFactory(
        sku=SkuFactory(), site=SiteFactory(), lot_number="L-1", expiry_date=date(2027, 6, 30)
    )


def test_insert_values_gives_back_the_ids_of_the_rows_in_order(lot) -> None:  # type: ignore[no-untyped-def]
    columns = (
        "kind",
        "quantity",
        "lot_id",
        "sku_id",
        "site_id",
        "occurred_at",
        "reference",
        "reason",
    )
    moment = datetime(2026, 1, 9, 7, 30, 15, 123456, tzinfo=UTC)
    rows = [
        ("issue", -quantity, lot.pk, lot.sku_id, lot.site_id, moment, f"R-{quantity}", "")
        for quantity in (1, 2, 3)
    ]

    ids = insert_values(StockMovement, columns, rows, with_ids=True)

    stored = {
        movement.pk: (movement.quantity, movement.reference, movement.occurred_at)
        for movement in StockMovement.objects.filter(pk__in=ids)
    }
    assert [stored[pk] for pk in ids] == [
        (-1, "R-1", moment),
        (-2, "R-2", moment),
        (-3, "R-3", moment),
    ]


def test_insert_values_without_ids_gives_back_none(lot) -> None:  # type: ignore[no-untyped-def]
    rows = [(lot.sku_id, lot.site_id, date(2026, 1, day), day) for day in (1, 2)]

    assert insert_values(DailyDemand, ("sku_id", "site_id", "date", "quantity"), rows) == []

    assert sorted(DailyDemand.objects.values_list("date", "quantity")) == [
        (date(2026, 1, 1), 1),
        (date(2026, 1, 2), 2),
    ]


def test_insert_values_breaking_a_constraint_writes_nothing(lot) -> None:  # type: ignore[no-untyped-def]
    rows = [(lot.sku_id, lot.site_id, date(2026, 1, 1), 1)] * 2

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_values(DailyDemand, ("sku_id", "site_id", "date", "quantity"), rows)

    assert not DailyDemand.objects.exists()


@pytest.mark.parametrize("count", [3, 60])  # per-row statements, then set-based (PostgreSQL)
def test_update_values_writes_each_rows_columns(count) -> None:  # type: ignore[no-untyped-def]
    sku = SkuFactory()
    sites = [SiteFactory() for _ in range(count)]
    positions = StockPosition.objects.bulk_create(
        [StockPosition(sku=sku, site=site) for site in sites]
    )
    positions = list(StockPosition.objects.filter(sku=sku).order_by("pk"))

    sent = update_values(
        StockPosition,
        ("on_hand", "avg_daily_demand", "next_expiry"),
        [(p.pk, n, Decimal("1.250"), date(2027, 1, 1)) for n, p in enumerate(positions)],
    )

    assert sent == count
    assert list(
        StockPosition.objects.filter(sku=sku)
        .order_by("pk")
        .values_list("on_hand", "avg_daily_demand", "next_expiry")
    ) == [(n, Decimal("1.250"), date(2027, 1, 1)) for n in range(count)]


def test_update_values_leaves_other_rows_alone(lot) -> None:  # type: ignore[no-untyped-def]
    other = LotFactory(sku=lot.sku, site=lot.site, lot_number="L-2", expiry_date=date(2027, 6, 30))

    update_values(Lot, ("quantity",), [(lot.pk, 7)])

    assert Lot.objects.get(pk=lot.pk).quantity == 7
    assert Lot.objects.get(pk=other.pk).quantity == 100


def test_update_values_keeps_text_nulls_and_times_as_given(lot) -> None:  # type: ignore[no-untyped-def]
    columns = ("sku_id", "site_id", "lot_number", "expiry_date", "quantity", "status", "created_at")
    moment = datetime(2026, 1, 9, 7, 30, 15, 123456, tzinfo=UTC)
    ids = insert_values(
        Lot,
        columns,
        [
            (lot.sku_id, lot.site_id, f"B-{n}", date(2027, 1, 1), n, "released", moment)
            for n in range(60)
        ],
        with_ids=True,
    )
    names = ['quote " here', "back\\slash", "NULL", "{braces,comma}", "plain"]

    update_values(
        Lot,
        ("lot_number", "received_on", "created_at"),
        [
            (pk, f"{names[n % 5]} {n}", None if n % 2 else date(2026, 1, 2), moment)
            for n, pk in enumerate(ids)
        ],
    )

    stored = {
        pk: (number, received, created)
        for pk, number, received, created in Lot.objects.filter(pk__in=ids).values_list(
            "pk", "lot_number", "received_on", "created_at"
        )
    }
    assert [stored[pk] for pk in ids] == [
        (f"{names[n % 5]} {n}", None if n % 2 else date(2026, 1, 2), moment) for n in range(60)
    ]
