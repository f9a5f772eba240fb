from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from accounts.models import AuditLogEntry
from common.errors import ReasonRequired
from forecasting import selectors
from forecasting.models import ForecastOverride
from forecasting.services import (
    OverrideRefused,
    forecast_override_create,
    forecast_override_withdraw,
)
from inventory.models import DailyDemand
from tests.factories import SiteFactory, SkuFactory, published_series

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 12, 1)


@pytest.fixture
def series(planner):  # type: ignore[no-untyped-def]
    sku, site = SkuFactory(), SiteFactory()
    run = published_series(sku, site, [10.0] * 30, as_of=AS_OF)
    return sku, site, run


def override(series, planner, **changes):  # type: ignore[no-untyped-def]
    sku, site, _ = series
    fields = {
        "start_date": AS_OF + timedelta(days=2),
        "end_date": AS_OF + timedelta(days=4),
        "kind": "percent",
        "value": Decimal("20"),
        "reason": "Tender won at the county hospital",
        "today": AS_OF,
    } | changes
    return forecast_override_create(actor=planner, sku=sku, site=site, **fields)


def test_an_override_keeps_the_statistical_values_it_replaced(series, planner) -> None:  # type: ignore[no-untyped-def]
    saved = override(series, planner)

    assert saved.statistical == [10.0, 10.0, 10.0]
    assert saved.run == series[2]
    assert saved.created_by == planner


def test_an_override_is_on_the_audit_trail_with_its_reason(series, planner) -> None:  # type: ignore[no-untyped-def]
    saved = override(series, planner)

    entry = AuditLogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(ForecastOverride), object_pk=str(saved.pk)
    )
    assert (entry.actor, entry.reason) == (planner, "Tender won at the county hospital")


def test_an_override_without_a_reason_is_refused_and_nothing_is_saved(series, planner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReasonRequired):
        override(series, planner, reason="   ")

    assert not ForecastOverride.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start_date": AS_OF - timedelta(days=1)}, "start_date"),
        ({"end_date": AS_OF + timedelta(days=1)}, "end_date"),  # ends before it starts
        ({"end_date": AS_OF + timedelta(days=30)}, "end_date"),  # past the forecast's last day
        ({"value": Decimal("-101")}, "value"),
        ({"kind": "units", "value": Decimal("-1")}, "value"),
        ({"kind": "double"}, "kind"),
    ],
)
def test_an_impossible_override_is_refused_naming_the_field(
    series, planner, changes, field
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OverrideRefused) as refused:
        override(series, planner, **changes)

    assert field in refused.value.fields
    assert not ForecastOverride.objects.exists()


def test_an_override_overlapping_an_active_one_is_refused(series, planner) -> None:  # type: ignore[no-untyped-def]
    first = override(series, planner)

    with pytest.raises(OverrideRefused, match="already covers some of these days"):
        override(series, planner, start_date=first.end_date, end_date=first.end_date + timedelta(2))

    assert ForecastOverride.objects.count() == 1


def test_a_withdrawn_override_no_longer_blocks_its_days(series, planner) -> None:  # type: ignore[no-untyped-def]
    first = override(series, planner)
    forecast_override_withdraw(actor=planner, override=first, reason="Tender postponed")

    override(series, planner)

    assert ForecastOverride.objects.filter(withdrawn_at__isnull=True).count() == 1


def test_a_series_without_a_published_forecast_cannot_be_overridden(planner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OverrideRefused, match="no published forecast"):
        forecast_override_create(
            actor=planner,
            sku=SkuFactory(),
            site=SiteFactory(),
            start_date=AS_OF,
            end_date=AS_OF,
            kind="units",
            value=Decimal(5),
            reason="x",
            today=AS_OF,
        )


def test_withdrawing_needs_a_reason(series, planner) -> None:  # type: ignore[no-untyped-def]
    saved = override(series, planner)

    with pytest.raises(ReasonRequired):
        forecast_override_withdraw(actor=planner, override=saved, reason="")

    saved.refresh_from_db()
    assert saved.active


def test_plans_read_the_forecast_with_active_overrides_applied(series, planner) -> None:  # type: ignore[no-untyped-def]
    sku, site, run = series
    override(series, planner)  # +20 % on days 2..4
    withdrawn = override(
        series,
        planner,
        start_date=AS_OF + timedelta(days=10),
        end_date=AS_OF + timedelta(days=10),
        kind="units",
        value=Decimal(0),
    )
    forecast_override_withdraw(actor=planner, override=withdrawn, reason="Not needed")

    values = selectors.effective_forecasts(run)[sku.pk, site.pk]

    assert values[:6] == pytest.approx([10, 10, 12, 12, 12, 10])
    assert values[10] == 10


def test_an_override_applies_by_date_to_a_later_run(series, planner) -> None:  # type: ignore[no-untyped-def]
    sku, site, _ = series
    override(series, planner, kind="units", value=Decimal(3))  # 3 Dec .. 5 Dec
    later = published_series(sku, site, [8.0] * 30, as_of=AS_OF + timedelta(days=3))

    values = selectors.effective_forecasts(later, [(sku.pk, site.pk)])[sku.pk, site.pk]

    assert values[:4] == pytest.approx([3, 3, 8, 8])  # 4 and 5 Dec, then the statistical


def test_value_added_counts_only_the_days_that_have_passed(series, planner) -> None:  # type: ignore[no-untyped-def]
    sku, site, _ = series
    saved = override(series, planner)  # 3..5 Dec at 12/day instead of 10
    for day, quantity in ((3, 13), (4, 11)):
        DailyDemand.objects.create(sku=sku, site=site, date=date(2026, 12, day), quantity=quantity)

    [listed] = selectors.series_overrides(sku.pk, site.pk, today=date(2026, 12, 5))

    assert listed.pk == saved.pk
    # statistical errors 3 and 1 (MAE 2); override errors 1 and 1 (MAE 1)
    assert listed.value_added.days == 2
    assert listed.value_added.added == pytest.approx(1.0)


def test_value_added_summary_pools_every_override_day(series, planner) -> None:  # type: ignore[no-untyped-def]
    sku, site, _ = series
    override(series, planner)  # 3..5 Dec: 12/day instead of 10
    override(
        series,
        planner,
        start_date=date(2026, 12, 10),
        end_date=date(2026, 12, 10),
        kind="units",
        value=Decimal(20),
    )  # 20 instead of 10
    for day, quantity in ((3, 12), (4, 12), (5, 12), (10, 10)):
        DailyDemand.objects.create(sku=sku, site=site, date=date(2026, 12, day), quantity=quantity)

    summary = selectors.override_value_added_summary(today=date(2026, 12, 20))

    # statistical errors 2, 2, 2, 0 (MAE 1.5); override errors 0, 0, 0, 10 (MAE 2.5)
    assert (summary["overrides"], summary["helped"], summary["days"]) == (2, 1, 4)
    assert summary["statistical_mae"] == pytest.approx(1.5)
    assert summary["override_mae"] == pytest.approx(2.5)
    assert summary["added_percent"] == pytest.approx(-200 / 3)
