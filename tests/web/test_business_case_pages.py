"""The business case's page (/business-case/): the latest finished case's table, set-up,
checksums and weekly chart data, or an empty state naming the command."""

import json
import re
from datetime import date

import pytest

from accounts.roles import Role
from demo.business_table import business_table
from demo.models import BusinessCase
from demo.services import (
    business_case_arm_record,
    business_case_create,
    business_case_finish,
    business_case_start,
)
from reporting.figures import MeasureTotals

pytestmark = pytest.mark.django_db
URL = "/business-case/"


@pytest.fixture(autouse=True)
def demo_deployment(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_DATA_ALLOWED = True
    settings.DEBUG = True  # a business case is recorded on demo deployments only


def measures(*, asked: int, served: int, inventory_days: float, expired: float) -> dict:
    """An arm's stored measures (BusinessMeasures.as_dict shape) over 14 days, class A only."""
    week = MeasureTotals(
        days=7,
        holding_rate=0.25,
        units_asked=asked,
        units_served=served,
        value_asked=asked * 10.0,
        value_served=served * 10.0,
        sku_site_days=70,
        stockout_days=asked - served,
        inventory_value_days=inventory_days,
        cogs_issued=served * 10.0,
        expired_value=expired,
    )
    total = week + week
    total = MeasureTotals(**{**total.__dict__, "days": 14})
    return {
        "start": "2026-03-02",
        "end": "2026-03-15",
        "total": total.as_dict(),
        "by_abc": {"A": total.as_dict()},
        "weekly": [
            {"start": "2026-03-02", "end": "2026-03-08", **week.as_dict()},
            {"start": "2026-03-09", "end": "2026-03-15", **week.as_dict()},
        ],
    }


def finished_case(*, optimized_served: int) -> BusinessCase:
    case = business_case_create(
        actor=None,
        seed=7,
        skus=20,
        sites=5,
        suppliers=2,
        history_days=120,
        today=date(2026, 3, 2),
        days=14,
        parameters={},
    )
    business_case_start(case_id=case.pk)
    for arm, served, inventory in (
        ("textbook", 960, 700_000.0),
        ("optimized", optimized_served, 560_000.0),
    ):
        business_case_arm_record(
            case_id=case.pk,
            arm=arm,
            result={
                "start_checksum": "c" * 64,
                "end_checksum": arm[0] * 64,
                "timings": {"simulate_s": 1.0},
                "measures": measures(
                    asked=1000, served=served, inventory_days=inventory, expired=50.0
                ),
            },
        )
    return business_case_finish(case_id=case.pk)


def test_without_a_case_the_page_says_how_to_compute_one(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    page = client.get(URL).content.decode()

    assert 'data-testid="empty-state"' in page
    assert "manage.py business_case" in page
    assert "business-case-data" not in page


def test_the_page_shows_the_table_the_setup_and_the_checksums(client, make_user) -> None:  # type: ignore[no-untyped-def]
    case = finished_case(optimized_served=962)
    client.force_login(make_user(Role.PLANNER))

    page = client.get(URL).content.decode()

    table = business_table(case.textbook["measures"], case.optimized["measures"])
    total = re.search(r'data-testid="case-table-total">(.*?)</table>', page, re.S)
    assert total is not None
    for row in table.total.rows:
        assert f'<td class="text-end">{row.textbook_text}</td>' in total.group(1)
        assert row.change_text in total.group(1)
    assert "-20.0 %" in total.group(1)  # average inventory value 100,000 -> 80,000
    assert case.start_checksum in page
    assert "seed 7, 20 SKUs \u00d7 5 sites" in page
    assert "about equal service" in page


def test_unequal_service_is_said_beside_the_stock_figures(client, make_user) -> None:  # type: ignore[no-untyped-def]
    finished_case(optimized_served=900)  # 96.0 % -> 90.0 %
    client.force_login(make_user(Role.ADMIN))

    page = client.get(URL).content.decode()

    assert "Not at equal service" in page
    assert "-6.0 points" in page
    assert "unequal service</span>" in page


def test_the_charts_get_both_runs_weekly_series(client, make_user) -> None:  # type: ignore[no-untyped-def]
    finished_case(optimized_served=962)
    client.force_login(make_user(Role.VIEWER))

    page = client.get(URL).content.decode()

    raw = re.search(r'id="business-case-data" type="application/json">(.*?)</script>', page, re.S)
    assert raw is not None
    data = json.loads(raw.group(1))
    assert data["weeks"] == ["2026-03-02", "2026-03-09"]
    assert data["textbook"]["fill_rate"] == [0.96, 0.96]
    assert data["optimized"]["average_inventory_value"] == [80_000.0, 80_000.0]
    assert "vendor/chartjs/chart.umd.min.js" in page


@pytest.mark.parametrize("role", [Role.QUALITY, Role.WAREHOUSE, Role.SUPPLIER])
def test_other_roles_may_not_open_it(client, make_user, role) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(role))

    assert client.get(URL).status_code == 403
