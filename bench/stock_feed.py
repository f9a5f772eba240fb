"""One day of a network's daily stock feed through POST /api/v1/stock-movements: by default
10,000 SKUs, each stocked at 3 of 10 sites, and 100,000 movements in batches of 1,000 (the
target: under 60 s on PostgreSQL, position refresh included, since every batch refreshes the
positions it touched before it answers).

The day's mix: 70 % dispenses and issues, 10 % receipts of new lots, 10 % transfers (out and
in, in the same batch), 5 % adjustments and 5 % write-offs, spread over every SKU-site.
Requests go through Django's test client in this process with a warehouse user's token (full
middleware, authentication, checks, locks, ledger, audit trail, demand and positions; no
network). Prints the wall time of the whole day, the median and 95th percentile per batch,
and checks afterwards that each lot of the bench still equals its ledger.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pharmastock_bench \\
        .venv/bin/python bench/stock_feed.py

A smaller run on a throw-away SQLite database (created and migrated when missing):

    .venv/bin/python bench/stock_feed.py --skus 1000 --movements 10000 \\
        --sqlite /tmp/pharmastock_feed_bench.sqlite3

The PostgreSQL database needs the migrations applied (manage.py migrate). The bench adds its
own SKUs, sites, lots and user, tagged per run, so runs do not collide with each other or the
demo data.
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _configure() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--sites-per-sku", type=int, default=3)
    parser.add_argument("--movements", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--target", type=float, default=60.0, help="seconds for the whole day")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument(
        "--sqlite", help="run on this SQLite file instead of DATABASE_URL (migrated if new)"
    )
    args = parser.parse_args()
    if args.sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.sqlite).resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    return args


ARGS = _configure()

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from inventory.models import Lot, LotStatus, MovementKind, Site, Sku, StockMovement  # noqa: E402

URL = "/api/v1/stock-movements"
OPENING_QUANTITY = 100_000  # per lot: the day never empties one


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def build_network(tag: str, today: date) -> tuple[list[Site], dict[str, list[Site]]]:
    """The bench's own SKUs, sites and one released lot per stocked SKU-site, with the receipt
    that put the stock there (bulk inserts: set-up, not timed, not the subject)."""
    rng = random.Random(ARGS.seed)  # noqa: S311 - a reproducible mix, not a secret
    sites = Site.objects.bulk_create(
        Site(code=f"FB{tag}-S{i:02d}", name=f"Feed bench site {i}", echelon="hospital")
        for i in range(ARGS.sites)
    )
    skus = Sku.objects.bulk_create(
        (
            Sku(
                code=f"FB{tag}-{i:05d}",
                name=f"Feed bench product {i}",
                category="small_molecule",
                temperature_zone="room",
                shelf_life_days=730,
                min_remaining_shelf_life_days=90,
                unit_cost=10,
            )
            for i in range(ARGS.skus)
        ),
        batch_size=2000,
    )
    stocked = {sku.code: rng.sample(sites, ARGS.sites_per_sku) for sku in skus}
    expiry = today + timedelta(days=400)
    lots = Lot.objects.bulk_create(
        (
            Lot(
                sku=sku,
                site=site,
                lot_number="OPEN",
                expiry_date=expiry,
                quantity=OPENING_QUANTITY,
                status=LotStatus.RELEASED,
                received_on=today - timedelta(days=30),
            )
            for sku in skus
            for site in stocked[sku.code]
        ),
        batch_size=2000,
    )
    StockMovement.objects.bulk_create(
        (
            StockMovement(
                kind=MovementKind.RECEIPT,
                quantity=OPENING_QUANTITY,
                lot=lot,
                sku_id=lot.sku_id,
                site_id=lot.site_id,
                reference="feed bench opening",
            )
            for lot in lots
        ),
        batch_size=2000,
    )
    return sites, stocked


def day_of_feed(
    tag: str, sites: list[Site], stocked: dict[str, list[Site]], day: date
) -> list[dict]:
    rng = random.Random(ARGS.seed + 1)  # noqa: S311 - a reproducible mix, not a secret
    codes = list(stocked)
    rows: list[dict] = []
    on = day.isoformat()
    while len(rows) < ARGS.movements:
        n = len(rows)
        sku = rng.choice(codes)
        site = rng.choice(stocked[sku])
        base = {"sku": sku, "site": site.code, "lot": "OPEN", "occurred_on": on}
        draw = rng.random()
        if draw < 0.70:
            kind = "dispense" if draw < 0.40 else "issue"
            rows.append(
                {
                    **base,
                    "idempotency_key": f"{tag}-{n}",
                    "kind": kind,
                    "quantity": rng.randint(1, 20),
                }
            )
        elif draw < 0.80:
            rows.append(
                {
                    **base,
                    "idempotency_key": f"{tag}-{n}",
                    "kind": "receipt",
                    "lot": f"R{n}",
                    "expiry_date": (day + timedelta(days=500)).isoformat(),
                    "status": "released",
                    "quantity": rng.randint(50, 500),
                    "reference": f"GR-{n}",
                }
            )
        elif draw < 0.90 and (n + 1) % ARGS.batch != 0:  # both halves in one batch
            to = rng.choice([s for s in sites if s.pk != site.pk])
            quantity = rng.randint(1, 50)
            rows.append(
                {
                    **base,
                    "idempotency_key": f"{tag}-{n}",
                    "kind": "transfer_out",
                    "quantity": quantity,
                    "counterpart_site": to.code,
                }
            )
            rows.append(
                {
                    **base,
                    "idempotency_key": f"{tag}-{n + 1}",
                    "kind": "transfer_in",
                    "site": to.code,
                    "quantity": quantity,
                    "counterpart_site": site.code,
                }
            )
        elif draw < 0.95:
            rows.append(
                {
                    **base,
                    "idempotency_key": f"{tag}-{n}",
                    "kind": "adjustment",
                    "quantity": rng.choice([-3, -2, -1, 1, 2, 3]),
                    "reason": "cycle count",
                }
            )
        else:
            rows.append(
                {
                    **base,
                    "idempotency_key": f"{tag}-{n}",
                    "kind": "write_off",
                    "quantity": rng.randint(1, 5),
                    "reason": "damaged in handling",
                }
            )
    return rows[: ARGS.movements]


def main() -> None:
    if ARGS.sqlite:
        call_command("migrate", verbosity=0)
    tag = uuid.uuid4().hex[:6].upper()
    today = timezone.localdate()
    started = time.perf_counter()
    sites, stocked = build_network(tag, today)
    lots = Lot.objects.filter(sku__code__startswith=f"FB{tag}-").count()
    print(
        f"network: {ARGS.skus:,} SKUs, {ARGS.sites} sites, {lots:,} lots "
        f"({time.perf_counter() - started:.1f} s to build) on {connection.vendor}"
    )
    user = User.objects.create(username=f"feed-bench-{tag.lower()}", full_name="Feed bench")
    user.groups.add(Group.objects.get_or_create(name=Role.WAREHOUSE.value)[0])
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    rows = day_of_feed(tag, sites, stocked, today - timedelta(days=1))

    timings: list[float] = []
    day_started = time.perf_counter()
    for start in range(0, len(rows), ARGS.batch):
        batch = rows[start : start + ARGS.batch]
        began = time.perf_counter()
        response = client.post(URL, {"movements": batch}, content_type="application/json")
        timings.append(time.perf_counter() - began)
        if response.status_code != 201:
            sys.exit(f"batch at row {start}: {response.status_code} {response.content[:500]!r}")
    elapsed = time.perf_counter() - day_started

    bench_lots = Lot.objects.filter(sku__code__startswith=f"FB{tag}-")
    on_hand = bench_lots.aggregate(total=Sum("quantity"))["total"]
    ledger = StockMovement.objects.filter(lot__in=bench_lots).aggregate(total=Sum("quantity"))
    written = StockMovement.objects.filter(lot__in=bench_lots).exclude(
        reference="feed bench opening"
    )
    print(
        f"feed: {len(rows):,} movements in {len(timings)} batches of {ARGS.batch:,}: "
        f"{elapsed:.1f} s ({len(rows) / elapsed:,.0f} movements/s); per batch median "
        f"{statistics.median(timings):.2f} s, p95 {percentile(timings, 0.95):.2f} s"
    )
    print(
        f"ledger: {written.count():,} movements written; lots equal their ledger: "
        f"{on_hand == ledger['total']}"
    )
    verdict = "within" if elapsed <= ARGS.target else "over"
    print(f"target: {ARGS.target:.0f} s for the day -> {verdict} ({elapsed:.1f} s)")


if __name__ == "__main__":
    main()
