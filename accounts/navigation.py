"""The main navigation. Each entry names the capability it needs, so every role sees exactly
the pages it may open. Later apps add their entries here."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from .roles import Capability, user_can


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capability: Capability
    icon: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Dashboard", "home", Capability.ANY_ROLE, "speedometer2"),
    NavItem("Inventory", "inventory:stock_list", Capability.VIEW_OPERATIONS, "box-seam"),
    NavItem("Lots", "inventory:lot_list", Capability.VIEW_OPERATIONS, "upc-scan"),
    NavItem("Network", "inventory:network", Capability.VIEW_OPERATIONS, "diagram-3"),
    NavItem("Imports", "inventory:imports", Capability.MANAGE_MASTER_DATA, "upload"),
    NavItem("Audit trail", "audit_trail", Capability.VIEW_AUDIT_TRAIL, "journal-check"),
    NavItem("API", "api_docs", Capability.ANY_ROLE, "braces"),
    NavItem("Administration", "admin:index", Capability.MANAGE_MASTER_DATA, "gear"),
)


def navigation_for(user: Any) -> list[NavItem]:
    return [item for item in NAVIGATION if user_can(user, item.capability)]
