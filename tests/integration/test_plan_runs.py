"""Plan runs: suggestions from policies, stock and forecasts; publishing by a pointer; failures
that keep the previous plan; reruns without duplicates; planners' work carried over."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from inventory.models import StockPosition
from optimization.models import (
    PlanRun,
    PlanRunStatus,
    SuggestedOrder,
    SuggestedTransfer,
    SuggestionStatus,
)
from optimization.services import plans
from optimization.services.approvals import suggestion_edit, suggestions_approve
from optimization.services.plans import PlanRunRefused, current_plan, plan_run_create
from optimization.services.policies import policies_refresh
from optimization.tasks import plan_run
from suppliers.models import SupplierItem
from tests.factories import (
    TEST_PASSWORD,
    SiteFactory,
    SkuFactory,
    SupplierFactory,
    UserFactory,
    published_series,
)

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 12, 1)


def stocked(sku, site, on_hand: int) -> StockPosition:  # type: ignore[no-untyped-def]
    return StockPosition.objects.update_or_create(
        sku=sku,
        site=site,
        defaults={
            "on_hand": on_hand,
            "inventory_position": on_hand,
            "abc_class": "A",
            "xyz_class": "X",
        },
    )[0]


def build_network() -> dict:
    """Two SKUs at one hospital, 20 a day, lead time 10 days, from one supplier: the first is
    low (50 on hand), the second has plenty (5,000)."""
    site = SiteFactory(code="HOSP-1")
    supplier = SupplierFactory()
    skus = [
        SkuFactory(unit_cost=4, shelf_life_days=3650, min_remaining_shelf_life_days=0)
        for _ in range(2)
    ]
    run = None
    for sku, on_hand in zip(skus, (50, 5000), strict=True):
        SupplierItem.objects.create(
            supplier=supplier,
            sku=sku,
            lead_time_mean_days=10,
            lead_time_std_days=2,
            unit_price=5,
            cost_per_order=40,
            moq=20,
            order_multiple=10,
            is_primary=True,
        )
        stocked(sku, site, on_hand)
        run = published_series(sku, site, [20.0] * 90, as_of=AS_OF, run=run)
    policies_refresh()
    return {"site": site, "supplier": supplier, "low": skus[0], "plenty": skus[1]}


@pytest.fixture
def network() -> dict:
    return build_network()


def run_plan(**kwargs) -> PlanRun:  # type: ignore[no-untyped-def]
    run = plan_run_create(actor=None, as_of=AS_OF, **kwargs)
    plan_run.delay(run.pk)
    run.refresh_from_db()
    return run


def test_a_plan_suggests_an_order_for_the_sku_site_below_its_reorder_point(network) -> None:  # type: ignore[no-untyped-def]
    run = run_plan()

    assert run.status == PlanRunStatus.SUCCEEDED
    assert current_plan() == run
    order = SuggestedOrder.objects.get(plan=run)
    assert order.sku == network["low"]
    assert order.supplier == network["supplier"]
    assert order.order_date == AS_OF
    assert order.arrival_date == AS_OF + timedelta(days=10)
    assert order.quantity % 10 == 0 and order.quantity >= 20
    assert order.value == order.unit_price * order.quantity
    assert order.urgency == "critical"  # 50 on hand lasts 2.5 days, the order takes 10
    assert order.reason.startswith("Position 50 is at or below reorder point")
    assert order.reason_codes[:3] == [
        "below_reorder_point",
        "stockout_projected",
        "stockout_before_arrival",
    ]


def test_a_sku_site_with_plenty_of_stock_gets_no_suggestion(network) -> None:  # type: ignore[no-untyped-def]
    run = run_plan()

    assert not SuggestedOrder.objects.filter(plan=run, sku=network["plenty"]).exists()


def test_the_projection_is_stored_for_the_chart(network) -> None:  # type: ignore[no-untyped-def]
    order = SuggestedOrder.objects.get(plan=run_plan())

    projection = order.projection
    assert projection["start"] == AS_OF.isoformat()
    assert projection["without"][0] == pytest.approx(30.0)  # 50 - 20 on day 0
    assert projection["with"][10] - projection["without"][10] == pytest.approx(order.quantity)


def test_open_purchase_orders_count_in_the_position(network) -> None:  # type: ignore[no-untyped-def]
    position = StockPosition.objects.get(sku=network["low"], site=network["site"])
    position.on_order = 3000
    position.inventory_position = 3050
    position.save()

    run = run_plan()

    assert not SuggestedOrder.objects.filter(plan=run).exists()


def test_chunks_cut_at_whole_skus_and_all_publish(network) -> None:  # type: ignore[no-untyped-def]
    run = run_plan(chunk_skus=1)

    assert run.chunks_total == 2
    assert run.chunks_done == 2
    assert run.status == PlanRunStatus.SUCCEEDED


def test_a_failing_chunk_fails_the_run_and_keeps_the_previous_plan(network, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first = run_plan()

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(plans, "suggest_orders", broken)
    created = plan_run_create(actor=None, as_of=AS_OF)
    with pytest.raises(RuntimeError):
        plan_run.delay(created.pk)
    created.refresh_from_db()

    assert created.status == PlanRunStatus.FAILED
    assert "chunk 0: RuntimeError: disk full" in created.error
    assert current_plan() == first
    assert SuggestedOrder.objects.filter(plan=first).count() == 1


def test_publishing_with_a_missing_chunk_fails_the_run(network) -> None:  # type: ignore[no-untyped-def]
    previous = run_plan()
    created = plan_run_create(actor=None, as_of=AS_OF, chunk_skus=1)
    plans.plan_chunk_compute(run_id=created.pk, index=0)

    result = plans.plan_run_publish(run_id=created.pk)

    assert result.status == PlanRunStatus.FAILED
    assert result.error == "Only 1 of 2 chunks finished."
    assert current_plan() == previous


def test_running_twice_creates_no_duplicates(network) -> None:  # type: ignore[no-untyped-def]
    first = run_plan()
    second = run_plan()

    assert current_plan() == second
    assert SuggestedOrder.objects.filter(plan=second).count() == 1
    assert SuggestedOrder.objects.filter(plan=first).count() == 1  # history stays


def test_a_recomputed_chunk_replaces_its_rows(network) -> None:  # type: ignore[no-untyped-def]
    created = plan_run_create(actor=None, as_of=AS_OF)
    plans.plan_chunk_compute(run_id=created.pk, index=0)
    plans.plan_chunk_compute(run_id=created.pk, index=0)

    assert SuggestedOrder.objects.filter(plan=created).count() == 1
    assert created.chunks.count() == 1


def test_an_approved_order_is_not_suggested_again(network) -> None:  # type: ignore[no-untyped-def]
    planner = UserFactory(roles=["planner"], approval_limit=Decimal("1000000"))
    first = run_plan()
    order = SuggestedOrder.objects.get(plan=first)
    suggestions_approve(actor=planner, suggestion_ids=[order.pk], password=TEST_PASSWORD)

    second = run_plan()

    assert not SuggestedOrder.objects.filter(plan=second, sku=network["low"]).exists()


def test_an_edited_suggestion_is_carried_into_the_new_plan_unchanged(network) -> None:  # type: ignore[no-untyped-def]
    planner = UserFactory(roles=["planner"])
    first = run_plan()
    order = SuggestedOrder.objects.get(plan=first)
    edited = suggestion_edit(
        actor=planner,
        suggestion_id=order.pk,
        quantity=order.quantity + 100,
        order_date=AS_OF + timedelta(days=1),
        reason="Tender volume",
        expected_version=order.version,
        today=AS_OF,
    )

    second = run_plan()

    rows = SuggestedOrder.objects.filter(plan=second, sku=network["low"])
    assert list(rows.values_list("pk", flat=True)) == [edited.pk]
    carried = rows.get()
    assert (carried.quantity, carried.status, carried.edit_reason) == (
        edited.quantity,
        SuggestionStatus.EDITED,
        "Tender volume",
    )
    assert second.summary["carried_over"] == 1


def test_a_sku_site_approved_while_the_run_computed_is_left_out(network) -> None:  # type: ignore[no-untyped-def]
    planner = UserFactory(roles=["planner"], approval_limit=Decimal("1000000"))
    first = run_plan()
    created = plan_run_create(actor=None, as_of=AS_OF)
    plans.plan_chunk_compute(run_id=created.pk, index=0)  # reads the stock before the approval
    order = SuggestedOrder.objects.get(plan=first)
    suggestions_approve(actor=planner, suggestion_ids=[order.pk], password=TEST_PASSWORD)

    published = plans.plan_run_publish(run_id=created.pk)

    assert published.status == PlanRunStatus.SUCCEEDED
    assert not SuggestedOrder.objects.filter(plan=published).exists()
    assert published.summary["left_out_decided_meanwhile"] == 1


def test_only_one_run_at_a_time(network) -> None:  # type: ignore[no-untyped-def]
    plan_run_create(actor=None, as_of=AS_OF)

    with pytest.raises(PlanRunRefused, match="still under way"):
        plan_run_create(actor=None, as_of=AS_OF)


def test_refused_without_policies() -> None:
    with pytest.raises(PlanRunRefused, match="no replenishment policies"):
        plan_run_create(actor=None, as_of=AS_OF)
    assert not PlanRun.objects.exists()


def test_refuses_impossible_parameters(network) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PlanRunRefused) as refused:
        plan_run_create(actor=None, as_of=AS_OF, horizon=2, chunk_skus=0)

    assert set(refused.value.fields) == {"horizon", "chunk_skus"}
    assert not PlanRun.objects.exists()


def test_surplus_elsewhere_becomes_a_transfer_before_buying(network) -> None:  # type: ignore[no-untyped-def]
    warehouse = SiteFactory(code="WH-1", echelon="warehouse")
    stocked(network["low"], warehouse, 2000)  # no demand there: all of it can move

    run = run_plan()

    transfer = SuggestedTransfer.objects.get(plan=run)
    assert (transfer.source, transfer.destination) == (warehouse, network["site"])
    assert transfer.quantity > 0
    assert "WH-1 holds" in transfer.reason
    # the transfer alone lifts the hospital above its reorder point: nothing to buy
    assert not SuggestedOrder.objects.filter(plan=run).exists()


def test_surplus_whose_lot_expired_since_the_position_was_refreshed_is_not_moved(network) -> None:  # type: ignore[no-untyped-def]
    warehouse = SiteFactory(code="WH-1", echelon="warehouse")
    position = stocked(network["low"], warehouse, 2000)
    position.next_expiry = AS_OF - timedelta(days=3)
    position.save()

    run = run_plan()

    assert run.status == PlanRunStatus.SUCCEEDED
    assert not SuggestedTransfer.objects.filter(plan=run).exists()
    assert SuggestedOrder.objects.filter(plan=run, sku=network["low"]).exists()
