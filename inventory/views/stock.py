import json
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability, user_can
from common.tables import Column
from common.views import ExportMixin, HtmxPartialMixin, query_without
from inventory.forms.stock import LotFilterForm, PositionFilterForm
from inventory.models import Sku, StockStatus
from inventory.selectors import stock as selectors

PAGE_SIZE = 50

STATUS_STYLES = {
    StockStatus.STOCKOUT: "danger",
    StockStatus.BELOW_SAFETY: "warning",
    StockStatus.STOCKOUT_RISK: "risk",
    StockStatus.EXPIRING: "orange",
    StockStatus.EXCESS: "info",
    StockStatus.OK: "success",
}

STOCK_COLUMNS = (
    Column("SKU", sort="code"),
    Column("Name", sort="name"),
    Column("Site", sort="site"),
    Column("On hand", sort="on_hand", align="end"),
    Column("Quarantine", align="end"),
    Column("On order", align="end"),
    Column("Position", align="end"),
    Column("Days of cover", sort="cover", align="end"),
    Column("Value", sort="value", align="end"),
    Column("ABC-XYZ", sort="abc"),
    Column("Status", sort="status"),
)

LOT_COLUMNS = (
    Column("Expiry"),
    Column("Days left"),
    Column("Lot"),
    Column("SKU"),
    Column("Site"),
    Column("Quantity", align="end"),
    Column("Status"),
)


class InventoryListView(CapabilityRequiredMixin, ExportMixin, HtmxPartialMixin, TemplateView):
    required_capability = Capability.VIEW_OPERATIONS
    template_name = "inventory/stock_list.html"
    partial_name = "results"
    export_name = "inventory"

    def export_rows(self) -> tuple[list[str], Any]:
        positions = selectors.stock_positions(
            PositionFilterForm(self.request.GET or None).filters()
        )
        headers = [
            "sku_code",
            "sku_name",
            "category",
            "temperature_zone",
            "site_code",
            "on_hand",
            "quarantine",
            "on_order",
            "inventory_position",
            "days_of_cover",
            "stock_value",
            "abc",
            "xyz",
            "status",
        ]
        rows = (
            [
                p.sku.code,
                p.sku.name,
                p.sku.category,
                p.sku.temperature_zone,
                p.site.code,
                p.on_hand,
                p.quarantine,
                p.on_order,
                p.inventory_position,
                p.days_of_cover,
                p.stock_value,
                p.abc_class,
                p.xyz_class,
                p.status,
            ]
            for p in positions.iterator(chunk_size=2000)
        )
        return headers, rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = PositionFilterForm(self.request.GET or None)
        filters = form.filters()
        page = Paginator(selectors.stock_positions(filters), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            form=form,
            filters=filters,
            page_obj=page,
            positions=page.object_list,
            columns=STOCK_COLUMNS,
            status_counts=selectors.status_counts(filters),
            statuses=StockStatus,
            status_styles=STATUS_STYLES,
            query=query_without(self.request, "page"),
            sort_query=query_without(self.request, "page", "sort", "desc"),
        )
        return context


class SkuDetailView(CapabilityRequiredMixin, TemplateView):
    required_capability = Capability.VIEW_OPERATIONS
    template_name = "inventory/sku_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            sku = selectors.sku_detail(kwargs["pk"])
        except Sku.DoesNotExist as missing:
            raise Http404("No such SKU.") from missing
        today = timezone.localdate()
        demand = selectors.sku_weekly_demand(sku, today=today)
        expiry = selectors.sku_expiry_by_month(sku)
        context.update(
            sku=sku,
            positions=selectors.sku_positions(sku),
            lots=selectors.sku_lots(sku),
            movements=selectors.sku_recent_movements(sku),
            status_styles=STATUS_STYLES,
            demand_chart=json.dumps(
                {
                    "labels": [week.isoformat() for week, _ in demand],
                    "values": [units for _, units in demand],
                }
            ),
            expiry_chart=json.dumps(
                {"labels": [month for month, _ in expiry], "values": [units for _, units in expiry]}
            ),
            has_demand=bool(demand),
            has_expiry=bool(expiry),
        )
        return context


class LotListView(CapabilityRequiredMixin, ExportMixin, HtmxPartialMixin, TemplateView):
    required_capability = Capability.VIEW_OPERATIONS
    template_name = "inventory/lot_list.html"
    partial_name = "results"
    export_name = "lots"

    def export_rows(self) -> tuple[list[str], Any]:
        lots = selectors.lots(
            LotFilterForm(self.request.GET or None).filters(), today=timezone.localdate()
        )
        headers = [
            "lot_number",
            "sku_code",
            "sku_name",
            "site_code",
            "expiry_date",
            "quantity",
            "status",
        ]
        rows = (
            [
                lot.lot_number,
                lot.sku.code,
                lot.sku.name,
                lot.site.code,
                lot.expiry_date,
                lot.quantity,
                lot.status,
            ]
            for lot in lots.iterator(chunk_size=2000)
        )
        return headers, rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = LotFilterForm(self.request.GET or None)
        today = timezone.localdate()
        page = Paginator(selectors.lots(form.filters(), today=today), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            form=form,
            page_obj=page,
            lots=page.object_list,
            columns=LOT_COLUMNS,
            today=today,
            can_write_off=user_can(self.request.user, Capability.WRITE_OFF_EXPIRED),
            query=query_without(self.request, "page"),
        )
        return context


class NetworkView(CapabilityRequiredMixin, TemplateView):
    required_capability = Capability.VIEW_OPERATIONS
    template_name = "inventory/network.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        nodes = selectors.flatten(selectors.network())
        context.update(nodes=nodes, totals=selectors.network_totals(), map=network_map(nodes))
        return context


def network_map(nodes: list[selectors.NetworkNode], width: int = 640, height: int = 420) -> dict:
    """Site positions projected into an SVG box (equirectangular is plenty at country scale),
    with a line from each site to the site that replenishes it."""
    located = [n for n in nodes if n.site.latitude is not None and n.site.longitude is not None]
    if not located:
        return {"points": [], "links": [], "width": width, "height": height}
    lats = [float(n.site.latitude) for n in located]
    lons = [float(n.site.longitude) for n in located]
    pad, label_room = 30, 70  # labels are drawn to the right of each dot
    span_lat = max(max(lats) - min(lats), 1e-6)
    span_lon = max(max(lons) - min(lons), 1e-6)
    scale = min((width - 2 * pad - label_room) / span_lon, (height - 2 * pad) / span_lat)

    def xy(node: selectors.NetworkNode) -> tuple[float, float]:
        x = pad + (float(node.site.longitude) - min(lons)) * scale
        y = height - pad - (float(node.site.latitude) - min(lats)) * scale
        return round(x, 1), round(y, 1)

    where = {n.site.pk: xy(n) for n in located}
    points = [{"x": where[n.site.pk][0], "y": where[n.site.pk][1], "node": n} for n in located]
    links = [
        {
            "x1": where[n.site.replenished_from_id][0],
            "y1": where[n.site.replenished_from_id][1],
            "x2": where[n.site.pk][0],
            "y2": where[n.site.pk][1],
        }
        for n in located
        if n.site.replenished_from_id in where
    ]
    return {"points": points, "links": links, "width": width, "height": height}
