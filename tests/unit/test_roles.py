"""The role table itself, written out: changing who may do what must change this test."""

import pytest

from accounts.roles import MATRIX, Capability, Role, roles_allow

A, P, Q, S, V = Role.ADMIN, Role.PLANNER, Role.QUALITY, Role.SUPPLIER, Role.VIEWER
W = Role.WAREHOUSE

EXPECTED_TABLE = {
    Capability.ANY_ROLE: {A, P, Q, S, V, W},
    Capability.VIEW_OPERATIONS: {A, P, Q, V, W},
    Capability.PLAN: {P},
    Capability.QUALITY_DECISIONS: {Q},
    Capability.WRITE_OFF_EXPIRED: {A, Q},
    Capability.MANAGE_MASTER_DATA: {A},
    Capability.MANAGE_USERS: {A},
    Capability.VIEW_AUDIT_TRAIL: {A, Q},
    Capability.SUPPLIER_PORTAL: {S},
    Capability.MOVE_STOCK: {W, A},
    Capability.VIEW_BUSINESS_CASE: {A, P, V},
}


def test_role_table_is_the_documented_one() -> None:
    assert {cap: set(roles) for cap, roles in MATRIX.items()} == EXPECTED_TABLE


def test_suppliers_reach_nothing_but_their_portal_and_role_wide_pages() -> None:
    supplier_caps = {cap for cap, roles in MATRIX.items() if S in roles}
    assert supplier_caps == {Capability.ANY_ROLE, Capability.SUPPLIER_PORTAL}


def test_viewers_have_no_write_capability() -> None:
    writes = {
        Capability.PLAN,
        Capability.QUALITY_DECISIONS,
        Capability.WRITE_OFF_EXPIRED,
        Capability.MANAGE_MASTER_DATA,
        Capability.MANAGE_USERS,
        Capability.MOVE_STOCK,
    }
    assert all(V not in MATRIX[cap] for cap in writes)


def test_warehouse_users_move_stock_and_read_operations_but_decide_nothing_else() -> None:
    warehouse_caps = {cap for cap, roles in MATRIX.items() if W in roles}
    assert warehouse_caps == {
        Capability.ANY_ROLE,
        Capability.VIEW_OPERATIONS,
        Capability.MOVE_STOCK,
    }


@pytest.mark.parametrize("capability", list(MATRIX))
def test_anonymous_visitors_hold_no_capability(capability: Capability) -> None:
    assert not roles_allow(frozenset({A}), capability, authenticated=False)


def test_public_pages_are_open_to_anonymous_visitors() -> None:
    assert roles_allow(frozenset(), Capability.PUBLIC, authenticated=False)


def test_signed_in_user_without_role_reaches_login_level_pages_only() -> None:
    assert roles_allow(frozenset(), Capability.LOGIN, authenticated=True)
    assert not roles_allow(frozenset(), Capability.ANY_ROLE, authenticated=True)


def test_a_user_with_two_roles_holds_the_union_of_their_capabilities() -> None:
    roles = frozenset({P, Q})
    assert roles_allow(roles, Capability.PLAN, authenticated=True)
    assert roles_allow(roles, Capability.QUALITY_DECISIONS, authenticated=True)
    assert not roles_allow(roles, Capability.MANAGE_USERS, authenticated=True)
