"""A planner opens the forecast of a SKU at a site and overrides it for a week, with a reason."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forecasting.models import ForecastOverride
from inventory.services.stock import stock_positions_refresh
from tests.factories import LotFactory, SiteFactory, SkuFactory, published_series

pytestmark = pytest.mark.e2e


@pytest.fixture
def forecast(make_user):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    site = SiteFactory(code="HOSP-1", name="St. Mary")
    sku = SkuFactory(code="AMX-500", name="Amoxicillin 500 mg")
    LotFactory(
        sku=sku, site=site, expiry_date=today + timedelta(days=400), quantity=80, today=today
    )
    stock_positions_refresh(today=today)
    published_series(sku, site, [10.0] * 60, as_of=today)
    make_user("planner", username="paula", full_name="Paula Planner")
    return sku, site


def test_planner_overrides_a_forecast_with_a_reason(page, sign_in, forecast) -> None:  # type: ignore[no-untyped-def]
    sku, _ = forecast
    sign_in("paula")
    page.goto(f"/inventory/sku/{sku.pk}/")
    page.get_by_test_id("forecast-link").first.click()
    expect(page.get_by_test_id("series-title")).to_contain_text("AMX-500")
    expect(page.locator("#forecast-chart")).to_be_visible()

    form = page.get_by_test_id("override-form")
    form.get_by_label("Adjustment").select_option(label="Change by %")
    form.get_by_label("Value").fill("30")
    form.get_by_test_id("override-save").click()
    # No reason: the form comes back with the message, nothing is saved.
    expect(page.locator("#id_reason-errors")).to_have_text("This field is required.")
    assert not ForecastOverride.objects.exists()

    page.get_by_label("Reason").fill("Flu season started two weeks early")
    page.get_by_test_id("override-save").click()

    expect(page.get_by_role("alert").filter(has_text="Override saved: +30 %")).to_be_visible()
    table = page.get_by_test_id("override-table")
    expect(table).to_contain_text("Flu season started two weeks early")
    expect(table).to_contain_text("Paula Planner")
    # 7 days at 13 and 21 at 10
    expect(page.get_by_test_id("next-28-adjusted")).to_have_text("301 units")
    saved = ForecastOverride.objects.get()
    assert (saved.kind, saved.value, saved.created_by.username) == ("percent", 30, "paula")
