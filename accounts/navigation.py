"""The main navigation. Each entry names the capability it needs, so every role sees exactly
the pages it may open. Later apps add their entries here."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from accounts.roles import Capability, user_can


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capability: Capability
    icon: str
    # Other pages that belong to this entry although their address is elsewhere.
    also: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Home", "home", Capability.ANY_ROLE, "house"),
    NavItem("Overview", "alerts:dashboard", Capability.VIEW_OPERATIONS, "speedometer2"),
    NavItem("Inventory", "inventory:stock_list", Capability.VIEW_OPERATIONS, "box-seam"),
    NavItem(
        "Warehouse",
        "warehouse:today",
        Capability.MOVE_STOCK,
        "building-down",
        also=(
            "/suppliers/receiving/",
            "/inventory/dispense/",
            "/inventory/transfers/",
            "/inventory/counts/",
        ),
    ),
    NavItem("Forecasts", "forecasting:runs", Capability.VIEW_OPERATIONS, "graph-up-arrow"),
    NavItem("Policies", "optimization:policies", Capability.VIEW_OPERATIONS, "sliders"),
    NavItem("Replenishment", "optimization:worklist", Capability.VIEW_OPERATIONS, "cart-check"),
    NavItem("Purchase orders", "suppliers:purchase_orders", Capability.VIEW_OPERATIONS, "receipt"),
    NavItem("Suppliers", "suppliers:performance", Capability.VIEW_OPERATIONS, "building"),
    NavItem("Alerts", "alerts:inbox", Capability.VIEW_OPERATIONS, "bell"),
    NavItem("Business case", "demo:business_case", Capability.VIEW_BUSINESS_CASE, "clipboard-data"),
    NavItem("Supplier portal", "portal:home", Capability.SUPPLIER_PORTAL, "truck"),
    NavItem("Imports", "inventory:imports", Capability.MANAGE_MASTER_DATA, "upload"),
    NavItem("Audit trail", "audit_trail", Capability.VIEW_AUDIT_TRAIL, "journal-check"),
    NavItem("API", "api_docs", Capability.ANY_ROLE, "braces"),
    NavItem("Administration", "admin:index", Capability.MANAGE_MASTER_DATA, "gear"),
)


@dataclass(frozen=True)
class ShownItem:
    item: NavItem
    url: str
    active: bool

    @property
    def label(self) -> str:
        return self.item.label

    @property
    def icon(self) -> str:
        return self.item.icon

    @property
    def url_name(self) -> str:
        return self.item.url_name


def navigation_for(user: Any, path: str = "") -> list[ShownItem]:
    """The entries `user` may open. The active one is the entry whose address is the longest
    prefix of the current path, so Inventory stays lit on the lot list and the network, and
    Imports (under /inventory/imports/) lights alone on its own pages. An entry's `also`
    prefixes count as its own: Warehouse lights on receiving, dispense, transfers and counts."""
    allowed = [(item, item.url) for item in NAVIGATION if user_can(user, item.capability)]
    matches = [
        (len(prefix), url)
        for item, url in allowed
        for prefix in (url, *item.also)
        if path == prefix or (prefix != "/" and path.startswith(prefix))
    ]
    active = max(matches, default=(0, None))[1]
    return [ShownItem(item=item, url=url, active=url == active) for item, url in allowed]
