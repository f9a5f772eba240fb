"""Policy refresh: every SKU-site's replenishment parameters from the current forecast.

Inputs per SKU-site (forecast SKU-sites only: a policy needs a demand forecast):
- demand: the current run's forecast with planner overrides applied
  (forecasting.selectors.effective_forecasts), averaged over the protection period
  (lead time + review period, at least a week), and its daily error deviation;
- supplier: the SKU's primary supplier item, else its cheapest; its price, price breaks,
  order cost, MOQ and multiple;
- lead time: the supplier-SKU's estimate from receipts (or its terms when history is thin);
  without a supplier item, settings.OPTIMIZATION_DEFAULT_LEAD_TIME_DAYS and the engine's
  rule-of-thumb deviation;
- classes: ABC and XYZ from the stock position, criticality from the SKU; shelf life at
  arrival = the SKU's shelf life, usable down to its minimum remaining shelf life.

Along the network's paths (optimization.selectors.network, inventory.rules): a SKU-site
replenished by transfer from its parent site has no supplier; its lead time is the site's
transit days plus settings.OPTIMIZATION_TRANSFER_HANDLING_DAYS, with a deviation of
TRANSFER_LEAD_TIME_STD_DAYS; its price is the SKU's unit cost, its order cost
settings.OPTIMIZATION_TRANSFER_ORDER_COST, MOQ and multiple 1; `source_site` names the parent.
Every site such SKU-sites are replenished from gets a policy for the SKU too, even without
demand of its own: its demand is its echelon demand (optimization.engine.network_demand: its
own forecast plus that of every SKU-site it feeds, recursively), and it is replenished its own
way (its supplier, or its own parent).
"""

import math
import time
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from common.errors import DomainError
from common.locks import advisory_xact_lock
from forecasting import selectors as forecast_selectors
from forecasting.models import ForecastRun, LeadTimeEstimate, SeriesForecast
from forecasting.services import current_run
from inventory.models import Sku, StockPosition
from inventory.services.position_levels import positions_set_policy_levels
from optimization.engine.network_demand import echelon_demand
from optimization.engine.policy import Policies, PolicyConfig, PolicyInputs, compute_policies
from optimization.engine.safety_stock import periodic_review_fill_rate
from optimization.engine.textbook import (
    TEXTBOOK_HISTORY_DAYS,
    placeable_quantity,
    textbook_policies,
)
from optimization.engine.types import DAYS_PER_YEAR
from optimization.models import InventoryPolicy, LeadTimeBasis, PolicyRun, PolicyRunStatus
from optimization.selectors.network import ReplenishmentPaths, replenishment_paths
from suppliers.models import SupplierItem
from suppliers.price_breaks import PriceBreaks, engine_arrays

REFRESH_LOCK = "optimization.policies_refresh"
MIN_PROTECTION_DAYS = 7
OPTIMIZED, TEXTBOOK = "optimized", "textbook"
POLICY_METHODS = (OPTIMIZED, TEXTBOOK)
# A transfer runs on the network's own schedule, so its timing varies far less than a
# supplier's: half a day covers a pick or a truck slipping to the next run. Not zero, so the
# safety stock still covers some timing risk on the shortest routes.
TRANSFER_LEAD_TIME_STD_DAYS = 0.5


class PolicyRefreshRefused(DomainError):
    code = "policy_refresh_refused"


@dataclass(frozen=True)
class PolicyData:
    """What the engine reads, per SKU-site, and what the rows need besides."""

    keys: list[tuple[int, int]]
    inputs: PolicyInputs
    supplier_ids: list[int | None]
    lead_time_basis: list[str]
    skipped: dict[str, int]
    source_site_ids: list[int | None] = field(default_factory=list)


def _supplier_items() -> dict[int, SupplierItem]:
    """Per SKU, the supplier item to plan with: the primary one, else the cheapest."""
    chosen: dict[int, SupplierItem] = {}
    for item in SupplierItem.objects.filter(supplier__active=True).order_by(
        "sku_id", "-is_primary", "unit_price", "pk"
    ):
        chosen.setdefault(item.sku_id, item)
    return chosen


def policy_data(run: ForecastRun, *, upstream_sites: bool = True) -> PolicyData:
    """Gather every forecast SKU-site's inputs from a forecast run, in (sku, site) order,
    along the network's replenishment paths; with `upstream_sites`, also the sites that
    replenish them by transfer (their echelon demand)."""
    forecasts = forecast_selectors.effective_forecasts(run)
    error_std = {
        (sku, site): std
        for sku, site, std in SeriesForecast.objects.filter(run=run).values_list(
            "sku_id", "site_id", "error_std"
        )
    }
    paths = replenishment_paths()
    if upstream_sites:
        forecasts, error_std = with_echelon_demand(forecasts, error_std, paths)
    return policy_data_from(forecasts, error_std, paths=paths)


def with_echelon_demand(
    forecasts: dict[tuple[int, int], list[float]],
    error_std: dict[tuple[int, int], float],
    paths: ReplenishmentPaths,
) -> tuple[dict[tuple[int, int], list[float]], dict[tuple[int, int], float]]:
    """The forecasts and error deviations with every site that replenishes others by transfer
    taking its echelon demand (its own and theirs, optimization.engine.network_demand); the
    other SKU-sites keep theirs."""
    by_sku: dict[int, dict[int, list[float]]] = {}
    for (sku_id, site_id), values in forecasts.items():
        by_sku.setdefault(sku_id, {})[site_id] = values
    out_forecasts, out_std = dict(forecasts), dict(error_std)
    for sku_id, own in by_sku.items():
        fed_from = paths.fed_from(sku_id)
        if not any(site in fed_from for site in own):
            continue
        echelon = echelon_demand(
            own_daily={site: np.asarray(values, dtype=float) for site, values in own.items()},
            own_error_std={site: error_std.get((sku_id, site), 0.0) for site in own},
            fed_from=fed_from,
        )
        for site_id, demand in echelon.items():
            if demand.fed:
                out_forecasts[(sku_id, site_id)] = demand.daily.tolist()
                out_std[(sku_id, site_id)] = demand.error_std
    return out_forecasts, out_std


def policy_data_from(
    forecasts: dict[tuple[int, int], list[float]],
    error_std: dict[tuple[int, int], float],
    *,
    paths: ReplenishmentPaths | None = None,
) -> PolicyData:
    """The engine's inputs for the SKU-sites of `forecasts` (daily values from the first
    forecast day) with their daily error deviations, and the master data of today. Without
    `paths` every SKU-site buys from its supplier."""
    review = float(settings.OPTIMIZATION_REVIEW_PERIOD_DAYS)
    handling = float(settings.OPTIMIZATION_TRANSFER_HANDLING_DAYS)
    transfer_order_cost = float(settings.OPTIMIZATION_TRANSFER_ORDER_COST)
    classes = {
        (sku, site): (abc, xyz)
        for sku, site, abc, xyz in StockPosition.objects.values_list(
            "sku_id", "site_id", "abc_class", "xyz_class"
        )
    }
    skus = {
        sku.pk: sku
        for sku in Sku.objects.only(
            "criticality", "shelf_life_days", "min_remaining_shelf_life_days", "unit_cost"
        )
    }
    items = _supplier_items()
    lead_times = {
        (estimate.supplier_id, estimate.sku_id): estimate
        for estimate in LeadTimeEstimate.objects.all()
    }
    keys, rows, sources, skipped = [], [], [], {"no_price": 0}
    for key in sorted(forecasts):
        sku = skus[key[0]]
        source_site = paths.source_of(*key) if paths is not None else None
        item = items.get(key[0]) if source_site is None else None
        price = float(item.unit_price) if item else float(sku.unit_cost)
        if price <= 0:
            skipped["no_price"] += 1
            continue
        if source_site is not None and paths is not None:
            lead = float(paths.transit_days.get(key[1], 0)) + handling
            lead_std, basis = TRANSFER_LEAD_TIME_STD_DAYS, str(LeadTimeBasis.TRANSIT)
        elif item is not None:
            estimate = lead_times.get((item.supplier_id, item.sku_id))
            if estimate is not None:
                lead, lead_std = estimate.mean_days, estimate.std_days
                basis = estimate.source
            else:
                lead, lead_std = float(item.lead_time_mean_days), float(item.lead_time_std_days)
                basis = LeadTimeBasis.TERMS
        else:
            lead, lead_std, basis = math.nan, math.nan, LeadTimeBasis.DEFAULT
        days = len(forecasts[key])
        protection = (
            float(settings.OPTIMIZATION_DEFAULT_LEAD_TIME_DAYS) if math.isnan(lead) else lead
        )
        window = min(max(math.ceil(protection + review), MIN_PROTECTION_DAYS), days)
        abc, xyz = classes.get(key, ("", ""))
        keys.append(key)
        sources.append(source_site)
        if source_site is not None:
            order_cost = transfer_order_cost
        elif item is not None:
            order_cost = float(item.cost_per_order)
        else:
            order_cost = float(settings.OPTIMIZATION_ORDER_COST)
        rows.append(
            (
                float(np.mean(forecasts[key][:window])) if window else 0.0,
                error_std.get(key, 0.0),
                lead,
                lead_std,
                price,
                order_cost,
                float(item.moq) if item else 1.0,
                float(item.order_multiple) if item else 1.0,
                float(sku.shelf_life_days) if sku.shelf_life_days else math.inf,
                float(sku.min_remaining_shelf_life_days or 0),
                abc,
                xyz,
                sku.criticality,
                item,
                basis,
            )
        )
    columns = list(zip(*rows, strict=True)) if rows else [()] * 15
    item_list = list(columns[13])
    break_quantities, break_prices = engine_arrays(
        [item.price_schedule if item else PriceBreaks() for item in item_list]
    )
    inputs = PolicyInputs(
        demand_mean=np.array(columns[0], dtype=float),
        demand_error_std=np.array(columns[1], dtype=float),
        lead_time_mean=np.array(columns[2], dtype=float),
        lead_time_std=np.array(columns[3], dtype=float),
        review_period=review,
        unit_price=np.array(columns[4], dtype=float),
        order_cost=np.array(columns[5], dtype=float),
        moq=np.array(columns[6], dtype=float),
        order_multiple=np.array(columns[7], dtype=float),
        remaining_life_days=np.array(columns[8], dtype=float),
        min_usable_life_days=np.array(columns[9], dtype=float),
        abc=np.array(columns[10], dtype=str),
        xyz=np.array(columns[11], dtype=str),
        criticality=np.array(columns[12], dtype=str),
        holding_rate=float(settings.OPTIMIZATION_HOLDING_RATE),
        break_quantities=break_quantities,
        break_prices=break_prices,
    )
    return PolicyData(
        keys=keys,
        inputs=inputs,
        supplier_ids=[item.supplier_id if item else None for item in item_list],
        lead_time_basis=list(columns[14]),
        skipped=skipped,
        source_site_ids=sources,
    )


def textbook_policy_data(*, today: date) -> tuple[PolicyData, Policies]:
    """The seed's textbook policy (optimization.engine.textbook) of every SKU-site with demand
    in the TEXTBOOK_HISTORY_DAYS days before `today`, shaped as the stored policies are, so the
    plan uses them unchanged.

    Read in one query (forecasting.selectors.demand_matrix). Supplier, terms, lead time and
    classes come from `policy_data_from` as for our policies, with the trailing mean as the
    flat forecast and the raw daily deviation as its error; the service target and the lead
    time actually used (a missing one takes the default) are those `compute_policies` gives
    ours. Then: SS = z sqrt(L) sigma and ROP = d L + SS (`safety_stock`, `reorder_point`);
    `eoq` the plain EOQ and `order_quantity` that lifted once to what the supplier accepts
    (MOQ, multiple: the plan treats Q as a ready lot); no shelf-life cap; price breaks ignored
    (the base price is paid); under periodic review, L + R in place of L (`order_up_to` =
    d (L + R) + z sqrt(L + R) sigma). `expected_fill_rate` is what these parameters deliver
    by our exact daily-review formula with the raw deviation, for comparison."""
    demand_keys = forecast_selectors.series_keys(as_of=today, history_days=TEXTBOOK_HISTORY_DAYS)
    demand_history = forecast_selectors.demand_matrix(
        demand_keys, as_of=today, history_days=TEXTBOOK_HISTORY_DAYS
    )
    paths = replenishment_paths()
    # Along the replenishment paths a site that feeds others sees their demand too: its raw
    # history is the sum of theirs and its own, day by day (the same tree as our policies).
    by_key, _ = with_echelon_demand(
        {key: demand_history[row].tolist() for row, key in enumerate(demand_keys)},
        dict.fromkeys(demand_keys, 0.0),
        paths,
    )
    keys = sorted(by_key)
    history = np.array([by_key[key] for key in keys], dtype=float).reshape(
        len(keys), TEXTBOOK_HISTORY_DAYS
    )
    mean, std = history.mean(axis=1), history.std(axis=1)
    data = policy_data_from(
        {key: [float(mean[row])] for row, key in enumerate(keys)},
        {key: float(std[row]) for row, key in enumerate(keys)},
        paths=paths,
    )
    position = {key: row for row, key in enumerate(keys)}
    rows = np.array([position[key] for key in data.keys], dtype=int)
    ours = compute_policies(
        data.inputs,
        PolicyConfig(default_lead_time_days=settings.OPTIMIZATION_DEFAULT_LEAD_TIME_DAYS),
    )
    inputs = ours.inputs
    lead, review = ours.lead_time_mean, np.asarray(inputs.review_period)
    textbook, periodic = (
        textbook_policies(
            history[rows],
            service_level=ours.service_level,
            lead_time=protection,
            order_cost=inputs.order_cost,
            unit_price=inputs.unit_price,
            holding_rate=inputs.holding_rate,
        )
        for protection in (lead, lead + review)
    )
    quantity = placeable_quantity(textbook.order_quantity, inputs.moq, inputs.order_multiple)
    price = np.asarray(inputs.unit_price)
    annual = textbook.demand_mean * DAYS_PER_YEAR
    holding = np.asarray(inputs.holding_rate) * price
    policies = replace(
        ours,
        order_quantity=quantity,
        eoq=textbook.order_quantity,
        unit_price_paid=price,
        annual_cost=annual * price
        + annual * np.asarray(inputs.order_cost) / quantity
        + holding * quantity / 2,
        shelf_life_cap=np.full(len(rows), np.inf),
        lot_reason=np.where(np.asarray(inputs.moq) > textbook.order_quantity, "moq", "eoq"),
        safety_stock=textbook.safety_stock,
        reorder_point=textbook.reorder_point,
        safety_stock_periodic=periodic.safety_stock,
        order_up_to=periodic.reorder_point,
        expected_fill_rate=periodic_review_fill_rate(
            textbook.reorder_point,
            quantity,
            demand_mean=textbook.demand_mean,
            demand_error_std=textbook.demand_std,
            lead_time_mean=lead,
            lead_time_std=ours.lead_time_std,
        ),
    )
    return data, policies


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def policies_refresh(
    *, actor: User | None = None, today: date | None = None, method: str | None = None
) -> PolicyRun:
    """Recompute every SKU-site's policy and replace the stored policies in one transaction.
    One refresh at a time (advisory lock).

    `method` (default settings.OPTIMIZATION_POLICY_METHOD): "optimized", our policies from the
    current forecast, refused with nothing written when no forecast is published; or
    "textbook", the seed's rule from the trailing year of demand before `today`
    (`textbook_policy_data`), for comparing the two on the same world. The method is kept in
    the run's parameters."""
    method = method or settings.OPTIMIZATION_POLICY_METHOD
    if method not in POLICY_METHODS:
        raise PolicyRefreshRefused(
            f"Unknown policy method {method!r}: use one of {', '.join(POLICY_METHODS)}.",
            fields={"method": [f"One of {', '.join(POLICY_METHODS)}."]},
        )
    forecast = current_run()
    if forecast is None and method == OPTIMIZED:
        raise PolicyRefreshRefused("No forecast is published yet: policies need one.")
    started = time.perf_counter()
    parameters = {
        "method": method,
        "holding_rate": settings.OPTIMIZATION_HOLDING_RATE,
        "review_period_days": settings.OPTIMIZATION_REVIEW_PERIOD_DAYS,
        "default_lead_time_days": settings.OPTIMIZATION_DEFAULT_LEAD_TIME_DAYS,
        "order_cost": settings.OPTIMIZATION_ORDER_COST,
        "transfer_handling_days": settings.OPTIMIZATION_TRANSFER_HANDLING_DAYS,
        "transfer_order_cost": settings.OPTIMIZATION_TRANSFER_ORDER_COST,
    }
    if method == TEXTBOOK:
        parameters["history_days"] = TEXTBOOK_HISTORY_DAYS
    run = PolicyRun.objects.create(
        forecast_run=forecast if method == OPTIMIZED else None,
        parameters=parameters,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        if method == OPTIMIZED and forecast is not None:  # refused above without one
            data = policy_data(forecast)
            read = time.perf_counter()
            policies = compute_policies(
                data.inputs,
                PolicyConfig(default_lead_time_days=settings.OPTIMIZATION_DEFAULT_LEAD_TIME_DAYS),
            )
            computed = time.perf_counter()
        else:
            data, policies = textbook_policy_data(today=today or timezone.localdate())
            read = computed = time.perf_counter()
        rows = _policy_rows(run, data, policies)
        with transaction.atomic():
            advisory_xact_lock(REFRESH_LOCK)
            InventoryPolicy.objects.all().delete()
            InventoryPolicy.objects.bulk_create(rows, batch_size=2000)
            positions_set_policy_levels(
                levels={
                    (row.sku_id, row.site_id): (row.safety_stock, row.reorder_point) for row in rows
                }
            )
            run.status = PolicyRunStatus.SUCCEEDED
            run.policies_total = len(rows)
            run.finished_at = timezone.now()
            run.summary = {
                **_summary(data, policies),
                "skipped": data.skipped,
                "timings": {
                    "read_s": round(read - started, 3),
                    "compute_s": round(computed - read, 3),
                    "write_s": round(time.perf_counter() - computed, 3),
                },
            }
            run.save(update_fields=["status", "policies_total", "finished_at", "summary"])
    except Exception as error:
        PolicyRun.objects.filter(pk=run.pk).update(
            status=PolicyRunStatus.FAILED,
            error=f"{type(error).__name__}: {error}"[:4000],
            finished_at=timezone.now(),
        )
        raise
    return run


def _policy_rows(run: PolicyRun, data: PolicyData, policies: Any) -> list[InventoryPolicy]:
    inputs = policies.inputs
    expected = policies.expected_fill_rate
    rows = []
    for i, (sku_id, site_id) in enumerate(data.keys):
        rows.append(
            InventoryPolicy(
                sku_id=sku_id,
                site_id=site_id,
                run=run,
                supplier_id=data.supplier_ids[i],
                source_site_id=data.source_site_ids[i] if data.source_site_ids else None,
                demand_mean=float(inputs.demand_mean[i]),
                demand_error_std=float(inputs.demand_error_std[i]),
                lead_time_mean=float(policies.lead_time_mean[i]),
                lead_time_std=float(policies.lead_time_std[i]),
                lead_time_basis=data.lead_time_basis[i],
                review_period=float(inputs.review_period[i]),
                unit_price=float(inputs.unit_price[i]),
                order_cost=float(inputs.order_cost[i]),
                holding_rate=float(inputs.holding_rate[i]),
                moq=float(inputs.moq[i]),
                order_multiple=float(inputs.order_multiple[i]),
                remaining_life_days=_finite_or_none(inputs.remaining_life_days[i]),
                min_usable_life_days=float(inputs.min_usable_life_days[i]),
                abc_class=str(inputs.abc[i]),
                xyz_class=str(inputs.xyz[i]),
                criticality=str(inputs.criticality[i]),
                service_kind=str(policies.service_kind[i]),
                service_level=float(policies.service_level[i]),
                order_quantity=float(policies.order_quantity[i]),
                eoq=float(policies.eoq[i]),
                unit_price_paid=float(policies.unit_price_paid[i]),
                annual_cost=float(policies.annual_cost[i]),
                shelf_life_cap=_finite_or_none(policies.shelf_life_cap[i]),
                lot_reason=str(policies.lot_reason[i]),
                safety_stock=float(policies.safety_stock[i]),
                reorder_point=float(policies.reorder_point[i]),
                expected_fill_rate=float(expected[i]),
                safety_stock_periodic=float(policies.safety_stock_periodic[i]),
                order_up_to=float(policies.order_up_to[i]),
            )
        )
    return rows


def _summary(data: PolicyData, policies: Any) -> dict[str, Any]:
    """Totals of the policies just computed (read from the engine's arrays, not back from
    the table)."""

    def counts(values: Any) -> dict[str, int]:
        labels, n = np.unique(np.asarray(values, dtype=str), return_counts=True)
        return {str(label): int(count) for label, count in zip(labels, n, strict=True)}

    price = np.asarray(policies.inputs.unit_price)
    return {
        "safety_stock_value": round(float(np.sum(policies.safety_stock * price)), 2),
        "cycle_stock_value": round(
            float(np.sum(policies.order_quantity / 2 * policies.unit_price_paid)), 2
        ),
        "lot_reasons": counts(policies.lot_reason),
        "service_kinds": counts(policies.service_kind),
        "lead_time_basis": counts(data.lead_time_basis),
        "replenished_by_transfer": sum(site is not None for site in data.source_site_ids),
        "annual_cost": round(float(np.sum(policies.annual_cost)), 2),
    }
