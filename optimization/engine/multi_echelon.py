"""Multi-echelon safety stock: the guaranteed-service model (Graves & Willems 2000) on a
distribution tree, solved exactly by dynamic programming over whole-day service times.

Network. Stages j = 0 .. m-1 (sites holding one SKU); `parent[j]` is the stage that
replenishes j, -1 for a stage supplied from outside the network (a root: the plant, or a DC
buying from a supplier). Material flows from the roots (plant -> DC -> warehouse -> hospital)
to the leaves; a forest (several roots) is allowed. Per stage:

- T_j, processing time: days from receiving the inputs to the stock being available to ship
  (transport from the parent, put-away, release), a whole number >= 0;
- h_j, holding cost: money per unit per year;
- sigma_ext_j: standard deviation of the daily demand of stage j's own end customers, units
  per day (0 where it has none);
- s_j, maximum service time: days within which stage j promises to serve its end customers
  (default 0 at leaves and at stages with end-customer demand, unbounded elsewhere);
- for roots, SI_ext: the service time the outside supplier guarantees (days);
- z_j: the safety factor (e.g. 1.645 for a 95 % cycle service level).

Model. Each stage quotes an outbound service time S_j (whole days) to the stages it
replenishes and to its end customers. Its inbound service time is SI_j = S_parent(j) (SI_ext
for a root), and it must cover demand over its net replenishment time

    tau_j = SI_j + T_j - S_j >= 0,

with safety stock SS_j = z_j * sigma_j * sqrt(tau_j), where sigma_j = sqrt(sum of sigma_ext_i^2
over the stages i it supplies, itself included) pools the independent demands below it.
Service times minimise the holding cost sum_j h_j SS_j (money per year) subject to
0 <= S_j <= s_j. As in Graves & Willems, demand beyond the bound z sigma sqrt(tau) is met by
measures outside the model (expediting, overtime), and pipeline stock does not depend on the
service times, so it is left out.

Dynamic program. The cost of stage j's subtree depends on the rest of the network only
through SI_j, so for each inbound service time SI = 0 .. MI_j (MI_j the longest possible):

    C_j(SI) = min over S in 0 .. min(SI + T_j, s_j) of
              h_j z_j sigma_j sqrt(SI + T_j - S) + sum over children c of C_c(S)

computed leaves first; the optimum is the sum over roots of C_r(SI_ext,r) and the S_j are read
back from the roots down. This is exact for integer service times, in O(sum_j MI_j * MS_j)
per SKU (MS_j = MI_j + T_j, in days). Ties go to the shorter service time.

Batches. Every per-stage input may have shape (stages,) or (items, stages), one row per SKU
on the same network; all rows are solved at once and results always have shape
(items, stages) (items = 1 for a single network).

`single_echelon` is the comparison planners know: every stage quotes S_j = 0 and so holds
stock for its whole replenishment time, tau_j = SI_j + T_j. `compare` gives both and the
saving.
"""

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from optimization.engine.types import EngineInputError, where, whole


@dataclass(frozen=True)
class Network:
    """A validated distribution tree with per-item stage data, all of shape (items, stages)
    except `parent` and `order` (stages,). Build it with `network(...)`.

    `order` lists the stages parents first; `pooled_std` is sigma_j (units per day)."""

    parent: np.ndarray
    order: np.ndarray
    processing_time: np.ndarray
    holding_cost: np.ndarray
    demand_std: np.ndarray
    pooled_std: np.ndarray
    max_service_time: np.ndarray
    external_service_time: np.ndarray

    @property
    def stages(self) -> int:
        return self.parent.size

    @property
    def items(self) -> int:
        return int(self.processing_time.shape[0])

    def children(self, stage: int) -> np.ndarray:
        return np.flatnonzero(self.parent == stage)


@dataclass(frozen=True)
class ServicePlan:
    """Service times and safety stocks, shape (items, stages); `total_cost` (items,).

    `service_out` S_j and `service_in` SI_j (days), `net_replenishment_time` tau_j (days),
    `safety_stock` z sigma_j sqrt(tau_j) (units), `holding_cost` h_j * SS_j and `total_cost`
    their sum per item (money per year)."""

    service_out: np.ndarray
    service_in: np.ndarray
    net_replenishment_time: np.ndarray
    safety_stock: np.ndarray
    holding_cost: np.ndarray
    total_cost: np.ndarray


@dataclass(frozen=True)
class EchelonComparison:
    """The guaranteed-service optimum beside the single-echelon plan, and the saving in
    holding cost (money per year and share of the single-echelon cost; 0 where that is 0)."""

    guaranteed: ServicePlan
    single: ServicePlan
    saving: np.ndarray
    saving_share: np.ndarray


def _topological(parent: np.ndarray) -> np.ndarray:
    stages = parent.size
    children: list[list[int]] = [[] for _ in range(stages)]
    for stage, up in enumerate(parent.tolist()):
        if up >= 0:
            children[up].append(stage)
    queue = deque(int(stage) for stage in np.flatnonzero(parent < 0))
    order: list[int] = []
    while queue:
        stage = queue.popleft()
        order.append(stage)
        queue.extend(children[stage])
    if len(order) != stages:
        raise EngineInputError(
            "The network has a cycle: every stage must lead up to a stage supplied from "
            f"outside (parent -1); {stages - len(order)} stage(s) do not."
        )
    return np.array(order, dtype=np.int64)


def _stage_values(
    value: object, shape: tuple[int, int], name: str, *, allow_inf: bool = False
) -> np.ndarray:
    try:
        out = np.broadcast_to(np.asarray(value, dtype=np.float64), shape).copy()
    except (TypeError, ValueError) as error:
        raise EngineInputError(
            f"{name} must be a number, one value per stage ({shape[1]}) or an "
            f"(items, stages) array."
        ) from error
    bad = np.isnan(out) | (out < 0) | (~allow_inf & np.isinf(out))
    if bad.any():
        raise EngineInputError(
            f"{name} must be finite numbers >= 0, and is not {where(bad, out, 'item')}."
        )
    return out


def network(
    parent: np.ndarray | list[int],
    processing_time: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    demand_std: npt.ArrayLike,
    *,
    max_service_time: np.ndarray | float | None = None,
    external_service_time: np.ndarray | float = 0.0,
) -> Network:
    """Validate a tree and its stage data (see the module docstring for meanings and units).

    `external_service_time` is read at root stages only; `max_service_time` may be infinity
    (no promise to end customers)."""
    parents = np.asarray(parent)
    if parents.ndim != 1 or parents.size == 0:
        raise EngineInputError("parent must be a non-empty 1-D array of stage indexes.")
    if not np.issubdtype(parents.dtype, np.integer) and (
        not np.all(np.isfinite(parents)) or np.any(parents != np.round(parents))
    ):
        raise EngineInputError("parent must hold whole stage indexes (-1 for a root).")
    parents = parents.astype(np.int64)
    stages = parents.size
    bad = (parents < -1) | (parents >= stages) | (parents == np.arange(stages))
    if bad.any():
        raise EngineInputError(
            f"parent must be -1 or the index of another stage, and is not "
            f"{where(bad, parents, 'stage')}."
        )
    order = _topological(parents)

    arrays = [processing_time, holding_cost, demand_std, max_service_time, external_service_time]
    given = [np.shape(a) for a in arrays if a is not None]
    if any(len(dims) > 2 for dims in given):
        raise EngineInputError("Stage data must have shape (stages,) or (items, stages).")
    items = max([dims[0] for dims in given if len(dims) == 2] or [1])
    shape = (items, stages)
    lead = whole(processing_time, shape, "Processing time")
    holding = _stage_values(holding_cost, shape, "Holding cost")
    external = _stage_values(demand_std, shape, "Demand standard deviation")
    supply = whole(external_service_time, shape, "External service time")

    leaf = np.ones(stages, dtype=bool)
    leaf[parents[parents >= 0]] = False
    if max_service_time is None:
        bound = np.where(leaf[None, :] | (external > 0), 0.0, np.inf)
    else:
        bound = whole(max_service_time, shape, "Maximum service time", allow_inf=True)

    variance = external**2
    for stage in order[::-1]:  # children before parents
        up = parents[stage]
        if up >= 0:
            variance[:, up] += variance[:, stage]
    return Network(
        parent=parents,
        order=order,
        processing_time=lead,
        holding_cost=holding,
        demand_std=external,
        pooled_std=np.sqrt(variance),
        max_service_time=bound,
        external_service_time=supply,
    )


def _safety_factor(z: np.ndarray | float, net: Network) -> np.ndarray:
    return _stage_values(z, (net.items, net.stages), "Safety factor z")


def evaluate(net: Network, service_out: np.ndarray, *, z: np.ndarray | float) -> ServicePlan:
    """The plan for given outbound service times S (stages,) or (items, stages): inbound
    times, net replenishment times, safety stocks and costs. Refuses service times that break
    a bound or leave a negative net replenishment time."""
    shape = (net.items, net.stages)
    factor = _safety_factor(z, net)
    out = whole(service_out, shape, "Service time")
    inbound = np.empty(shape)
    for stage in net.order:
        up = net.parent[stage]
        inbound[:, stage] = net.external_service_time[:, stage] if up < 0 else out[:, up]
    tau = inbound + net.processing_time - out
    late = out > net.max_service_time
    if late.any():
        raise EngineInputError(
            f"A service time exceeds its stage's maximum {where(late, out, 'item')}."
        )
    if (tau < 0).any():
        raise EngineInputError(
            "A service time exceeds inbound service time + processing time (a negative net "
            f"replenishment time) {where(tau < 0, tau, 'item')}."
        )
    stock = factor * net.pooled_std * np.sqrt(tau)
    cost = net.holding_cost * stock
    return ServicePlan(
        service_out=out.astype(np.int64),
        service_in=inbound.astype(np.int64),
        net_replenishment_time=tau.astype(np.int64),
        safety_stock=stock,
        holding_cost=cost,
        total_cost=cost.sum(axis=1),
    )


def guaranteed_service(net: Network, *, z: np.ndarray | float) -> ServicePlan:
    """The service times that minimise total safety-stock holding cost (the dynamic program of
    the module docstring), with their plan."""
    factor = _safety_factor(z, net)
    items = net.items
    rows = np.arange(items)
    weight = net.holding_cost * factor * net.pooled_std  # money per year per sqrt(day)
    lead = net.processing_time.astype(np.int64)

    # Longest inbound (MI) and outbound (MS) service times per stage, over all items: S can
    # exceed neither SI + T nor the stage's largest finite maximum service time.
    longest_in = np.zeros(net.stages, dtype=np.int64)
    longest_out = np.zeros(net.stages, dtype=np.int64)
    for stage in net.order:
        up = net.parent[stage]
        if up < 0:
            longest_in[stage] = int(net.external_service_time[:, stage].max())
        else:
            longest_in[stage] = longest_out[up]
        longest_out[stage] = longest_in[stage] + int(lead[:, stage].max())
        bound = net.max_service_time[:, stage].max()
        if np.isfinite(bound):
            longest_out[stage] = min(longest_out[stage], int(bound))

    best_cost: dict[int, np.ndarray] = {}  # stage -> C_j, (items, MI_j + 1)
    best_out: dict[int, np.ndarray] = {}  # stage -> the S reaching it, (items, MI_j + 1)
    for stage in net.order[::-1]:
        span = longest_out[stage] + 1
        below = np.zeros((items, span))
        for child in net.children(stage):
            below += best_cost.pop(int(child))
        outbound = np.arange(span)[None, :]
        below = np.where(outbound <= net.max_service_time[:, stage : stage + 1], below, np.inf)
        # table[i, top - u + S] = h z sigma sqrt(u - S) for S <= u, infinity for S > u, where
        # u = SI + T_j <= top: each inbound time reads one window of `span` entries per item.
        top = longest_in[stage] + int(lead[:, stage].max())
        offset = top - np.arange(top + span)
        table = np.full((items, top + span), np.inf)
        table[:, : top + 1] = weight[:, stage : stage + 1] * np.sqrt(offset[: top + 1])
        windows = np.lib.stride_tricks.sliding_window_view(table, span, axis=1)
        costs = np.empty((items, longest_in[stage] + 1))
        choices = np.empty((items, longest_in[stage] + 1), dtype=np.int64)
        for inbound in range(longest_in[stage] + 1):
            total = windows[rows, top - inbound - lead[:, stage]] + below
            choice = np.argmin(total, axis=1)
            choices[:, inbound] = choice
            costs[:, inbound] = total[rows, choice]
        best_cost[int(stage)] = costs
        best_out[int(stage)] = choices

    out = np.zeros((items, net.stages), dtype=np.int64)
    for stage in net.order:
        up = net.parent[stage]
        if up < 0:
            inbound_time = net.external_service_time[:, stage].astype(np.int64)
        else:
            inbound_time = out[:, up]
        out[:, stage] = best_out[int(stage)][rows, inbound_time]
    return evaluate(net, out, z=factor)


def single_echelon(net: Network, *, z: np.ndarray | float) -> ServicePlan:
    """Every stage quotes service time 0 and holds stock for its whole replenishment time."""
    return evaluate(net, np.zeros((net.items, net.stages)), z=z)


def compare(net: Network, *, z: np.ndarray | float) -> EchelonComparison:
    """The guaranteed-service optimum, the single-echelon plan and the saving per item."""
    optimum = guaranteed_service(net, z=z)
    single = single_echelon(net, z=z)
    saving = single.total_cost - optimum.total_cost
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(single.total_cost > 0, saving / single.total_cost, 0.0)
    return EchelonComparison(guaranteed=optimum, single=single, saving=saving, saving_share=share)
