"""Reading-to-alert latency: from the start of a POST /api/v1/temperature-readings whose batch
takes a storage unit past its allowed minutes outside the zone, to the answer, by which time
the excursion, the quarantine of the unit's lots and the critical alert are committed.

Each trial has a unit of its own with lots stored in it. Its first 30 minutes outside the zone
are posted beforehand (not timed); the timed batch holds the reading that crosses the limit
plus readings of background units inside their zone (a gateway's batch covers many units).
Requests go through Django's test client in this process with a token (full middleware,
authentication, validation, locks, the alert and its audit trail; no network). The median and
the 95th percentile are printed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pharmastock_coldchain \\
        .venv/bin/python bench/cold_chain_latency.py --trials 200 --batch 50

The database needs the migrations applied (manage.py migrate); the bench adds its own site,
SKU, units, lots and a gateway user (tagged per run, so runs do not collide).
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from alerts.models import Alert, AlertKind  # noqa: E402
from inventory.models import Excursion, Lot, Site, Sku, StorageUnit  # noqa: E402
from inventory.services.stock import stock_receive  # noqa: E402

URL = "/api/v1/temperature-readings"
SETUP_MINUTES = 30  # outside the zone, posted before the timed request (allowed: 30)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def reading(unit: str, sensor: str, at, celsius: float) -> dict:  # type: ignore[no-untyped-def]
    return {"unit": unit, "sensor": sensor, "recorded_at": at.isoformat(), "celsius": celsius}


def setup(tag: str, trials: int, background: int, lots_per_unit: int) -> tuple[Client, Site]:
    gateway, _ = User.objects.get_or_create(
        username="bench-gateway", defaults={"full_name": "Bench Gateway"}
    )
    gateway.groups.add(Group.objects.get_or_create(name=Role.ADMIN.value)[0])
    token, _ = Token.objects.get_or_create(user=gateway)
    site = Site.objects.create(code=f"BCC-{tag}", name=f"Cold-chain bench {tag}", echelon="dc")
    today = timezone.localdate()
    for index in range(trials):
        # A SKU per unit: a site holds a few lots of a SKU, not hundreds.
        sku = Sku.objects.create(
            code=f"BCC-{tag}-{index:04d}",
            name=f"Bench vaccine {index}",
            category="vaccine",
            temperature_zone="refrigerated",
            shelf_life_days=730,
            unit_cost=10,
        )
        unit = StorageUnit.objects.create(
            site=site, code=f"T{index:04d}", name=f"Fridge {index}", zone="refrigerated"
        )
        for number in range(lots_per_unit):
            lot = stock_receive(
                actor=None,
                sku=sku,
                site=site,
                lot_number=f"L{index:04d}-{number}",
                expiry_date=date(today.year + 2, 1, 1),
                quantity=100,
                status="released",
            )
            Lot.objects.filter(pk=lot.pk).update(storage_unit=unit)
    for index in range(background):
        StorageUnit.objects.create(
            site=site, code=f"BG{index:03d}", name=f"Background {index}", zone="refrigerated"
        )
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client, site


def post(client: Client, rows: list[dict]) -> dict:
    response = client.post(URL, {"readings": rows}, content_type="application/json")
    if response.status_code not in (200, 201):
        raise SystemExit(f"{URL} answered {response.status_code}: {response.content[:300]!r}")
    return response.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5, help="Trials run first, not counted.")
    parser.add_argument(
        "--batch", type=int, default=50, help="Rows in the timed batch (1 crossing + background)."
    )
    parser.add_argument("--lots", type=int, default=3, help="Lots stored in each trial's unit.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run it on PostgreSQL: set DATABASE_URL=postgres://...")

    tag = uuid.uuid4().hex[:6]
    total = args.warmup + args.trials
    background = max(args.batch - 1, 0)
    print(f"setting up {total} units with {args.lots} lots each (tag {tag})...", flush=True)
    client, site = setup(tag, total, background, args.lots)
    base = timezone.now().replace(microsecond=0) - timedelta(hours=3)

    samples, queries = [], 0
    for index in range(total):
        unit = f"{site.code}/T{index:04d}"
        sensor = f"{tag}-T{index:04d}"
        post(
            client,
            [
                reading(unit, sensor, base + timedelta(minutes=minute), 9.5)
                for minute in range(SETUP_MINUTES + 1)
            ],
        )
        rows = [reading(unit, sensor, base + timedelta(minutes=SETUP_MINUTES + 1), 10.5)]
        rows += [
            reading(
                f"{site.code}/BG{k:03d}",
                f"{tag}-BG{k:03d}",
                base + timedelta(seconds=index),
                5.0,
            )
            for k in range(background)
        ]
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = post(client, rows)
            elapsed_ms = (time.perf_counter() - started) * 1000
        excursion = Excursion.objects.get(unit__site=site, unit__code=f"T{index:04d}")
        if (
            result["excursions_opened"] != 1
            or not Alert.objects.filter(
                kind=AlertKind.TEMPERATURE_EXCURSION, key=f"excursion:{excursion.pk}"
            ).exists()
        ):
            raise SystemExit(f"trial {index}: no excursion alert after the answer ({result})")
        if index >= args.warmup:
            samples.append(elapsed_ms)
            queries = len(captured.captured_queries)

    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; {os.cpu_count()} CPUs; "
        f"{args.trials} trials (+{args.warmup} warm-up); timed batch of {len(rows)} rows "
        f"(1 crossing the limit, {background} background); {args.lots} lots quarantined per "
        f"excursion; {queries} queries per timed request"
    )
    print(
        f"reading-to-alert latency (request start -> answer, alert committed): "
        f"median {statistics.median(samples):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms, "
        f"max {max(samples):.1f} ms"
    )


if __name__ == "__main__":
    main()
