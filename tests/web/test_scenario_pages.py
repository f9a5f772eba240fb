import json
import re

import pytest
from django.utils import timezone

from accounts.roles import Role
from demo import generator as demo_data
from forecasting.services import forecast_run_start
from optimization.models import Scenario
from optimization.services.scenarios import scenario_compute, scenario_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def policies(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=6, days=300, sites=4, seed=5, today=timezone.localdate())
    )
    with django_capture_on_commit_callbacks(execute=True):
        forecast_run_start(actor=None, history_days=280, horizon=30)


def simulated(name, actor=None, **changes):  # type: ignore[no-untyped-def]
    scenario = scenario_create(actor=actor, name=name, changes=changes)
    return scenario_compute(scenario_id=scenario.pk)


def test_the_list_shows_saved_scenarios_with_status_author_and_the_form(
    client, planner, policies
) -> None:  # type: ignore[no-untyped-def]
    simulated("Higher service", actor=planner, service_levels={"all": 0.99})
    scenario_create(actor=planner, name="Longer lead times", changes={"lead_time_mean_factor": 1.5})
    client.force_login(planner)

    page = client.get("/optimization/scenarios/").content.decode()

    table = re.search(r'data-testid="scenario-table">(.*?)</table>', page, re.S).group(1)
    assert "Higher service" in table and "Longer lead times" in table
    assert "Done" in table and "Simulating" in table
    assert planner.get_full_name() in table
    assert "Service level 99 % for all" in table and "Lead time +50 %" in table
    assert 'data-testid="scenario-form"' in page and "novalidate" in page
    assert 'data-testid="tab-scenarios"' in page


def test_a_planner_creates_a_scenario_that_is_simulated(
    client, planner, policies, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)
    data = {
        "name": "A items at 99 %",
        "abc": ["A"],
        "service_level_A": "99",
        "lead_time_mean_factor": "1",
        "lead_time_std_factor": "1",
        "demand_uplift": "10",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/optimization/scenarios/new/", data, HTTP_HX_REQUEST="true")

    scenario = Scenario.objects.get()
    assert response["HX-Redirect"] == f"/optimization/scenarios/{scenario.pk}/"
    assert scenario.created_by == planner
    assert scenario.selection["abc"] == ["A"]
    assert scenario.changes["service_levels"] == {"A": pytest.approx(0.99)}
    assert scenario.changes["demand_uplift"] == pytest.approx(0.1)
    assert scenario.status == "succeeded"


def test_bad_figures_come_back_on_the_form_and_nothing_is_saved(client, planner, policies) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    response = client.post(
        "/optimization/scenarios/new/",
        {"name": "Typo", "holding_rate": "abc"},
        HTTP_HX_REQUEST="true",
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div class="card shadow-sm" id="scenario-form-card"')
    assert 'id="id_holding_rate-errors">Enter a number.' in page
    assert not Scenario.objects.exists()


def test_service_refusals_are_shown_by_their_fields(client, planner, policies) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    page = client.post(
        "/optimization/scenarios/new/",
        {"name": "", "service_level_all": "120", "lead_time_mean_factor": "9"},
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert 'id="id_name-errors">Give the scenario a name.' in page
    assert 'id="id_service_level_all-errors">A service level between 50% and 99.9%.' in page
    assert 'id="id_lead_time_mean_factor-errors">A factor between 0.25 and 4.' in page
    assert not Scenario.objects.exists()


def test_viewers_read_scenarios_but_cannot_create_them(client, make_user, policies) -> None:  # type: ignore[no-untyped-def]
    scenario = simulated("Cheaper money", holding_rate=0.15)
    client.force_login(make_user(Role.VIEWER))

    listing = client.get("/optimization/scenarios/")
    detail = client.get(f"/optimization/scenarios/{scenario.pk}/")
    refused = client.post("/optimization/scenarios/new/", {"name": "Mine", "demand_uplift": "5"})

    assert listing.status_code == 200 and "Cheaper money" in listing.content.decode()
    assert 'data-testid="scenario-form"' not in listing.content.decode()
    assert detail.status_code == 200
    assert refused.status_code == 403
    assert Scenario.objects.count() == 1


def test_the_detail_page_shows_the_kpis_against_the_current_policy(
    client, planner, policies
) -> None:  # type: ignore[no-untyped-def]
    scenario = simulated("More service", service_levels={"all": 0.995})
    client.force_login(planner)

    response = client.get(f"/optimization/scenarios/{scenario.pk}/")

    page = response.content.decode()
    table = re.search(r'data-testid="scenario-kpis">(.*?)</table>', page, re.S).group(1)
    fill = re.search(r'data-measure="fill_rate">(.*?)</tr>', table, re.S).group(1)
    baseline = scenario.results["baseline"]["overall"]["fill_rate"]
    changed = scenario.results["scenario"]["overall"]["fill_rate"]
    assert f"{baseline * 100:.2f} %" in fill and f"{changed * 100:.2f} %" in fill
    assert f"{(changed - baseline) * 100:+.2f} pts" in fill
    chart = json.loads(response.context["chart"])
    assert chart["classes"] == sorted(scenario.results["baseline"]["by_abc"])
    assert "chart.umd.min.js" in page and "cdn" not in page.lower()


def test_the_progress_fragment_polls_while_running_and_stops_when_done(client, planner) -> None:  # type: ignore[no-untyped-def]
    running = Scenario.objects.create(name="Running", status="running")
    done = Scenario.objects.create(name="Done", status="succeeded")
    client.force_login(planner)

    polling = client.get(f"/optimization/scenarios/{running.pk}/progress/", HTTP_HX_REQUEST="true")
    finished = client.get(f"/optimization/scenarios/{done.pk}/progress/", HTTP_HX_REQUEST="true")

    assert polling.status_code == 200 and 'hx-trigger="every 2s"' in polling.content.decode()
    assert finished.status_code == 286 and finished["HX-Refresh"] == "true"


def test_the_compare_page_puts_scenarios_side_by_side(client, planner, policies) -> None:  # type: ignore[no-untyped-def]
    first = simulated("Service up", service_levels={"all": 0.99})
    second = simulated("Demand up", demand_uplift=0.2)
    client.force_login(planner)

    response = client.get("/optimization/scenarios/compare/", {"ids": [first.pk, second.pk]})

    page = response.content.decode()
    table = re.search(r'data-testid="compare-table">(.*?)</table>', page, re.S).group(1)
    assert table.index("Service up") < table.index("Demand up")
    value_row = re.search(r'data-measure="average_inventory_value">(.*?)</tr>', table, re.S)
    for scenario in (first, second):
        value = scenario.results["scenario"]["overall"]["average_inventory_value"]
        assert f"{value:,.0f}" in value_row.group(1)
    chart = json.loads(response.context["chart"])
    assert chart["names"] == ["Service up", "Demand up"]
    assert len(chart["changes"]) == 2


def test_the_compare_page_asks_for_two_to_four_scenarios(client, planner, policies) -> None:  # type: ignore[no-untyped-def]
    only = simulated("Alone", demand_uplift=0.1)
    client.force_login(planner)

    page = client.get("/optimization/scenarios/compare/", {"ids": [only.pk]}).content.decode()

    assert "Pick 2 to 4 scenarios to compare." in page
    assert 'data-testid="compare-table"' not in page
