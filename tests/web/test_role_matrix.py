"""Every URL in the URLconf, requested by every kind of user, answers exactly what the role
matrix (accounts.roles) allows.

The URL list is read from the URLconf at test time (tests.url_walker), so new pages, API
endpoints and admin models are covered without editing this file. A new URL that needs
arguments (see tests.url_walker.SAMPLE_KWARGS), or a view that does not declare
`required_capability`, makes the test fail until it is described.
"""

from dataclasses import dataclass

import pytest
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import CapabilityRequiredMixin, required_capability_of
from accounts.roles import Capability, Role, roles_allow
from suppliers.models import SupplierUser
from tests.factories import UserFactory
from tests.url_walker import (
    Endpoint,
    admin_model_label,
    all_endpoints,
    concrete_path,
    sample_context,
)

ANONYMOUS = "anonymous"
NO_ROLE = "no-role"
VISITORS = [ANONYMOUS, *[role.value for role in Role], NO_ROLE]


READ_ONLY_ADMIN_MODELS = {
    "accounts.auditlogentry",
    "accounts.signature",
    "accounts.securityevent",
    # stock changes only through services; derived tables are rebuilt by jobs
    "inventory.lot",
    "inventory.stockmovement",
    "inventory.dailydemand",
    "inventory.stockposition",
    "suppliers.receipt",
    "inventory.importbatch",
    # what suppliers send and what the scorecard job computes; the one row of weights
    "suppliers.lineproposal",
    "suppliers.shippingnotice",
    "suppliers.supplierscorecard",
    "suppliers.scorecardweights",
    # alerts come from the rules and the inbox; the one row of thresholds
    "alerts.alert",
    "alerts.alertsettings",
}
# Written by django-axes on sign-in failures: never added by hand; deleting an attempt unlocks.
ADD_REFUSED_ADMIN_MODELS = {"axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}

# Pages whose allowed answer to a GET is not 200.
ALLOWED_STATUS = {
    "inventory:import_commit": 405,  # commits on POST only
    "inventory:excursion_lot_decide": 405,  # decides on POST only
    "inventory:lot_status": 405,  # signs on POST only
    "inventory:lot_recall": 405,  # signs on POST only
    "inventory:expired_write_off": 405,  # writes off on POST only
    "inventory:count_approve": 405,  # approves on POST only
    "inventory:count_cancel": 405,  # cancels on POST only
    "inventory:transfer_order_pick": 405,  # picks on POST only
    "inventory:transfer_order_ship": 405,  # ships on POST only
    "inventory:transfer_order_receive": 405,  # receives on POST only
    "inventory:transfer_order_cancel": 405,  # cancels on POST only
    "optimization:plan_transfer_order": 405,  # makes the order on POST only
    "stock-movements": 405,  # takes a batch on POST only
    "forecasting:run_start": 405,  # starts on POST only
    "forecasting:override_create": 405,  # saves on POST only
    "forecasting:override_withdraw": 405,  # withdraws on POST only
    "optimization:policy_refresh": 405,  # starts on POST only
    "optimization:simulation_start": 405,  # starts on POST only
    "optimization:plan_run_start": 405,  # starts on POST only
    "optimization:scenario_create": 405,  # saves and starts on POST only
    "optimization-calculate-eoq": 405,  # calculates on POST only
    "optimization-safety-stock": 405,  # calculates on POST only
    "reorder-recommendations": 405,  # searches with a POST body only
    "reorder-recommendations-approve": 405,  # approves on POST only
    "reorder-recommendation-edit": 405,  # saves on POST only
    "reorder-recommendation-reject": 405,  # rejects on POST only
    "portal:acknowledge": 405,  # acknowledges on POST only
    "portal:line_confirm": 405,  # confirms on POST only
    "portal:line_propose": 405,  # proposes on POST only
    "portal:shipping_notice": 405,  # saves on POST only
    "portal:message": 405,  # posts on POST only
    "suppliers:purchase_order_send": 405,  # sends on POST only
    "suppliers:purchase_order_message": 405,  # posts on POST only
    "suppliers:line_amend": 405,  # changes on POST only
    "suppliers:line_reapprove": 405,  # signs on POST only
    "suppliers:proposal_accept": 405,  # decides on POST only
    "suppliers:proposal_reject": 405,  # decides on POST only
    "suppliers:performance_recompute": 405,  # starts on POST only
    "purchase-order-acknowledge": 405,  # acknowledges on POST only
    "purchase-order-line-confirm": 405,  # confirms on POST only
    "purchase-order-line-amend": 405,  # changes on POST only
    "purchase-order-line-reapprove": 405,  # signs on POST only
    "purchase-order-line-propose": 405,  # proposes on POST only
    "alerts:acknowledge": 405,  # acknowledges on POST only
    "alerts:assign": 405,  # assigns on POST only
    "alerts:comment": 405,  # comments on POST only
    "alerts:resolve": 405,  # resolves on POST only
    "alerts:dashboard_refresh": 405,  # recomputes on POST only
}


# ---- what each URL requires and what it answers ------------------------------------------


@dataclass(frozen=True)
class Expectation:
    capability: Capability
    api: bool  # anonymous API calls get 401, anonymous page requests a redirect to login
    method: str = "get"
    allowed_status: int = 200


def expectation_for(endpoint: Endpoint) -> Expectation:
    callback = endpoint.pattern.callback
    if endpoint.namespace == "admin":
        return admin_expectation(endpoint)
    if endpoint.full_name == "logout":
        return Expectation(Capability.PUBLIC, api=False, method="post", allowed_status=302)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        if "required_capability" not in {
            name for klass in view_class.__mro__ for name in vars(klass)
        }:
            pytest.fail(f"{endpoint.route}: {view_class.__name__} declares no required_capability")
        view = view_class()
        view.action = (getattr(callback, "actions", None) or {}).get("get")
        is_api = issubclass(view_class, APIView) and not issubclass(
            view_class, CapabilityRequiredMixin
        )
        return Expectation(
            required_capability_of(view),
            api=is_api,
            allowed_status=ALLOWED_STATUS.get(endpoint.full_name, 200),
        )
    capability = getattr(callback, "required_capability", None)
    if capability is None:
        pytest.fail(f"{endpoint.route}: view {callback.__name__} declares no required_capability")
    return Expectation(
        capability, api=False, allowed_status=ALLOWED_STATUS.get(endpoint.full_name, 200)
    )


def admin_expectation(endpoint: Endpoint) -> Expectation:
    name = endpoint.name
    admin = Capability.MANAGE_MASTER_DATA
    if name == "login":  # sends everyone to the application's own login page
        return Expectation(Capability.PUBLIC, api=False, allowed_status=302)
    if name == "logout":  # Django 5 signs out on POST only, then goes to LOGOUT_REDIRECT_URL
        return Expectation(admin, api=False, method="post", allowed_status=302)
    if name in {"view_on_site"}:  # users have no public page to go to
        return Expectation(admin, api=False, allowed_status=404)
    if name == "autocomplete":  # asked without naming the field to complete, it refuses
        return Expectation(admin, api=False, allowed_status=403)
    if endpoint.name == "" and endpoint.route.endswith("(?P<url>.*)$"):  # catch-all
        return Expectation(admin, api=False, allowed_status=404)
    if endpoint.name == "":  # object URL without action: redirects to the change page
        return Expectation(admin, api=False, allowed_status=302)
    label = admin_model_label(endpoint)
    if label in READ_ONLY_ADMIN_MODELS and (name.endswith("_add") or name.endswith("_delete")):
        return Expectation(admin, api=False, allowed_status=403)
    if label in ADD_REFUSED_ADMIN_MODELS and name.endswith("_add"):
        return Expectation(admin, api=False, allowed_status=403)
    return Expectation(admin, api=False)


def expected_status(expectation: Expectation, visitor: str) -> int:
    authenticated = visitor != ANONYMOUS
    roles = frozenset({Role(visitor)}) if visitor in set(Role) else frozenset()
    if roles_allow(roles, expectation.capability, authenticated=authenticated):
        return expectation.allowed_status
    if not authenticated:
        return 401 if expectation.api else 302
    return 403


@pytest.fixture
def matrix_context(db: None) -> dict:
    return sample_context()


def test_the_urlconf_has_the_pages_this_test_is_known_to_cover() -> None:
    names = {endpoint.full_name for endpoint in all_endpoints()}
    assert {
        "home",
        "audit_trail",
        "login",
        "healthz",
        "api_docs",
        "me",
        "user-list",
        "admin:index",
        "demo:business_case",
    } <= names


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.slow
def test_every_url_answers_what_the_role_matrix_allows(
    visitor: str, client, matrix_context: dict
) -> None:
    if visitor != ANONYMOUS:
        roles = [visitor] if visitor in set(Role) else []
        user = UserFactory(username=f"visitor-{visitor}", roles=roles)
        if visitor == Role.SUPPLIER.value:  # the portal shows their own supplier's orders
            SupplierUser.objects.create(
                user=user, supplier=matrix_context["stock"]["receipt"].line.purchase_order.supplier
            )
        client.force_login(user)
    mismatches = []
    checked = 0
    for endpoint in all_endpoints():
        expectation = expectation_for(endpoint)
        path = concrete_path(endpoint, matrix_context)
        response = getattr(client, expectation.method)(path)
        expected = expected_status(expectation, visitor)
        checked += 1
        if response.status_code != expected:
            mismatches.append(
                f"{expectation.method.upper()} {path}: {response.status_code}, expected {expected}"
            )
        if (
            expectation.method == "post"
            and endpoint.full_name in {"logout", "admin:logout"}
            and visitor != ANONYMOUS
        ):
            client.force_login(User.objects.get(username=f"visitor-{visitor}"))
    assert checked > 20
    assert not mismatches, f"{visitor}:\n" + "\n".join(mismatches)
