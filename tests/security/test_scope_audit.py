"""Scope audit: every list, search, export and fragment endpoint is filtered by the actor's
scope in the query, for every role.

A canary world: two suppliers, ALPHA and BRAVO, each with a marker in every piece of its
business (order numbers, SKU codes, lots received and announced, messages, proposals,
carriers, a scorecard month, terms), a lockout (security) alert and two audit-trail reasons.
The URL list is read from the URLconf (tests.url_walker.all_endpoints), so a new
page, export, fragment or API list is audited without editing this file; URL arguments come
from the walker's SAMPLE_KWARGS, filled with one supplier's records.

Every URL is requested as a page, as an htmx request, as a CSV and an XLSX export
(`?export=`), searched (`?q=`, `?search=`) and filtered (`?supplier=`, `?kind=`, ...) for a
marker that must stay hidden (a URL refused outright, 403/404/405, is requested once: the role
and method checks come before any parameter is read), and then:

- ALPHA's supplier user never sees a BRAVO marker nor ALPHA's own unsent order, and every URL
  the portal role may open answers 404 for BRAVO's records (ALPHA's own answer 200);
- no role but the user administrators (admin) sees the lockout alert, as text, by id or in a
  count;
- roles without the audit-trail capability never get an audit-trail reason.

Controls keep each check from passing on empty pages: ALPHA's markers appear where the portal
and the API show them, planners see the ordinary alert, admins see the lockout alert, and
admins and quality see the audit reasons.

Admin-site object pages (change, history, delete) are left to the role matrix: they answer 403
to every role but admin. The admin changelists, which list and search, are audited here.

By design, the audit trail is whole for the roles that review it: it records the lockout alert
like any other record, and quality reads it there (a reviewer who cannot see every entry cannot
vouch for the chain). The sweep leaves the audit-trail URLs out for those roles, and a test
below states the rule.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_context
from accounts.models import SecurityEvent
from accounts.roles import Capability, Role, roles_allow
from alerts.models import ACTIVE_STATUSES, Alert
from alerts.services.alerts import Condition, alert_raise
from alerts.services.security import on_account_locked_out
from suppliers.models import (
    LineProposal,
    PurchaseOrder,
    PurchaseOrderMessage,
    Receipt,
    ShippingNotice,
    ShippingNoticeLine,
    SupplierScorecard,
)
from tests.url_walker import Endpoint, all_endpoints, concrete_path
from tests.web.test_portal_isolation import _business
from tests.web.test_role_matrix import expectation_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PAGE_SIZE = {"page_size": 500}  # API lists: everything on one page

ALPHA, BRAVO = "ALPHA", "BRAVO"
SCORECARD_MONTHS = {ALPHA: date(2017, 5, 1), BRAVO: date(2019, 3, 1)}

# The lockout alert: the username and address appear in its title, message and detail.
INTRUDER = "canary-intruder-77"
INTRUDER_ADDRESS = "203.0.113.77"
SECURITY_MARKERS = (INTRUDER, INTRUDER_ADDRESS)
ROUTINE_ALERT = "ROUTINE-ALERT-CANARY"

# Reasons written on the audit trail only (on a user record and on ALPHA's order).
AUDIT_MARKERS = ("AUDIT-CANARY-USER-5150", "AUDIT-CANARY-ORDER-5150")

NON_ADMIN_ROLES = [role for role in Role if role is not Role.ADMIN]
ROLES_WITHOUT_AUDIT_TRAIL = [
    role
    for role in Role
    if not roles_allow(frozenset({role}), Capability.VIEW_AUDIT_TRAIL, authenticated=True)
]
ROLES_WITH_AUDIT_TRAIL = [role for role in Role if role not in ROLES_WITHOUT_AUDIT_TRAIL]


def markers_of(code: str) -> tuple[str, ...]:
    """Every marker of one supplier's business, as the pages, exports and API show them."""
    return (
        f"PO-{code}-OPEN",
        f"PO-{code}-PART",
        f"{code}-SKU",
        f"{code}-LOT",
        f"{code} Pharma",
        f"ASN-{code}",
        f"{code}-ASN-LOT",
        f"{code}-CARRIER",
        f"{code}-MESSAGE",
        f"{code}-PROPOSAL-NOTE",
        f"{SCORECARD_MONTHS[code]:%Y-%m}",
    )


# What ALPHA's user must never see: BRAVO's business, and ALPHA's own order not sent yet.
HIDDEN_FROM_ALPHA = (*markers_of(BRAVO), f"PO-{ALPHA}-DRAFT")


# ---- the canary world -------------------------------------------------------------------


def _with_exchanges(code: str, make_user) -> dict:  # type: ignore[no-untyped-def]
    """tests.web.test_portal_isolation._business, plus on its partly received order a
    proposal, a shipping notice with a lot and a message, and a scorecard of its own month,
    every text carrying `code`."""
    business = _business(code, make_user)
    today = timezone.localdate()
    receipt = Receipt.objects.select_related("lot", "line__purchase_order").get(
        line__purchase_order__number=f"PO-{code}-PART"
    )
    order, line, user = receipt.line.purchase_order, receipt.line, business["user"]
    proposal = LineProposal.objects.create(
        line=line,
        proposed_date=today + timedelta(days=40),
        proposed_quantity=10,
        note=f"{code}-PROPOSAL-NOTE",
        proposed_by=user,
    )
    notice = ShippingNotice.objects.create(
        purchase_order=order,
        number=f"ASN-{code}",
        shipped_on=today,
        expected_on=today + timedelta(days=3),
        carrier=f"{code}-CARRIER",
        created_by=user,
    )
    ShippingNoticeLine.objects.create(
        notice=notice,
        line=line,
        quantity=10,
        lot_number=f"{code}-ASN-LOT",
        expiry_date=today + timedelta(days=700),
    )
    PurchaseOrderMessage.objects.create(
        purchase_order=order,
        author=user,
        from_supplier=True,
        body=f"{code}-MESSAGE: the rest ships next week.",
    )
    SupplierScorecard.objects.create(
        supplier=business["supplier"], month=SCORECARD_MONTHS[code], score=55.5, grade="C"
    )
    return {**business, "receipt": receipt, "part_order": order, "proposal": proposal}


@dataclass
class World:
    alpha: dict
    bravo: dict
    target: Any  # a user whose record carries an audit-trail reason
    security_alert: Alert
    routine_alert: Alert
    contexts: dict[str, dict] = field(default_factory=dict)

    def context(self, code: str) -> dict:
        """The role matrix's sample context on one supplier's received line (made once)."""
        if code not in self.contexts:
            business = self.alpha if code == ALPHA else self.bravo
            receipt = business["receipt"]
            self.contexts[code] = {
                "target": self.target,
                "stock": {"lot": receipt.lot, "receipt": receipt},
                # The proposal URLs name the marked proposal (one may wait per line).
                "samples": {"proposal": business["proposal"]},
            }
        return self.contexts[code]


@pytest.fixture
def world(make_user) -> World:  # type: ignore[no-untyped-def]
    alpha = _with_exchanges(ALPHA, make_user)
    bravo = _with_exchanges(BRAVO, make_user)
    routine = alert_raise(
        Condition(
            kind="po_late",
            key=f"po:{bravo['order'].pk}",
            severity="high",
            title=f"{ROUTINE_ALERT}: an order is late",
            message="Expected last week.",
            supplier_id=bravo["supplier"].pk,
        )
    )
    event = SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.LOGIN_LOCKED_OUT, username=INTRUDER, remote_addr=INTRUDER_ADDRESS
    )
    on_account_locked_out(sender=None, event=event)
    target = make_user(Role.VIEWER, username="audit-target")
    # Last, so the audit trail's first page shows them.
    with audit_context(reason=AUDIT_MARKERS[0]):
        target.full_name = "Audit Target"
        target.save()
    with audit_context(reason=AUDIT_MARKERS[1]):
        order = alpha["part_order"]
        order.expected_on = timezone.localdate() + timedelta(days=21)
        order.save()
    return World(
        alpha=alpha,
        bravo=bravo,
        target=target,
        security_alert=Alert.objects.get(kind="security"),
        routine_alert=routine,
    )


# ---- the URL list --------------------------------------------------------------------------


def audited_endpoints() -> list[Endpoint]:
    """Every URL but the admin site's object pages (see the module docstring)."""
    return [
        endpoint
        for endpoint in all_endpoints()
        if not (endpoint.namespace == "admin" and endpoint.takes_arguments)
    ]


def is_api(endpoint: Endpoint) -> bool:
    return endpoint.route.startswith("api/")


def role_may_open(role: Role, endpoint: Endpoint) -> bool:
    capability = expectation_for(endpoint).capability
    return roles_allow(frozenset({role}), capability, authenticated=True)


def audit_trail_urls() -> frozenset[str]:
    return frozenset(
        endpoint.full_name
        for endpoint in audited_endpoints()
        if expectation_for(endpoint).capability is Capability.VIEW_AUDIT_TRAIL
    )


# ---- requests and what they answer -----------------------------------------------------------

# Documents that describe the API and hold no records (and take long to build): read once.
STATIC_DOCUMENTS = {"api_schema", "api_docs"}
# A page refused outright is refused in every variant: the role and method checks come first.
REFUSED = {403, 404, 405}


@dataclass(frozen=True)
class Variant:
    name: str
    params: dict[str, Any]
    htmx: bool = False
    search: str = ""  # a search term, which the page may echo back (input value, page links)
    pages_only: bool = False  # htmx and exports: the application's pages, not API nor admin


def variants(*, searches: Iterable[str], filters: dict[str, Any]) -> list[Variant]:
    """Each URL as a page, a fragment, the exports, filtered, and searched for a hidden value.
    The plain page comes first."""
    found = [
        Variant("page", {}),
        Variant("htmx", {}, htmx=True, pages_only=True),
        Variant("csv", {"export": "csv"}, pages_only=True),
        Variant("xlsx", {"export": "xlsx"}, pages_only=True),
        Variant("filter", filters),
        Variant("htmx filter", filters, htmx=True, pages_only=True),
    ]
    for term in searches:
        found += [
            Variant(f"search {term}", {}, search=term),
            Variant(f"htmx search {term}", {}, htmx=True, search=term, pages_only=True),
        ]
    return found


def params_for(endpoint: Endpoint, variant: Variant) -> dict[str, Any]:
    """The query string: the API searches with `search` and pages at most 500 rows per page;
    the pages and the admin site search with `q` (the admin refuses parameters it does not
    know, so the API's are not sent there)."""
    params = dict(variant.params)
    if is_api(endpoint):
        params.update(PAGE_SIZE)
    if variant.search:
        params["search" if is_api(endpoint) else "q"] = variant.search
    return params


def variants_for(endpoint: Endpoint, variant_list: list[Variant]) -> list[Variant]:
    if endpoint.full_name in STATIC_DOCUMENTS:
        return variant_list[:1]
    if endpoint.namespace == "admin" or is_api(endpoint):
        return [variant for variant in variant_list if not variant.pages_only]
    return variant_list


def body_text(response: Any) -> str:
    """What a response shows, whatever its format: HTML, JSON, CSV or XLSX (not PDF)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if "pdf" in content_type:
        # The trail's PDF draws with an embedded subset TrueType font: its text is glyph ids,
        # not readable without a PDF library. Its status is checked; its words are not.
        return ""
    return content.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Scope:
    """What one role must never be shown, and how the sweep looks for it."""

    hidden: tuple[str, ...]
    searches: tuple[str, ...]
    filters: dict[str, Any]
    hidden_unless_searched: str = ""  # also hidden (any case) where no search term is echoed
    exempt: frozenset[str] = frozenset()  # URL names not swept; the reason where it is set


def scope_of(role: Role, world: World) -> Scope:
    hidden: tuple[str, ...] = SECURITY_MARKERS  # no role here administers users
    if role in ROLES_WITHOUT_AUDIT_TRAIL:
        hidden += AUDIT_MARKERS
    if role is Role.SUPPLIER:
        bravo = world.bravo
        return Scope(
            hidden=(*HIDDEN_FROM_ALPHA, *hidden),
            searches=(BRAVO, "DRAFT"),
            filters={
                "supplier": bravo["supplier"].pk,
                "sku": bravo["line"].sku_id,
                "status": "approved",  # drafts and approvals in progress
            },
            hidden_unless_searched=BRAVO,
        )
    return Scope(
        hidden=hidden,
        searches=("canary-intruder",),
        filters={"kind": "security", "status": "all", "severity": "high"},
        # The audit trail records the lockout alert like any other record, and the roles that
        # read the trail read all of it: see test_the_audit_trail_shows_no_security_alert_...
        exempt=frozenset() if role in ROLES_WITHOUT_AUDIT_TRAIL else audit_trail_urls(),
    )


@dataclass
class Sweep:
    """What a sweep of every URL in every variant found."""

    requests: int = 0
    opened: set[str] = field(default_factory=set)  # URL names answered 200 at least once
    exported: set[str] = field(default_factory=set)  # URL names that gave a CSV or XLSX file
    fragments: set[str] = field(default_factory=set)  # URL names that gave an htmx fragment
    leaks: list[str] = field(default_factory=list)


def sweep(client: Any, ctx: dict, scope: Scope) -> Sweep:
    """GET every audited URL (arguments from SAMPLE_KWARGS on `ctx`) in every variant that
    applies to it, and note each hidden marker a response shows.

    A URL's arguments are filled just before it is requested, as the role matrix does: some
    create a bare sample record that a page listed earlier would not expect."""
    found = Sweep()
    variant_list = variants(searches=scope.searches, filters=scope.filters)
    for endpoint in audited_endpoints():
        if endpoint.full_name in scope.exempt:
            continue
        path = concrete_path(endpoint, ctx)
        for variant in variants_for(endpoint, variant_list):
            headers = HTMX if variant.htmx else {}
            response = client.get(path, params_for(endpoint, variant), **headers)
            found.requests += 1
            text = body_text(response)
            shown = [marker for marker in scope.hidden if marker in text]
            code = scope.hidden_unless_searched
            if code and not variant.search and code.lower() in text.lower():
                shown.append(code)
            if shown:
                found.leaks.append(
                    f"{variant.name}: GET {path} ({response.status_code}) shows {shown}"
                )
            if response.status_code in REFUSED and variant.name == "page":
                break
            note(found, endpoint, variant, response)
    return found


def note(found: Sweep, endpoint: Endpoint, variant: Variant, response: Any) -> None:
    """Which pages, exports and fragments the sweep really read."""
    if response.status_code != 200:
        return
    found.opened.add(endpoint.full_name)
    content_type = response.get("Content-Type", "")
    if "export" in variant.params and ("csv" in content_type or "spreadsheetml" in content_type):
        found.exported.add(endpoint.full_name)
    if variant.htmx and "HX-Request" in response.get("Vary", ""):
        found.fragments.add(endpoint.full_name)


def sign_in(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def user_in_role(role: Role, world: World, make_user) -> Any:  # type: ignore[no-untyped-def]
    """ALPHA's own user for the supplier role, a new user for the others."""
    return world.alpha["user"] if role is Role.SUPPLIER else make_user(role)


# ---- the URL enumeration cannot make the audit vacuous ---------------------------------------


def test_the_audit_enumerates_the_lists_exports_fragments_and_api() -> None:
    endpoints = audited_endpoints()
    names = {endpoint.full_name for endpoint in endpoints}
    api = [endpoint for endpoint in endpoints if endpoint.route.startswith("api/v1/")]
    exports = [e for e in endpoints if hasattr(e.view_class, "export_rows")]
    fragments = [e for e in endpoints if "partial_name" in dir(e.view_class)]

    assert len(endpoints) >= 150, len(endpoints)
    assert len(api) >= 20, len(api)
    assert len(exports) >= 4, [e.full_name for e in exports]
    assert len(fragments) >= 6, [e.full_name for e in fragments]
    assert {
        "portal:home",
        "portal:order",
        "portal:receipts",
        "portal:terms",
        "portal:scorecard",
        "purchase-order-list",
        "purchase-order-detail",
        "supplier-performance",
        "supplier-item-list",
        "suppliers:purchase_orders",
        "suppliers:performance",
        "inventory:stock_list",
        "alerts:inbox",
        "alerts:badge",
        "alerts:dashboard",
        "audit_trail",
        "audit_object_export",
        "admin:alerts_alert_changelist",
        "admin:suppliers_purchaseorder_changelist",
    } <= names
    assert {"audit_trail", "audit_object", "audit_object_export"} <= audit_trail_urls()


# ---- every role, every URL: nothing out of scope -----------------------------------------------

# Pages each role must have read in the sweep, so that it cannot pass on refusals alone.
OPERATIONS_PAGES = frozenset(
    {
        "alerts:inbox",
        "alerts:badge",
        "alerts:dashboard",
        "alerts:detail",
        "suppliers:purchase_orders",
        "inventory:stock_list",
        "purchase-order-list",
    }
)
OPENED_BY = {
    Role.SUPPLIER: frozenset(
        {
            "portal:home",
            "portal:order",
            "portal:receipts",
            "portal:terms",
            "portal:scorecard",
            "purchase-order-list",
            "purchase-order-detail",
            "supplier-performance",
        }
    ),
    **dict.fromkeys((Role.PLANNER, Role.QUALITY, Role.VIEWER, Role.WAREHOUSE), OPERATIONS_PAGES),
}


@pytest.mark.parametrize("role", NON_ADMIN_ROLES, ids=str)
@pytest.mark.slow
def test_no_role_is_shown_anything_out_of_its_scope_on_any_url(
    client, make_user, world: World, role: Role
) -> None:  # type: ignore[no-untyped-def]
    """The supplier user: no BRAVO marker, not ALPHA's own unsent order; every role but admin:
    not the lockout alert; roles without the audit trail: no audit reason. URL arguments name
    ALPHA's own records, so the supplier's own order page is read too."""
    scope = scope_of(role, world)
    sign_in(client, user_in_role(role, world, make_user))

    found = sweep(client, world.context(ALPHA), scope)

    assert not found.leaks, "\n".join(found.leaks)
    # What the sweep read, so it cannot pass on refusals or on exports it never decoded.
    may_open = [
        endpoint
        for endpoint in audited_endpoints()
        if role_may_open(role, endpoint) and endpoint.full_name not in scope.exempt
    ]
    assert OPENED_BY[role] <= found.opened
    assert {e.full_name for e in may_open if hasattr(e.view_class, "export_rows")} <= (
        found.exported
    )
    assert {e.full_name for e in may_open if "partial_name" in dir(e.view_class)} <= (
        found.fragments
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_exports_the_sweep_decodes_carry_the_markers(
    client, planner, world: World, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    """The control for the exports in the sweep: a planner's export lists every supplier's
    orders, and the markers are found in the decoded file."""
    sign_in(client, planner)

    response = client.get(reverse("suppliers:purchase_orders"), {"export": fmt})

    text = body_text(response)
    assert response.status_code == 200
    assert f"PO-{ALPHA}-OPEN" in text
    assert f"PO-{BRAVO}-OPEN" in text


# ---- a supplier's user: another supplier's records by id or number -----------------------------


def supplier_reachable_with_arguments() -> list[Endpoint]:
    """The URLs with arguments that the supplier role may call at all."""
    return [
        endpoint
        for endpoint in audited_endpoints()
        if endpoint.takes_arguments and role_may_open(Role.SUPPLIER, endpoint)
    ]


def test_every_url_a_supplier_may_open_answers_404_for_another_suppliers_records(
    client, world: World
) -> None:  # type: ignore[no-untyped-def]
    ctx = world.context(BRAVO)  # URL arguments name BRAVO's records
    endpoints = supplier_reachable_with_arguments()
    paths = {endpoint: concrete_path(endpoint, ctx) for endpoint in endpoints}
    before = (
        LineProposal.objects.count(),
        ShippingNotice.objects.count(),
        PurchaseOrderMessage.objects.count(),
    )
    sign_in(client, world.alpha["user"])

    wrong = []
    for endpoint, path in paths.items():
        is_page = expectation_for(endpoint).allowed_status == 200
        for headers in ({}, HTMX):
            # An action answers GET with 405 before any lookup: it is POSTed to.
            response = client.get(path, **headers) if is_page else client.post(path, {}, **headers)
            shown = [marker for marker in HIDDEN_FROM_ALPHA if marker in body_text(response)]
            if response.status_code != 404 or shown:
                method = "GET" if is_page else "POST"
                wrong.append(f"{method} {path} {headers}: {response.status_code} {shown}")

    assert not wrong, "\n".join(wrong)
    assert {endpoint.full_name for endpoint in endpoints} >= {
        "portal:order",
        "portal:acknowledge",
        "portal:line_confirm",
        "portal:line_propose",
        "portal:shipping_notice",
        "portal:message",
        "purchase-order-detail",
        "purchase-order-acknowledge",
        "purchase-order-line-confirm",
        "purchase-order-line-propose",
    }
    assert PurchaseOrder.objects.get(pk=world.bravo["part_order"].pk).acknowledged_at is None
    assert before == (
        LineProposal.objects.count(),
        ShippingNotice.objects.count(),
        PurchaseOrderMessage.objects.count(),
    )


def test_the_same_urls_open_for_the_suppliers_own_records(client, world: World) -> None:  # type: ignore[no-untyped-def]
    """The control for the 404s above: the same pages on ALPHA's own records answer 200."""
    ctx = world.context(ALPHA)
    pages = [
        endpoint
        for endpoint in supplier_reachable_with_arguments()
        if expectation_for(endpoint).allowed_status == 200
    ]
    paths = [concrete_path(endpoint, ctx) for endpoint in pages]
    sign_in(client, world.alpha["user"])

    answers = {path: client.get(path).status_code for path in paths}

    assert len(answers) >= 2
    assert set(answers.values()) == {200}, answers


@pytest.mark.parametrize(
    ("url", "htmx", "marker"),
    [
        ("/portal/", False, f"PO-{ALPHA}-OPEN"),
        ("/portal/", True, f"PO-{ALPHA}-PART"),
        ("/portal/?q=ALPHA", True, f"PO-{ALPHA}-OPEN"),
        ("/portal/received/", False, f"{ALPHA}-LOT"),
        ("/portal/received/", True, f"{ALPHA}-LOT"),
        ("/portal/terms/", False, f"{ALPHA}-SKU"),
        ("/portal/terms/", True, f"{ALPHA}-SKU"),
        ("/portal/scorecard/", False, f"{SCORECARD_MONTHS[ALPHA]:%Y-%m}"),
        (f"/portal/orders/PO-{ALPHA}-PART/", False, f"{ALPHA}-MESSAGE"),
        (f"/portal/orders/PO-{ALPHA}-PART/", False, f"{ALPHA}-ASN-LOT"),
        (f"/portal/orders/PO-{ALPHA}-PART/", False, f"{ALPHA}-CARRIER"),
        (f"/portal/orders/PO-{ALPHA}-PART/", False, f"{ALPHA}-PROPOSAL-NOTE"),
        (f"/portal/orders/PO-{ALPHA}-PART/", False, f"{ALPHA}-LOT"),
        ("/api/v1/purchase-orders/", False, f"PO-{ALPHA}-OPEN"),
        ("/api/v1/purchase-orders/?search=ALPHA", False, f"{ALPHA}-SKU"),
        ("/api/v1/suppliers/performance", False, f"{SCORECARD_MONTHS[ALPHA]:%Y-%m}"),
    ],
)
def test_a_supplier_user_sees_their_own_business_where_it_is_shown(
    client, world: World, url: str, htmx: bool, marker: str
) -> None:  # type: ignore[no-untyped-def]
    """The control for the sweep: the markers it looks for are shown where they belong."""
    sign_in(client, world.alpha["user"])

    response = client.get(url, **(HTMX if htmx else {}))

    assert response.status_code == 200
    assert marker in body_text(response)


# ---- security alerts: user administrators only ------------------------------------------------

OPERATIONS_ROLES_BUT_ADMIN = [
    role
    for role in NON_ADMIN_ROLES
    if roles_allow(frozenset({role}), Capability.VIEW_OPERATIONS, authenticated=True)
]


@pytest.mark.parametrize("role", OPERATIONS_ROLES_BUT_ADMIN, ids=str)
def test_the_security_alert_by_id_answers_404_to_other_roles(
    client, make_user, world: World, role: Role
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user(role))
    url = reverse("alerts:detail", args=[world.security_alert.pk])

    assert client.get(url).status_code == 404
    assert client.get(url, **HTMX).status_code == 404
    assert client.get(reverse("alerts:detail", args=[world.routine_alert.pk])).status_code == 200


@pytest.mark.parametrize("role", OPERATIONS_ROLES_BUT_ADMIN, ids=str)
def test_the_alert_counts_other_roles_see_leave_the_security_alert_out(
    client, make_user, world: World, role: Role
) -> None:  # type: ignore[no-untyped-def]
    """Counts are scoped too: the badge and the dashboard count what the inbox lists."""
    sign_in(client, make_user(role))

    badge = client.get(reverse("alerts:badge"))
    dashboard = client.get(reverse("alerts:dashboard"))
    inbox = client.get(reverse("alerts:inbox"))

    assert Alert.objects.filter(status__in=ACTIVE_STATUSES).count() == 2
    assert badge.context["total"] == 1
    assert dashboard.context["open_alerts"] == 1
    assert inbox.context["total"] == 1


@pytest.mark.parametrize(
    ("role", "page"),
    [
        (Role.ADMIN, ("/alerts/", INTRUDER)),
        (Role.ADMIN, ("/alerts/?kind=security", INTRUDER_ADDRESS)),
        (Role.ADMIN, ("/admin/alerts/alert/", INTRUDER)),
        (Role.PLANNER, ("/alerts/", ROUTINE_ALERT)),
        (Role.VIEWER, ("/alerts/", ROUTINE_ALERT)),
        (Role.QUALITY, ("/alerts/", ROUTINE_ALERT)),
    ],
)
def test_the_alerts_the_role_may_see_are_shown(
    client, make_user, world: World, role: Role, page: tuple[str, str]
) -> None:  # type: ignore[no-untyped-def]
    """The control for the sweep: the inbox lists alerts, lockouts to admins."""
    url, marker = page
    sign_in(client, make_user(role))

    response = client.get(url)

    assert response.status_code == 200
    assert marker in body_text(response)


def test_an_admin_sees_the_security_alert_by_id_and_in_the_counts(
    client, admin_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, admin_user)

    assert client.get(reverse("alerts:detail", args=[world.security_alert.pk])).status_code == 200
    assert client.get(reverse("alerts:badge")).context["total"] == 2
    assert client.get(reverse("alerts:dashboard")).context["open_alerts"] == 2


def test_the_audit_trail_is_whole_for_quality_security_alerts_included(
    client, make_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    """The inbox shows security alerts to user administrators only; the audit trail, which
    quality reviews, keeps every record whole, the lockout alert included."""
    sign_in(client, make_user(Role.QUALITY))
    alert_trail = reverse("audit_object", args=["alerts.alert", world.security_alert.pk])

    assert client.get(reverse("alerts:detail", args=[world.security_alert.pk])).status_code == 404
    assert INTRUDER in body_text(client.get(alert_trail))


# ---- the audit trail: admin and quality only ---------------------------------------------------


@pytest.mark.parametrize("role", ROLES_WITH_AUDIT_TRAIL, ids=str)
@pytest.mark.parametrize("fmt", ["page", "htmx", "csv", "pdf"])
def test_the_audit_trail_roles_see_the_audit_reasons(
    client, make_user, world: World, role: Role, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    """The control for the sweep: the audit reasons are there to find, in every format."""
    sign_in(client, make_user(role))
    trail, export = reverse("audit_trail"), "audit_object_export"
    target_export = ["accounts.user", world.target.pk]
    url, headers, shown = {  # the exports are the target user's own trail
        "page": (trail, {}, AUDIT_MARKERS),
        "htmx": (trail, HTMX, AUDIT_MARKERS),
        "csv": (reverse(export, args=[*target_export, "csv"]), {}, AUDIT_MARKERS[:1]),
        "pdf": (reverse(export, args=[*target_export, "pdf"]), {}, ()),  # not decoded
    }[fmt]

    response = client.get(url, **headers)

    assert response.status_code == 200
    assert fmt != "pdf" or response.content.startswith(b"%PDF")
    assert all(marker in body_text(response) for marker in shown)
