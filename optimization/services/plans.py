"""Plan runs: suggested orders and transfers for every SKU-site with a policy.

A run is created (one at a time: advisory lock), cut into chunks of whole SKUs (so every site
of a SKU is in one chunk, as transfers need), computed chunk by chunk by Celery and published
only when every chunk succeeded: publishing switches the PlanPublication pointer in one
transaction, so the previous plan stays current until then and after any failure.

What planners did is never lost: suggestions a planner edited or half-approved in the current
plan are carried into the new one as they are (the new plan's own figures for those SKU-sites
are dropped), and approved or rejected suggestions stay in the plan they were decided in. A
SKU-site approved while the run was computing is left out of it: its new order is on order
now, which the run could not see.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from celery import Signature
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from accounts.audit import audit_context, audited_bulk_create, audited_update
from accounts.models import User
from common.errors import DomainError
from common.locks import advisory_xact_lock
from common.runs import refuse_while_under_way, run_mark_running, task_by_name
from forecasting import selectors as forecast_selectors
from forecasting.services import current_run
from inventory.models import Site, Sku, StockPosition
from inventory.services.stock import analyze_tables
from optimization.engine.deployment import StockNeeds, StockOffers, plan_transfers
from optimization.engine.replenishment import (
    URGENCIES,
    ProjectionInputs,
    ReasonFacts,
    ReplenishmentFacts,
    Suggestions,
    reason_codes,
    reason_text,
    replenishment_reason,
    suggest_orders,
)
from optimization.models import (
    TOUCHED_OPEN_STATUSES,
    URGENCY_RANK,
    InventoryPolicy,
    PlanPublication,
    PlanRun,
    PlanRunChunk,
    PlanRunStatus,
    PolicyRun,
    PolicyRunStatus,
    SuggestedOrder,
    SuggestedTransfer,
    SuggestionStatus,
    TransferKind,
)
from suppliers.models import PurchaseOrderLine, SupplierItem

RUN_LOCK = "optimization.plan_run"
MAX_HORIZON = 365
CENT = Decimal("0.01")


class PlanRunRefused(DomainError):
    code = "plan_run_refused"


def money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def current_plan() -> PlanRun | None:
    publication = PlanPublication.objects.select_related("run").filter(name="current").first()
    return publication.run if publication else None


def plan_run_create(
    *,
    actor: User | None,
    as_of: date | None = None,
    horizon: int | None = None,
    window: int | None = None,
    chunk_skus: int | None = None,
) -> PlanRun:
    """Record a new plan run and cut the SKUs with a policy into chunks. Refused while another
    run is under way, without policies, or with impossible parameters (nothing is written).

    `horizon`: days projected (settings.PLAN_HORIZON_DAYS); `window`: days ahead in which a
    SKU-site reaching its reorder point gets a suggestion (the review period by default: the
    next plan reviews the days after)."""
    horizon = settings.PLAN_HORIZON_DAYS if horizon is None else horizon
    chunk_skus = settings.PLAN_CHUNK_SKUS if chunk_skus is None else chunk_skus
    if window is None:
        window = max(1, math.ceil(settings.OPTIMIZATION_REVIEW_PERIOD_DAYS))
    errors = {}
    if not isinstance(window, int) or window < 1:
        errors["window"] = ["At least 1 day."]
    elif not isinstance(horizon, int) or not window <= horizon <= MAX_HORIZON:
        errors["horizon"] = [f"Between the window ({window} days) and {MAX_HORIZON} days."]
    if not isinstance(chunk_skus, int) or chunk_skus < 1:
        errors["chunk_skus"] = ["At least 1."]
    if errors:
        raise PlanRunRefused("The plan run parameters are not valid.", fields=errors)
    as_of = as_of or timezone.localdate()
    with transaction.atomic(), audit_context(actor=actor):
        refuse_while_under_way(PlanRun, lock=RUN_LOCK, refused=PlanRunRefused)
        forecast = current_run()
        policy_run = (
            PolicyRun.objects.filter(status=PolicyRunStatus.SUCCEEDED).order_by("-pk").first()
        )
        skus = list(
            InventoryPolicy.objects.order_by("sku_id").values_list("sku_id", flat=True).distinct()
        )
        if forecast is None or policy_run is None or not skus:
            raise PlanRunRefused(
                "There are no replenishment policies yet: publish a forecast (policies follow) "
                "before planning."
            )
        chunks = [skus[start : start + chunk_skus] for start in range(0, len(skus), chunk_skus)]
        return PlanRun.objects.create(
            as_of=as_of,
            forecast_run=forecast,
            policy_run=policy_run,
            parameters={
                "horizon": horizon,
                "window": window,
                "chunk_skus": chunk_skus,
                "chunk_bounds": [[chunk[0], chunk[-1]] for chunk in chunks],
                "transfer_cost_rate": settings.PLAN_TRANSFER_COST_RATE,
                "transfer_transit_days": settings.PLAN_TRANSFER_TRANSIT_DAYS,
            },
            keys_total=InventoryPolicy.objects.count(),
            chunks_total=len(chunks),
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def after_publishing() -> Signature:
    """What a plan run started on demand sets off once it is published: the alert rules that
    read the plan. (At night the chain in optimization.nightly says what follows instead.)
    Reached by task name: alerts sits above optimization."""
    return task_by_name("alerts.tasks.evaluate_alerts_after", "plan_published")


def plan_run_start(*, actor: User | None, **parameters: Any) -> PlanRun:
    """Create a run and start its job once the transaction commits; once published, the run
    sets off what follows it (`after_publishing`)."""
    from optimization.tasks import plan_run as plan_run_task  # the task module imports this one

    created = plan_run_create(actor=actor, **parameters)
    transaction.on_commit(lambda: plan_run_task.delay(created.pk, after_publishing()))
    return created


def plan_run_mark_running(*, run_id: int) -> PlanRun:
    return run_mark_running(PlanRun, run_id=run_id)


# ---- one chunk --------------------------------------------------------------------------------


def _forecast_matrix(
    run: PlanRun, keys: list[tuple[int, int]], demand_mean: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """Daily forecast from the plan's first day, (n, horizon): the published forecast with the
    planners' overrides; days past its end take the policy's mean demand. Also, per row,
    whether the SKU-site has a forecast of its own."""
    forecast_run = run.forecast_run
    if forecast_run is None:  # a run is created with its forecast; kept only for the record
        raise PlanRunRefused(f"Plan run {run.pk} has no forecast run.")
    forecasts = forecast_selectors.effective_forecasts(forecast_run, keys)
    offset = (run.as_of - forecast_run.as_of).days
    matrix = np.repeat(demand_mean[:, None], horizon, axis=1)
    own = np.zeros(len(keys), dtype=bool)
    for row, key in enumerate(keys):
        values = forecasts.get(key)
        if values is None:
            continue
        own[row] = True
        window = np.asarray(values[max(offset, 0) : max(offset, 0) + horizon], dtype=float)
        matrix[row, : window.size] = window
    return np.maximum(matrix, 0.0), own


def _receipts_matrix(
    run: PlanRun, keys: list[tuple[int, int]], sku_range: tuple[int, int], horizon: int
) -> np.ndarray:
    """Open purchase-order quantities by expected day: confirmed date, else requested date,
    else the order's expected date; overdue or undated lines count on day 0."""
    index = {key: row for row, key in enumerate(keys)}
    matrix = np.zeros((len(keys), horizon))
    lines = (
        PurchaseOrderLine.objects.to_arrive()
        .filter(sku_id__gte=sku_range[0], sku_id__lte=sku_range[1])
        .values_list(
            "sku_id",
            "purchase_order__destination_id",
            "quantity",
            "received_quantity",
            "confirmed_date",
            "requested_date",
            "purchase_order__expected_on",
        )
    )
    for sku_id, site_id, quantity, received, confirmed, requested, expected in lines:
        row = index.get((sku_id, site_id))
        if row is None:
            continue
        when = confirmed or requested or expected or run.as_of
        day = min(max((when - run.as_of).days, 0), horizon - 1)
        matrix[row, day] += quantity - received
    return matrix


def plan_chunk_compute(*, run_id: int, index: int) -> int:
    """Compute chunk `index` of a run: its suggested orders and transfers, replacing any
    earlier attempt of the same chunk. Returns the number of orders written."""
    run = PlanRun.objects.select_related("forecast_run").get(pk=run_id)
    if run.status == PlanRunStatus.FAILED or index >= run.chunks_total:
        return 0
    params = run.parameters
    horizon, window = params["horizon"], params["window"]
    sku_lo, sku_hi = params["chunk_bounds"][index]
    policies = list(
        InventoryPolicy.objects.filter(sku_id__gte=sku_lo, sku_id__lte=sku_hi)
        .filter(Q(supplier__isnull=False) | Q(source_site__isnull=False))
        .order_by("sku_id", "site_id")
    )
    keys = [(policy.sku_id, policy.site_id) for policy in policies]
    positions = {
        (p.sku_id, p.site_id): p
        for p in StockPosition.objects.filter(sku_id__gte=sku_lo, sku_id__lte=sku_hi)
    }
    orders: list[SuggestedOrder] = []
    transfers: list[SuggestedTransfer] = []
    if keys:
        demand_mean = np.array([p.demand_mean for p in policies])
        forecast, own_forecast = _forecast_matrix(run, keys, demand_mean, horizon)
        receipts = _receipts_matrix(run, keys, (sku_lo, sku_hi), horizon)
        paths = _Paths.of(policies)
        demand = _own_demand(paths, forecast, own_forecast, window)
        empty = StockPosition()

        def column(name: str) -> np.ndarray:
            return np.array([float(getattr(positions.get(key, empty), name)) for key in keys])

        projection = ProjectionInputs(
            demand=demand,
            receipts=receipts,
            inventory_position=column("inventory_position"),
            on_hand=column("on_hand"),
            backorders=column("backorders"),
            reorder_point=np.array([p.reorder_point for p in policies]),
            order_quantity=np.array([max(p.order_quantity, 1.0) for p in policies]),
            order_multiple=np.array([p.order_multiple for p in policies]),
            shelf_life_cap=np.array(
                [p.shelf_life_cap if p.shelf_life_cap is not None else math.inf for p in policies]
            ),
            lead_time_days=np.array([p.lead_time_mean for p in policies]),
            window=window,
        )
        suggestions, shipments = _suggest_along_paths(projection, paths)
        replenishments = _replenishment_transfers(
            run,
            policies=policies,
            positions=positions,
            receipts=receipts,
            suggestions=suggestions,
        )
        incoming, surplus = _transfers(
            run,
            policies=policies,
            positions=positions,
            demand=demand + shipments,
            suggestions=suggestions,
        )
        transfers = replenishments + surplus
        orders = _order_rows(run, policies, suggestions, incoming)
    with transaction.atomic():
        SuggestedOrder.objects.filter(plan=run, sku_id__gte=sku_lo, sku_id__lte=sku_hi).delete()
        SuggestedTransfer.objects.filter(plan=run, sku_id__gte=sku_lo, sku_id__lte=sku_hi).delete()
        audited_bulk_create(SuggestedOrder, orders, batch_size=1000)
        SuggestedTransfer.objects.bulk_create(transfers, batch_size=1000)
        PlanRunChunk.objects.update_or_create(
            run=run,
            index=index,
            defaults={
                "orders": len(orders),
                "transfers": len(transfers),
                "finished_at": timezone.now(),
            },
        )
    return len(orders)


# ---- along the network's paths ----------------------------------------------------------------


@dataclass(frozen=True)
class _Paths:
    """The chunk's rows as a forest: `parent[row]` the row of the SKU-site it is replenished
    from by transfer (-1: none, or its source has no policy in the plan); `height[row]` 0 for a
    row no other row is replenished from, else one more than the highest row it feeds."""

    parent: np.ndarray
    height: np.ndarray

    @classmethod
    def of(cls, policies: list[InventoryPolicy]) -> "_Paths":
        row_of = {(p.sku_id, p.site_id): row for row, p in enumerate(policies)}
        parent = np.array(
            [
                row_of.get((p.sku_id, p.source_site_id), -1) if p.source_site_id else -1
                for p in policies
            ],
            dtype=int,
        )
        height = np.zeros(len(policies), dtype=int)
        for row in range(len(policies)):  # policies form trees (sites cannot loop)
            level, up = 0, parent[row]
            while up >= 0:
                level += 1
                height[up] = max(height[up], level)
                up = parent[up]
        return cls(parent=parent, height=height)


def _own_demand(
    paths: _Paths, forecast: np.ndarray, own_forecast: np.ndarray, window: int
) -> np.ndarray:
    """The demand each row's projection draws down. A row that replenishes others draws its own
    forecast (none without one: its policy's mean is the echelon demand) plus, past the window,
    the demand of the rows it feeds; within the window what it sends them are the suggested
    transfers (`_suggest_along_paths`), so it is not counted twice."""
    demand = forecast.copy()
    feeding = paths.height > 0
    demand[feeding & ~own_forecast] = 0.0
    fed = np.flatnonzero(paths.parent >= 0)
    for level in range(1, int(paths.height.max(initial=0)) + 1):  # children complete first
        children = fed[paths.height[paths.parent[fed]] == level]
        np.add.at(demand[:, window:], paths.parent[children], demand[children, window:])
    return demand


def _suggest_along_paths(
    projection: ProjectionInputs, paths: _Paths
) -> tuple[Suggestions, np.ndarray]:
    """Suggestions level by level, from the sites replenished by transfer up to the sites
    that replenish them: what a site is about to ask of its source (the whole quantity, even
    where the source cannot send it all: it still owes it) becomes the source's shipment on
    the day asked, so the source's position falls by it and the source orders in time. Returns
    the suggestions of every row and the shipments (n, H)."""
    n, horizon = projection.demand.shape
    shipments = np.zeros((n, horizon))
    parts: list[tuple[np.ndarray, Suggestions]] = []
    for level in range(int(paths.height.max(initial=0)) + 1):
        rows = np.flatnonzero(paths.height == level)
        if rows.size == 0:
            continue
        part = suggest_orders(_rows_of(projection, rows, shipments[rows]))
        parts.append((rows, part))
        for at in np.flatnonzero(part.orders):
            source = paths.parent[rows[at]]
            if source >= 0:
                shipments[source, int(part.order_day[at])] += float(part.quantity[at])
    return _merged(parts, n, horizon), shipments


def _rows_of(inputs: ProjectionInputs, rows: np.ndarray, shipments: np.ndarray) -> ProjectionInputs:
    return ProjectionInputs(
        demand=inputs.demand[rows],
        receipts=inputs.receipts[rows],
        inventory_position=inputs.inventory_position[rows],
        on_hand=inputs.on_hand[rows],
        backorders=inputs.backorders[rows],
        reorder_point=inputs.reorder_point[rows],
        order_quantity=inputs.order_quantity[rows],
        order_multiple=inputs.order_multiple[rows],
        shelf_life_cap=inputs.shelf_life_cap[rows],
        lead_time_days=inputs.lead_time_days[rows],
        window=inputs.window,
        shipments=shipments,
    )


def _merged(parts: list[tuple[np.ndarray, Suggestions]], n: int, horizon: int) -> Suggestions:
    """One Suggestions over all n rows from the parts computed for subsets of them."""
    if len(parts) == 1 and parts[0][0].size == n:
        return parts[0][1]
    merged: dict[str, np.ndarray] = {}
    for name in Suggestions.__dataclass_fields__:
        sample = getattr(parts[0][1], name)
        shape = (n, horizon) if sample.ndim == 2 else (n,)
        merged[name] = np.zeros(shape, dtype=sample.dtype)
        for rows, part in parts:
            merged[name][rows] = getattr(part, name)
    return Suggestions(**merged)


def _replenishment_transfers(
    run: PlanRun,
    *,
    policies: list[InventoryPolicy],
    positions: dict[tuple[int, int], StockPosition],
    receipts: np.ndarray,
    suggestions: Suggestions,
) -> list[SuggestedTransfer]:
    """A transfer from the source site for every SKU-site replenished by transfer that reaches
    its reorder point in the window, for its policy's quantity. What a source can send is its
    released stock today plus the receipts due there by the ship day; SKU-sites asking of the
    same source are served in the order they ask (earliest day, most urgent first), and a
    transfer the source cannot fill is cut to what is left (none when nothing is)."""
    source_of = {
        row: source_site
        for row in np.flatnonzero(suggestions.orders)
        if (source_site := policies[row].source_site_id) is not None
    }
    if not source_of:
        return []
    asking = list(source_of)
    start = run.as_of
    row_of = {(p.sku_id, p.site_id): row for row, p in enumerate(policies)}
    site_ids = {policies[row].site_id for row in asking} | set(source_of.values())
    codes = dict(Site.objects.filter(pk__in=site_ids).values_list("pk", "code"))
    unit_cost = dict(
        Sku.objects.filter(pk__in={policies[row].sku_id for row in asking}).values_list(
            "pk", "unit_cost"
        )
    )
    rate = run.parameters["transfer_cost_rate"]
    sent: dict[tuple[int, int], float] = defaultdict(float)
    asking.sort(
        key=lambda row: (
            int(suggestions.order_day[row]),
            URGENCY_RANK[str(suggestions.urgency[row])],
            codes.get(policies[row].site_id, ""),
        )
    )
    rows = []
    for row in asking:
        policy, source_id = policies[row], source_of[row]
        source_key = (policy.sku_id, source_id)
        ship_day = int(suggestions.order_day[row])
        position = positions.get(source_key)
        arriving = (
            float(receipts[row_of[source_key], : ship_day + 1].sum())
            if source_key in row_of
            else 0.0
        )
        available = max((position.on_hand if position else 0) + arriving - sent[source_key], 0.0)
        requested = int(suggestions.quantity[row])
        quantity = min(requested, math.floor(available))
        sent[source_key] += quantity
        if quantity <= 0:
            continue
        source, destination = codes.get(source_id, ""), codes.get(policy.site_id, "")
        rows.append(
            SuggestedTransfer(
                plan=run,
                kind=TransferKind.REPLENISHMENT,
                sku_id=policy.sku_id,
                source_id=source_id,
                destination_id=policy.site_id,
                quantity=quantity,
                requested_quantity=requested,
                unit_cost=money(max(float(unit_cost.get(policy.sku_id, 0)) * rate, 0.01)),
                saving=money(0),
                ship_date=start + timedelta(days=ship_day),
                arrival_date=start + timedelta(days=int(suggestions.arrival_day[row])),
                reason=replenishment_reason(
                    ReplenishmentFacts(
                        start=start,
                        source=source,
                        destination=destination,
                        ship_day=ship_day,
                        arrival_day=int(suggestions.arrival_day[row]),
                        position=float(suggestions.position_at_order[row]),
                        reorder_point=policy.reorder_point,
                        stockout_day=int(suggestions.stockout_day[row]),
                        requested=requested,
                        quantity=quantity,
                        available=math.floor(available),
                    )
                ),
            )
        )
    return rows


def _transfers(
    run: PlanRun,
    *,
    policies: list[InventoryPolicy],
    positions: dict[tuple[int, int], StockPosition],
    demand: np.ndarray,
    suggestions: Any,
) -> tuple[dict[tuple[int, int], tuple[float, str]], list[SuggestedTransfer]]:
    """Surplus stock moved to the SKU-sites about to order from a supplier
    (optimization.engine.deployment). A site's surplus is its released stock beyond what it
    needs over the horizon (`demand`: its own demand and what it ships to the sites it
    replenishes) and its safety stock; a site with no policy offers all of it. Returns, per ordering
    SKU-site, the units coming in and from where, and the transfer rows."""
    ordering = np.array(
        [row for row in np.flatnonzero(suggestions.orders) if policies[row].source_site_id is None],
        dtype=int,
    )
    if ordering.size == 0:
        return {}, []
    by_key = {(p.sku_id, p.site_id): row for row, p in enumerate(policies)}
    need_skus = {policies[row].sku_id for row in ordering}
    sites = {site.pk: site for site in Site.objects.filter(active=True)}
    site_ids = sorted(sites)
    site_index = {pk: i for i, pk in enumerate(site_ids)}
    skus = {
        sku.pk: sku
        for sku in Sku.objects.filter(pk__in=need_skus).only(
            "code", "unit_cost", "min_remaining_shelf_life_days"
        )
    }
    offer_rows = []
    for (sku_id, site_id), position in positions.items():
        if sku_id not in need_skus or site_id not in site_index or position.on_hand <= 0:
            continue
        row = by_key.get((sku_id, site_id))
        if row is not None:
            if suggestions.orders[row]:
                continue
            own_need = demand[row].sum() + policies[row].safety_stock
        else:
            own_need = 0.0
        surplus = math.floor(position.on_hand - own_need)
        if surplus <= 0:
            continue
        # A position refreshed before the plan's day may name a lot that has expired since:
        # such stock has no life left to move (the engine refuses a negative life).
        life = max((position.next_expiry - run.as_of).days, 0) if position.next_expiry else math.inf
        offer_rows.append((sku_id, site_index[site_id], surplus, life))
    if not offer_rows:
        return {}, []
    price = {row: float(policies[row].unit_price_paid) for row in ordering}
    need_rows = list(ordering)
    offers = StockOffers(
        sku=np.array([r[0] for r in offer_rows]),
        site=np.array([r[1] for r in offer_rows]),
        quantity=np.array([float(r[2]) for r in offer_rows]),
        remaining_life_days=np.array([float(r[3]) for r in offer_rows]),
    )
    needs = StockNeeds(
        sku=np.array([policies[row].sku_id for row in need_rows]),
        site=np.array([site_index[policies[row].site_id] for row in need_rows]),
        quantity=np.array([float(suggestions.quantity[row]) for row in need_rows]),
        daily_demand=np.array([max(float(demand[row].mean()), 1e-6) for row in need_rows]),
        unit_cost=np.array([price[row] for row in need_rows]),
        min_remaining_life_days=np.array(
            [
                float(skus[policies[row].sku_id].min_remaining_shelf_life_days or 0)
                for row in need_rows
            ]
        ),
    )
    unit_cost_by_sku = {sku_id: float(sku.unit_cost) for sku_id, sku in skus.items()}
    rate = run.parameters["transfer_cost_rate"]

    def cost(sku: np.ndarray, source: np.ndarray, destination: np.ndarray) -> np.ndarray:
        base = np.array([unit_cost_by_sku.get(int(s), 0.0) for s in sku]) * rate
        return np.where(source == destination, np.inf, np.maximum(base, 0.01))

    plan = plan_transfers(
        offers, needs, cost, transit_days=float(run.parameters["transfer_transit_days"])
    )
    incoming: dict[tuple[int, int], tuple[float, str]] = {}
    rows = []
    for transfer in plan.transfers:
        quantity = int(transfer.quantity)
        if quantity <= 0:
            continue
        source, destination = site_ids[transfer.source], site_ids[transfer.destination]
        units, names = incoming.get((transfer.sku, destination), (0.0, ""))
        code = sites[source].code
        incoming[(transfer.sku, destination)] = (
            units + quantity,
            f"{names}, {code}" if names else code,
        )
        rows.append(
            SuggestedTransfer(
                plan=run,
                sku_id=transfer.sku,
                source_id=source,
                destination_id=destination,
                quantity=quantity,
                unit_cost=money(transfer.unit_cost),
                saving=money(transfer.saving),
                reason=(
                    f"{sites[source].code} holds {quantity:,} units beyond its own needs for "
                    f"{run.parameters['horizon']} days; {sites[destination].code} is about to "
                    f"order: moving them saves {transfer.saving:,.2f} against buying new."
                ),
            )
        )
    return incoming, rows


def _order_rows(
    run: PlanRun,
    policies: list[InventoryPolicy],
    suggestions: Any,
    incoming: dict[tuple[int, int], tuple[float, str]],
) -> list[SuggestedOrder]:
    items = {
        (item.supplier_id, item.sku_id): item
        for item in SupplierItem.objects.filter(
            sku_id__in={p.sku_id for p in policies},
            supplier_id__in={p.supplier_id for p in policies},
        )
    }
    start = run.as_of
    rows = []
    for row in np.flatnonzero(suggestions.orders):
        policy = policies[row]
        if policy.supplier_id is None:
            continue  # no supplier to order from
        item = items.get((policy.supplier_id, policy.sku_id))
        if item is None:
            continue
        position = float(suggestions.position_at_order[row])
        quantity = float(suggestions.quantity[row])
        transfer_in, transfer_from = incoming.get((policy.sku_id, policy.site_id), (0.0, ""))
        if transfer_in:
            if position + transfer_in > policy.reorder_point:
                continue  # the transfer alone lifts the position above the reorder point
            quantity = _lot_rounded(quantity - transfer_in, policy.moq, policy.order_multiple)
        price = float(item.price_schedule.unit_price_at(quantity, item.unit_price))
        order_day = int(suggestions.order_day[row])
        arrival_day = int(suggestions.arrival_day[row])
        stockout_day = int(suggestions.stockout_day[row])
        facts = ReasonFacts(
            start=start,
            order_day=order_day,
            position=position,
            reorder_point=policy.reorder_point,
            stockout_day=stockout_day,
            arrival_day=arrival_day,
            backorders=0.0,
            lot_reason=policy.lot_reason,
            eoq=policy.eoq,
            moq=policy.moq,
            order_multiple=policy.order_multiple,
            lot_quantity=policy.order_quantity,
            quantity=quantity,
            lots=int(suggestions.lots[row]),
            capped=bool(suggestions.capped[row]),
            shelf_life_cap=policy.shelf_life_cap if policy.shelf_life_cap is not None else math.inf,
            transfer_in=transfer_in,
            transfer_from=transfer_from,
        )
        urgency = str(suggestions.urgency[row])
        units = int(quantity)
        rows.append(
            SuggestedOrder(
                plan=run,
                sku_id=policy.sku_id,
                site_id=policy.site_id,
                supplier_id=policy.supplier_id,
                urgency=urgency,
                urgency_rank=URGENCY_RANK[urgency],
                abc_class=policy.abc_class,
                quantity=units,
                order_date=start + timedelta(days=order_day),
                arrival_date=start + timedelta(days=arrival_day),
                unit_price=money(price),
                list_price=money(item.unit_price),
                value=money(price * units),
                suggested_quantity=units,
                suggested_order_date=start + timedelta(days=order_day),
                lead_time_days=max(arrival_day - order_day, 0),
                moq=int(policy.moq),
                order_multiple=int(policy.order_multiple),
                shelf_life_cap=(
                    int(policy.shelf_life_cap)
                    if policy.shelf_life_cap is not None and policy.shelf_life_cap >= 1
                    else None
                ),
                price_breaks=item.price_breaks or [],
                inventory_position=round(position),
                reorder_point=round(policy.reorder_point, 1),
                safety_stock=round(policy.safety_stock, 1),
                stockout_date=(start + timedelta(days=stockout_day)) if stockout_day >= 0 else None,
                reason_codes=reason_codes(facts),
                reason=reason_text(facts),
                projection={
                    "start": start.isoformat(),
                    "without": [round(float(v), 1) for v in suggestions.on_hand_without[row]],
                    "with": [round(float(v), 1) for v in suggestions.on_hand_with[row]],
                    "reorder_point": round(policy.reorder_point, 1),
                    "safety_stock": round(policy.safety_stock, 1),
                },
            )
        )
    return rows


def _lot_rounded(quantity: float, moq: float, multiple: float) -> float:
    """The smallest quantity the supplier accepts that covers `quantity`."""
    return max(moq, math.ceil(max(quantity, 1.0) / multiple) * multiple)


# ---- publishing -------------------------------------------------------------------------------


def plan_run_publish(*, run_id: int) -> PlanRun:
    """Make the run current if every chunk finished; otherwise mark it failed. Suggestions a
    planner is working on in the current plan move into the new one (replacing the new plan's
    own figures for those SKU-sites); the pointer switch happens in the same transaction."""
    with transaction.atomic():
        advisory_xact_lock(RUN_LOCK)
        run = PlanRun.objects.select_for_update().get(pk=run_id)
        if run.status in (PlanRunStatus.FAILED, PlanRunStatus.SUCCEEDED):
            return run
        done = run.chunks.count()
        now = timezone.now()
        if done != run.chunks_total:
            run.status = PlanRunStatus.FAILED
            run.error = f"Only {done} of {run.chunks_total} chunks finished."
        else:
            previous = current_plan()
            carried = _carry_over(run, previous)
            dropped = _drop_decided_meanwhile(run)
            run.status = PlanRunStatus.SUCCEEDED
            run.summary = _summary(run, carried=carried, dropped=dropped)
            PlanPublication.objects.update_or_create(
                name="current", defaults={"run": run, "published_at": now}
            )
        run.finished_at = now
        run.save(update_fields=["status", "error", "summary", "finished_at"])
    if run.status == PlanRunStatus.SUCCEEDED:
        analyze_tables(SuggestedOrder, SuggestedTransfer)
    return run


def _carry_over(run: PlanRun, previous: PlanRun | None) -> int:
    if previous is None:
        return 0
    touched = list(
        SuggestedOrder.objects.select_for_update()
        .filter(plan=previous, status__in=TOUCHED_OPEN_STATUSES)
        .values_list("pk", "sku_id", "site_id")
    )
    if not touched:
        return 0
    by_sku: dict[int, set[int]] = defaultdict(set)
    for _, sku_id, site_id in touched:
        by_sku[sku_id].add(site_id)
    replaced = Q()
    for sku_id, site_ids in by_sku.items():
        replaced |= Q(sku_id=sku_id, site_id__in=site_ids)
    SuggestedOrder.objects.filter(replaced, plan=run).delete()
    carried = SuggestedOrder.objects.filter(pk__in=[pk for pk, _, _ in touched])
    return audited_update(carried, plan=run)


def _drop_decided_meanwhile(run: PlanRun) -> int:
    """Leave out SKU-sites approved after the run read its data: their order is open now."""
    decided = list(
        SuggestedOrder.objects.filter(
            status=SuggestionStatus.APPROVED, decided_at__gte=run.created_at
        )
        .exclude(plan=run)
        .values_list("sku_id", "site_id")
    )
    if not decided:
        return 0
    stale = Q()
    for sku_id, site_id in decided:
        stale |= Q(sku_id=sku_id, site_id=site_id)
    deleted, _ = SuggestedOrder.objects.filter(
        stale, plan=run, status=SuggestionStatus.PROPOSED
    ).delete()
    return deleted


def _summary(run: PlanRun, *, carried: int, dropped: int) -> dict[str, Any]:
    orders = SuggestedOrder.objects.filter(plan=run)
    by_urgency = dict(orders.values_list("urgency").annotate(n=Count("pk")).order_by())
    transfers = SuggestedTransfer.objects.filter(plan=run)
    totals = orders.aggregate(value=Sum("value"))
    return {
        "orders": orders.count(),
        "orders_value": float(totals["value"] or 0),
        "by_urgency": {urgency: by_urgency.get(urgency, 0) for urgency in URGENCIES},
        "transfers": transfers.count(),
        "replenishment_transfers": transfers.filter(kind=TransferKind.REPLENISHMENT).count(),
        "replenishment_transfers_cut": transfers.filter(
            kind=TransferKind.REPLENISHMENT, requested_quantity__gt=F("quantity")
        ).count(),
        "transfer_saving": float(transfers.aggregate(s=Sum("saving"))["s"] or 0),
        "carried_over": carried,
        "left_out_decided_meanwhile": dropped,
    }
