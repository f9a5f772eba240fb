"""Server time of the inventory pages over the 10,000-SKU benchmark data.

Requests go through Django's test client in this process (full middleware, templates and
queries; no network), repeated, and the median and 95th percentile are printed per page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pharmastock_bench \
        .venv/bin/python bench/page_timings.py --repeat 30

The database must hold the generated data (bench/generate_demo_data.py).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from inventory.models import DailyDemand, Sku, StockPosition  # noqa: E402


def timed(client: Client, url: str, repeat: int) -> tuple[float, float, int]:
    client.get(url)  # warm caches and connections once
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    planner, _ = User.objects.get_or_create(
        username="bench-planner", defaults={"full_name": "Bench Planner"}
    )
    from django.contrib.auth.models import Group

    planner.groups.add(Group.objects.get(name=Role.PLANNER.value))
    client = Client()
    client.force_login(planner)

    busiest = (
        StockPosition.objects.order_by("-avg_daily_demand").values_list("sku_id", flat=True).first()
    )
    site = StockPosition.objects.values_list("site__code", "site_id").first()
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
        f"{Sku.objects.count():,} SKUs, {StockPosition.objects.count():,} positions, "
        f"{DailyDemand.objects.count():,} demand rows; {args.repeat} requests per page"
    )
    pages = [
        ("inventory list, first page", "/inventory/"),
        ("inventory list, filtered (category + status)", "/inventory/?category=vaccine&status=ok"),
        ("inventory list, search", "/inventory/?q=vaccine"),
        ("inventory list, sorted by cover, page 20", "/inventory/?sort=cover&desc=on&page=20"),
        ("inventory list, one site", f"/inventory/?site={site[1]}"),
        ("inventory list, htmx fragment", "/inventory/?status=stockout"),
        ("SKU detail (busiest SKU)", f"/inventory/sku/{busiest}/"),
        ("lot list, expiring within 90 days", "/inventory/lots/?expires=90"),
        ("network", "/inventory/network/"),
    ]
    print(f"{'page':<48} {'median ms':>10} {'p95 ms':>8} {'KB':>6}")
    for label, url in pages:
        if "htmx" in label:
            client.defaults["HTTP_HX_REQUEST"] = "true"
        median, p95, size = timed(client, url, args.repeat)
        client.defaults.pop("HTTP_HX_REQUEST", None)
        print(f"{label:<48} {median:>10.1f} {p95:>8.1f} {size / 1024:>6.0f}")


if __name__ == "__main__":
    main()
