"""One simulated day, step by step, through the product's services only.

The day D runs with the clock set to D (time_machine, not ticking) at a fixed time per step,
so every timestamp the services write is reproducible:

    07:00 suppliers   acknowledge and confirm sent orders; ship what is due (notices)
    09:00 receiving   the warehouse receives the notices expected by today (goods receipt)
    10:00 quality     quarantined lots due for a decision are released (or rejected), signed
    11:00 transfers   open transfer orders are picked and shipped; arrived ones received
    12:00 demand      patients ask; usable stock is dispensed FEFO through the daily feed,
                      what could not be served is recorded as unserved demand
    22:00 night       the nightly chain for D (the forecast every K days, see parameters)
    23:00 planner     approve the plan's due suggestions (signed), make the suggested
                      transfers' orders, send the approved purchase orders

A step that a service refuses for one order or lot (a DomainError: stock moved since, a lot
too short-dated) leaves that order or lot for a later day and goes on; the count of refusals
is part of the day's summary. The simulation never writes a business table itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import time_machine
from celery import current_app

from common.errors import DomainError
from common.runs import follow_ups_collected
from demo import selectors
from demo.simulation import world
from demo.simulation.actors import Actors
from demo.simulation.parameters import PlannerMode, SimulationParameters
from forecasting.services import current_run
from inventory.services.feed import MAX_BATCH, stock_movements_post
from inventory.services.lots import lots_status_decide
from inventory.services.transfers import (
    transfer_order_pick,
    transfer_order_receive,
    transfer_order_ship,
)
from inventory.services.unserved import demand_unserved_record
from optimization import nightly
from optimization.services.approvals import suggestions_approve
from optimization.services.plans import current_plan
from optimization.services.transfers import suggested_transfer_order_create
from suppliers.services.portal import (
    NoticeLine,
    line_confirm,
    purchase_order_acknowledge,
    purchase_order_send,
    shipping_notice_create,
)
from suppliers.services.receiving import ReceiptRow, goods_receipt_post

logger = logging.getLogger(__name__)

STEP_HOURS = {
    "suppliers": 7,
    "receiving": 9,
    "quality": 10,
    "transfers": 11,
    "demand": 12,
    "night": 22,
    "planner": 23,
}
REJECTION_REASON = "Damaged in transit (outer cases crushed)"


@dataclass
class WorldState:
    """What a run reads once and keeps: the parameters, the day the world is anchored at, the
    demanded SKU-sites with their levels, the launches, the master data and the people."""

    params: SimulationParameters
    origin: date
    series: list[world.Series]
    launches: list[world.Launch]
    skus: dict[str, selectors.SkuFacts]
    sites: dict[str, selectors.SiteFacts]
    actors: Actors
    behaviours: dict[str, world.SupplierBehaviour] = field(default_factory=dict)

    def behaviour(self, supplier_code: str) -> world.SupplierBehaviour:
        if supplier_code not in self.behaviours:
            self.behaviours[supplier_code] = world.supplier_behaviour(supplier_code, self.params)
        return self.behaviours[supplier_code]

    def series_on(self, day: date) -> list[world.Series]:
        """The demanded SKU-sites on `day`: the recorded ones and the launches begun by then
        (at their ramp's share of the SKU's level)."""
        levels: dict[str, float] = {}
        for one in self.series:
            levels[one.sku] = max(levels.get(one.sku, 0.0), one.level)
        launched = [
            world.Series(
                sku=launch.sku,
                site=launch.site,
                category=self.skus[launch.sku].category,
                region=self.sites[launch.site].region,
                level=levels.get(launch.sku, 0.0) * launch.share * world.launch_ramp(launch, day),
            )
            for launch in self.launches
            if launch.day <= day and launch.sku in self.skus and launch.site in self.sites
        ]
        return [*self.series, *launched]


@dataclass
class DaySummary:
    day: str
    asked: int = 0
    served: int = 0
    notices: int = 0
    receipts: int = 0  # receipt rows posted
    received_units: int = 0
    rejected_units: int = 0
    lots_released: int = 0
    lots_rejected: int = 0
    orders_approved: int = 0
    orders_sent: int = 0
    transfers_created: int = 0
    transfers_shipped: int = 0
    transfers_received: int = 0
    written_off_units: int = 0
    forecast: bool = False
    refused: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def fill_rate(self) -> float | None:
        return self.served / self.asked if self.asked else None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def clock(day: date, hour: int) -> Iterator[None]:
    """The clock stands at `hour`:00 UTC on `day` while the block runs."""
    with time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False):
        yield


@contextmanager
def tasks_in_process() -> Iterator[None]:
    """Celery tasks run in this process while the block runs (the night's chunked runs start
    their chunks with delay()): the simulation waits for each night to finish before the
    planner reads its plan, in a worker as in a command."""
    conf = current_app.conf
    before = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_eager_propagates = before


def _refused(summary: DaySummary, what: str, error: DomainError) -> None:
    summary.refused += 1
    logger.info("Simulation: %s refused: %s", what, error.message)


# ---- the steps ------------------------------------------------------------------------------


def suppliers_act(state: WorldState, day: date, summary: DaySummary) -> None:
    """Each supplier acknowledges and confirms the orders sent to it its own number of days
    ago or earlier, and ships every shipment whose dispatch day has come (a notice per
    shipment, lots numbered after the order and shipment, expiries from the SKU's shelf
    life)."""
    for order in selectors.open_orders():
        supplier = state.actors.suppliers.get(order.supplier_id)
        if supplier is None:
            continue
        waits = state.behaviour(order.supplier_code).acknowledge_days
        if (day - order.sent_on).days < waits:
            continue
        try:
            if not order.acknowledged:
                purchase_order_acknowledge(actor=supplier, order_id=order.id)
            for line in order.lines:
                if not line.confirmed and not line.reapproval_required:
                    line_confirm(actor=supplier, line_id=line.id)
        except DomainError as error:
            _refused(summary, f"confirming {order.number}", error)
            continue
        _ship_due(state, order, supplier, day, summary)


def _ship_due(
    state: WorldState, order: selectors.OpenOrder, supplier: Any, day: date, summary: DaySummary
) -> None:
    mean, std = order.lead_time
    shipments = world.order_shipments(
        order.identity, mean, std, state.behaviour(order.supplier_code), state.params
    )
    open_units = {
        line.id: line.quantity - line.received - line.announced_open for line in order.lines
    }
    for shipment in shipments:
        number = f"ASN-{order.identity}-{shipment.index}"
        if number in order.notice_numbers:
            continue
        if order.sent_on + timedelta(days=shipment.dispatch_after) > day:
            return  # the later shipments are later still
        last = shipment.index == len(shipments)
        lines = []
        for line in order.lines:
            units = open_units[line.id]
            if not last:
                units = int(units * shipment.share)
            if units <= 0 or line.reapproval_required:
                continue
            sku = state.skus[line.sku_code]
            lot_number = f"{order.identity}-{shipment.index}"
            expiry = world.lot_expiry(
                f"{lot_number}/{line.sku_code}",
                dispatched_on=day,
                delivery_days=shipment.delivery_days,
                shelf_life_days=sku.shelf_life_days,
                min_remaining_days=sku.min_remaining_days,
                params=state.params,
            )
            lines.append(NoticeLine(line.id, units, lot_number, expiry))
            open_units[line.id] -= units
        if not lines:
            continue
        try:
            shipping_notice_create(
                actor=supplier,
                order_id=order.id,
                number=number,
                shipped_on=day,
                expected_on=day + timedelta(days=shipment.delivery_days),
                lines=lines,
                carrier="Simulated Freight",
            )
            summary.notices += 1
        except DomainError as error:
            _refused(summary, f"notice {number}", error)
            return


def warehouse_receives(state: WorldState, day: date, summary: DaySummary) -> None:
    """The warehouse receives every notice expected by today against its order; units the
    supplier's quality draw rejects are refused at the dock with a reason."""
    for notice in selectors.notices_due(day):
        behaviour = state.behaviour(notice.purchase_order.supplier.code)
        rows = []
        for line in notice.lines.all():
            rejected = world.rejected_units(
                notice.number,
                line_key=line.line.sku.code,
                units=line.quantity,
                behaviour=behaviour,
                params=state.params,
            )
            rows.append(
                ReceiptRow(
                    line_id=line.line_id,
                    quantity_received=line.quantity,
                    lot_number=line.lot_number,
                    expiry_date=line.expiry_date,
                    quantity_rejected=rejected,
                    rejection_reason=REJECTION_REASON if rejected else "",
                )
            )
        try:
            goods_receipt_post(
                actor=state.actors.warehouse, order=notice.purchase_order, rows=rows, notice=notice
            )
        except DomainError as error:
            _refused(summary, f"receipt of {notice.number}", error)
            continue
        summary.receipts += len(rows)
        summary.received_units += sum(row.quantity_received - row.quantity_rejected for row in rows)
        summary.rejected_units += sum(row.quantity_rejected for row in rows)


def quality_decides(state: WorldState, day: date, summary: DaySummary) -> None:
    """Quality releases the quarantined lots whose drawn inspection time has passed, and
    rejects the few the draw fails, one signed batch each."""
    release, reject = [], []
    for lot in selectors.quarantined_lots():
        decision = world.quality_decision(lot.key, state.params)
        received = lot.received_on or day
        if lot.expiry_date < day or received + timedelta(days=decision.decide_after_days) > day:
            continue
        (reject if decision.reject else release).append(lot.id)
    for ids, status, reason in (
        (release, "released", "Inspection passed: documents and samples conform"),
        (reject, "rejected", "Inspection failed: certificate of analysis does not conform"),
    ):
        if not ids:
            continue
        decided = _decide(state, selectors.lots_by_id(ids), status, reason, summary)
        if status == "released":
            summary.lots_released += decided
        else:
            summary.lots_rejected += decided


def _decide(
    state: WorldState, lots: list[Any], status: str, reason: str, summary: DaySummary
) -> int:
    """Decide the lots in one signed batch; when it is refused (all or nothing), one by one,
    leaving the refused ones. Returns how many were decided."""
    for batch in ([lots], [[lot] for lot in lots]) if len(lots) > 1 else ([lots],):
        decided = 0
        for group in batch:
            try:
                lots_status_decide(
                    actor=state.actors.quality,
                    decisions=[(lot, status) for lot in group],
                    reason=reason,
                    password=state.actors.password,
                )
                decided += len(group)
            except DomainError as error:
                if len(batch) > 1:
                    _refused(summary, f"deciding lot {group[0].lot_number}", error)
        if decided:
            return decided
    return 0


def transfers_move(state: WorldState, day: date, summary: DaySummary) -> None:
    """Open transfer orders are picked first-expiry-first and shipped; shipped ones whose
    route's transit days have passed are received."""
    warehouse = state.actors.warehouse
    for order in selectors.transfers_arriving(day):
        try:
            transfer_order_receive(actor=warehouse, order=order)
            summary.transfers_received += 1
        except DomainError as error:
            _refused(summary, f"receiving {order.number}", error)
    for order in selectors.transfers_to_ship():
        try:
            picked = transfer_order_pick(actor=warehouse, order=order)
            transfer_order_ship(actor=warehouse, order=picked)
            summary.transfers_shipped += 1
        except DomainError as error:
            _refused(summary, f"shipping {order.number}", error)


def patients_ask(state: WorldState, day: date, summary: DaySummary) -> None:
    """Patients' demand of the day per SKU-site; what the site's usable stock covers is
    dispensed FEFO through the daily feed (batches of the feed's maximum), the rest recorded
    as unserved demand, so DailyDemand holds every unit asked."""
    series = state.series_on(day)
    asked = world.demand_draw(series, day, state.origin, state.params)
    usable = selectors.usable_units(day)
    rows: list[dict[str, Any]] = []
    unserved: dict[tuple[int, int, date], int] = {}
    for one, units in zip(series, asked.tolist(), strict=True):
        if units <= 0 or one.sku not in state.skus or one.site not in state.sites:
            continue
        key = (state.skus[one.sku].id, state.sites[one.site].id)
        served = min(units, usable.get(key, 0))
        summary.asked += units
        summary.served += served
        if served:
            rows.append(
                {
                    "idempotency_key": f"sim-{day.isoformat()}-{one.sku}-{one.site}",
                    "kind": "dispense",
                    "sku": one.sku,
                    "site": one.site,
                    "quantity": served,
                    "occurred_on": day.isoformat(),
                    "reference": "patients",
                }
            )
        if units > served:
            unserved[(*key, day)] = units - served
    for start in range(0, len(rows), MAX_BATCH):
        stock_movements_post(
            actor=state.actors.warehouse, movements=rows[start : start + MAX_BATCH]
        )
    demand_unserved_record(actor=state.actors.warehouse, unserved=unserved)


def night_runs(state: WorldState, day: date, summary: DaySummary) -> None:
    """The nightly chain for `day`, in this process; the forecast refits on every K-th day of
    the run (and whenever none is published yet), other nights reuse the published one. The
    policies step sizes policies with the run's policy method."""
    refit = (day - state.origin).days % state.params.forecast_every_days == 0
    refit = refit or current_run() is None
    summary.forecast = refit
    with tasks_in_process():
        nightly.night(
            today=day,
            skip=() if refit else ("forecast",),
            policy_method=str(state.params.policy_method),
        ).delay()


def planner_acts(state: WorldState, day: date, summary: DaySummary) -> None:
    """The planners approve the current plan's suggestions due today (one signature per
    batch; see PlannerMode for the second approval), turn the suggested transfers due to ship
    by today into transfer orders (for what the source can send, when that is less), and send
    the approved purchase orders."""
    plan = current_plan()
    if plan is not None:
        actors = state.actors
        due = selectors.suggestions_due(plan.pk, day)
        summary.orders_approved += _approve(actors.planner, due, actors.password, day, summary)
        if state.params.planner == PlannerMode.ALL:
            second = selectors.suggestions_awaiting_second(plan.pk, first_approved_before=None)
        else:
            second = selectors.suggestions_awaiting_second(plan.pk, first_approved_before=day)
        summary.orders_approved += _approve(
            actors.second_planner, second, actors.password, day, summary
        )
        for suggestion_id in selectors.transfer_suggestions_without_order(plan.pk, day):
            try:
                suggested_transfer_order_create(
                    actor=actors.planner, suggestion_id=suggestion_id, up_to_available=True
                )
                summary.transfers_created += 1
            except DomainError as error:
                _refused(summary, f"suggested transfer {suggestion_id}", error)
    for order_id in selectors.approved_orders():
        try:
            purchase_order_send(actor=state.actors.planner, order_id=order_id)
            summary.orders_sent += 1
        except DomainError as error:
            _refused(summary, f"sending order {order_id}", error)


def _approve(planner: Any, ids: list[int], password: str, day: date, summary: DaySummary) -> int:
    """Approve `ids` in one signed batch; when the batch is refused (all or nothing), one by
    one, leaving the refused ones. Returns how many were approved outright."""
    if not ids:
        return 0
    reason = f"Due on {day:%Y-%m-%d}: approved on the day's review"
    try:
        outcome = suggestions_approve(
            actor=planner, suggestion_ids=ids, password=password, reason=reason
        )
        return len(outcome.approved)
    except DomainError:
        pass
    approved = 0
    for pk in ids:
        try:
            outcome = suggestions_approve(
                actor=planner, suggestion_ids=[pk], password=password, reason=reason
            )
            approved += len(outcome.approved)
        except DomainError as error:
            _refused(summary, f"approving suggestion {pk}", error)
    return approved


STEPS: list[tuple[str, Callable[[WorldState, date, DaySummary], None]]] = [
    ("suppliers", suppliers_act),
    ("receiving", warehouse_receives),
    ("quality", quality_decides),
    ("transfers", transfers_move),
    ("demand", patients_ask),
    ("night", night_runs),
    ("planner", planner_acts),
]


def day_simulate(state: WorldState, day: date, *, skip: frozenset[str] = frozenset()) -> DaySummary:
    """Run the day's steps in order, each at its hour, but those named in `skip`; the summary
    has each step's seconds. A step is one batch of work, as a person working through a list
    is: the follow-ups its service calls ask for (the stock alerts after receipts, lot
    decisions, transfers) run once each at the end of the step, at its hour, not after every
    call (common.runs)."""
    summary = DaySummary(day=day.isoformat())
    for name, step in STEPS:
        if name in skip:
            continue
        started = time.perf_counter()
        with clock(day, STEP_HOURS[name]), follow_ups_collected():
            step(state, day, summary)
        summary.seconds[name] = round(time.perf_counter() - started, 3)
    summary.written_off_units = selectors.day_movements(day).get("write_off", 0)
    return summary
