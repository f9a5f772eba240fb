"""Who may do what: the role matrix, in one place.

Roles are Django groups of the same name (created by a data migration). Views declare the
capability they need (`required_capability`), the API's permission class and the navigation
read it, and the role-matrix test checks every URL against this table.
"""

from enum import StrEnum
from typing import Any


class Role(StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    QUALITY = "quality"
    SUPPLIER = "supplier"
    VIEWER = "viewer"
    WAREHOUSE = "warehouse"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.PLANNER: "Planner",
    Role.QUALITY: "Quality",
    Role.SUPPLIER: "Supplier",
    Role.VIEWER: "Viewer",
    Role.WAREHOUSE: "Warehouse",
}


class Capability(StrEnum):
    # Access levels that need no role.
    PUBLIC = "public"  # anyone, signed in or not
    LOGIN = "login"  # any signed-in user, even one without a role
    ANY_ROLE = "any_role"  # any signed-in user with at least one role
    # Business capabilities.
    VIEW_OPERATIONS = "view_operations"  # dashboards, stock, forecasts, plans (read)
    PLAN = "plan"  # edit, approve and reject suggested orders; start plan runs
    QUALITY_DECISIONS = "quality_decisions"  # release/reject lots, decide on excursions
    WRITE_OFF_EXPIRED = "write_off_expired"  # write off expired lots now (the night's step)
    MANAGE_MASTER_DATA = "manage_master_data"  # admin site, imports, schedules
    MANAGE_USERS = "manage_users"  # users and their roles
    VIEW_AUDIT_TRAIL = "view_audit_trail"  # the audit trail and signatures
    SUPPLIER_PORTAL = "supplier_portal"  # a supplier's own POs and scorecard
    MOVE_STOCK = "move_stock"  # receive, dispense/issue, transfer, count; the daily stock feed
    VIEW_BUSINESS_CASE = "view_business_case"  # textbook vs optimized policy, simulated (read)


ALL_ROLES = frozenset(Role)

MATRIX: dict[Capability, frozenset[Role]] = {
    Capability.ANY_ROLE: ALL_ROLES,
    Capability.VIEW_OPERATIONS: frozenset(
        {Role.ADMIN, Role.PLANNER, Role.QUALITY, Role.VIEWER, Role.WAREHOUSE}
    ),
    Capability.PLAN: frozenset({Role.PLANNER}),
    Capability.QUALITY_DECISIONS: frozenset({Role.QUALITY}),
    Capability.WRITE_OFF_EXPIRED: frozenset({Role.ADMIN, Role.QUALITY}),
    Capability.MANAGE_MASTER_DATA: frozenset({Role.ADMIN}),
    Capability.MANAGE_USERS: frozenset({Role.ADMIN}),
    Capability.VIEW_AUDIT_TRAIL: frozenset({Role.ADMIN, Role.QUALITY}),
    Capability.SUPPLIER_PORTAL: frozenset({Role.SUPPLIER}),
    # Administrators too: the account an ERP, WMS or pharmacy system posts the daily feed with.
    Capability.MOVE_STOCK: frozenset({Role.WAREHOUSE, Role.ADMIN}),
    # What the policies are worth, for those who choose and fund them.
    Capability.VIEW_BUSINESS_CASE: frozenset({Role.ADMIN, Role.PLANNER, Role.VIEWER}),
}


def user_roles(user: Any) -> frozenset[Role]:
    """The roles of a user, read once per user object. A superuser counts as an admin."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        roles = {role for role in Role if role.value in names}
        if user.is_superuser:
            roles.add(Role.ADMIN)
        cached = frozenset(roles)
        user._roles_cache = cached
    return cached


def roles_allow(roles: frozenset[Role], capability: Capability, *, authenticated: bool) -> bool:
    if capability is Capability.PUBLIC:
        return True
    if not authenticated:
        return False
    if capability is Capability.LOGIN:
        return True
    return bool(roles & MATRIX[capability])


def user_can(user: Any, capability: Capability) -> bool:
    authenticated = bool(user is not None and user.is_authenticated and user.is_active)
    return roles_allow(user_roles(user), capability, authenticated=authenticated)
