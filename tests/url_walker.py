"""One walk over the URLconf, and sample arguments for every URL that takes some.

The tests that must cover every URL (the role matrix, the scope audit, the API permission
check, the export escaping) read the list from here, so a new page, API endpoint or admin
model is covered by all of them without editing any. A new URL that takes arguments fails
`concrete_path` until SAMPLE_KWARGS (or, for an admin model, SAMPLE_OBJECTS) says how to fill
it.

The sample functions take a context: `target` (a user), `interval` (a beat schedule), `stock`
(a received purchase-order line, see `sample_stock`) and `samples` (records made once per
test); `sample_context()` builds one.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import SecurityEvent, Signature, User
from accounts.roles import Role
from accounts.services import signature_sign
from inventory.services.imports import import_check
from tests.factories import TEST_PASSWORD, UserFactory


@dataclass(frozen=True)
class Endpoint:
    route: str  # the pattern as written, for messages
    name: str
    namespace: str
    pattern: URLPattern
    prefix: str

    @property
    def full_name(self) -> str:
        return f"{self.namespace}:{self.name}" if self.namespace else self.name

    @property
    def takes_arguments(self) -> bool:
        pattern = self.pattern.pattern
        return bool(getattr(pattern, "converters", {}) or pattern.regex.groupindex)

    @property
    def view_class(self) -> type | None:
        """The class-based view behind the URL (DRF's or Django's), None for a function."""
        callback = self.pattern.callback
        return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


def walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[Endpoint]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(
                entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace
            )
        elif isinstance(entry, URLPattern):
            yield Endpoint(prefix + str(entry.pattern), entry.name or "", namespace, entry, prefix)


def all_endpoints() -> list[Endpoint]:
    """Every URL pattern of the project's URLconf, named or not, in URLconf order."""
    return list(walk(get_resolver().url_patterns))


# ---- sample objects for URLs that take an id --------------------------------------------


def _signature(ctx: dict) -> Signature:
    return signature_sign(
        signer=ctx["target"], password=TEST_PASSWORD, meaning="reviewed", target=ctx["target"]
    )


def _model(label: str) -> Any:
    return apps.get_model(label)


def sample_proposal(ctx: dict) -> Any:
    """A supplier's proposal waiting on the sample line (made once per test)."""
    if "proposal" not in ctx["samples"]:
        ctx["samples"]["proposal"] = _model("suppliers.LineProposal").objects.create(
            line=ctx["stock"]["receipt"].line,
            proposed_date=date(2026, 2, 1),
            proposed_quantity=5,
            proposed_by=ctx["target"],
        )
    return ctx["samples"]["proposal"]


def sample_alert(ctx: dict) -> Any:
    """An open alert (made once per test)."""
    if "alert" not in ctx["samples"]:
        from alerts.services.alerts import Condition, alert_raise

        ctx["samples"]["alert"] = alert_raise(
            Condition(
                kind="po_late", key="po:sample", severity="high", title="Sample", message="Sample"
            )
        )
    return ctx["samples"]["alert"]


SAMPLE_OBJECTS: dict[str, Callable[[dict], Any]] = {
    "accounts.user": lambda ctx: ctx["target"],
    "accounts.auditlogentry": lambda ctx: _model("accounts.AuditLogEntry").objects.first(),
    "accounts.signature": _signature,
    "accounts.securityevent": lambda ctx: SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.SIGNATURE_FAILED, username="someone"
    ),
    # The token admin addresses a token by its user's id (TokenProxy.pk).
    "authtoken.tokenproxy": lambda ctx: _model("authtoken.TokenProxy").objects.create(
        user=ctx["target"]
    ),
    "django_celery_beat.intervalschedule": lambda ctx: ctx["interval"],
    "django_celery_beat.crontabschedule": lambda ctx: _model(
        "django_celery_beat.CrontabSchedule"
    ).objects.create(minute="0", hour="2"),
    "django_celery_beat.solarschedule": lambda ctx: _model(
        "django_celery_beat.SolarSchedule"
    ).objects.create(event="sunrise", latitude=50, longitude=4),
    "django_celery_beat.clockedschedule": lambda ctx: _model(
        "django_celery_beat.ClockedSchedule"
    ).objects.create(clocked_time=timezone.now()),
    "django_celery_beat.periodictask": lambda ctx: _model(
        "django_celery_beat.PeriodicTask"
    ).objects.create(
        name="nightly ping", task="accounts.diagnostics.ping", interval=ctx["interval"]
    ),
    # django-axes: sign-in lockouts and the access log (unlock = delete the attempt).
    "axes.accessattempt": lambda ctx: _model("axes.AccessAttempt").objects.create(
        username="someone", ip_address="10.0.0.9", failures_since_start=1
    ),
    "axes.accesslog": lambda ctx: _model("axes.AccessLog").objects.create(
        username="someone", ip_address="10.0.0.9"
    ),
    "axes.accessfailurelog": lambda ctx: _model("axes.AccessFailureLog").objects.create(
        username="someone", ip_address="10.0.0.9"
    ),
    "django_celery_results.taskresult": lambda ctx: _model(
        "django_celery_results.TaskResult"
    ).objects.create(task_id="sample-task"),
    "django_celery_results.groupresult": lambda ctx: _model(
        "django_celery_results.GroupResult"
    ).objects.create(group_id="sample-group"),
    "inventory.sku": lambda ctx: ctx["stock"]["lot"].sku,
    "inventory.site": lambda ctx: ctx["stock"]["lot"].site,
    "inventory.lot": lambda ctx: ctx["stock"]["lot"],
    "inventory.stockmovement": lambda ctx: ctx["stock"]["lot"].movements.first(),
    "inventory.stockposition": lambda ctx: ctx["stock"]["lot"].sku.positions.first(),
    "inventory.dailydemand": lambda ctx: _model("inventory.DailyDemand").objects.create(
        sku=ctx["stock"]["lot"].sku,
        site=ctx["stock"]["lot"].site,
        date=date(2026, 1, 1),
        quantity=3,
    ),
    "suppliers.supplier": lambda ctx: ctx["stock"]["receipt"].line.purchase_order.supplier,
    "suppliers.supplieritem": lambda ctx: _model("suppliers.SupplierItem").objects.create(
        supplier=ctx["stock"]["receipt"].line.purchase_order.supplier,
        sku=ctx["stock"]["lot"].sku,
        lead_time_mean_days=10,
        unit_price=5,
    ),
    "suppliers.purchaseorder": lambda ctx: ctx["stock"]["receipt"].line.purchase_order,
    "suppliers.receipt": lambda ctx: ctx["stock"]["receipt"],
    "inventory.importbatch": lambda ctx: import_check(
        actor=None, kind="sites", filename="sites.csv", content=b"code,name,echelon\nX9,X,dc\n"
    ),
    "inventory.storageunit": lambda ctx: sample_excursion(ctx).unit,
    "suppliers.supplieruser": lambda ctx: _model("suppliers.SupplierUser").objects.create(
        user=ctx["target"], supplier=ctx["stock"]["receipt"].line.purchase_order.supplier
    ),
    "suppliers.lineproposal": sample_proposal,
    "suppliers.shippingnotice": lambda ctx: _model("suppliers.ShippingNotice").objects.create(
        purchase_order=ctx["stock"]["receipt"].line.purchase_order,
        number="ASN-1",
        shipped_on=date(2026, 1, 1),
        expected_on=date(2026, 1, 3),
        created_by=ctx["target"],
    ),
    "suppliers.scorecardweights": lambda ctx: _model(
        "suppliers.ScorecardWeights"
    ).objects.get_or_create(name="default")[0],
    "suppliers.supplierscorecard": lambda ctx: _model("suppliers.SupplierScorecard").objects.create(
        supplier=ctx["stock"]["receipt"].line.purchase_order.supplier, month=date(2026, 1, 1)
    ),
    "alerts.alertsettings": lambda ctx: _model("alerts.AlertSettings").objects.get_or_create(
        name="default"
    )[0],
    "alerts.alert": sample_alert,
}


def sample_excursion(ctx: dict) -> Any:
    """An open excursion in a fridge at the sample lot's site, with the lot exposed."""
    if "excursion" not in ctx["samples"]:
        lot = ctx["stock"]["lot"]
        unit = _model("inventory.StorageUnit").objects.create(
            site=lot.site, code="FRIDGE-1", name="Fridge", zone="refrigerated"
        )
        excursion = _model("inventory.Excursion").objects.create(
            unit=unit, started_at=timezone.now(), min_celsius=9, max_celsius=11
        )
        _model("inventory.ExcursionLot").objects.create(excursion=excursion, lot=lot, quantity=10)
        ctx["samples"]["excursion"] = excursion
    return ctx["samples"]["excursion"]


def sample_count(ctx: dict) -> dict[str, int]:
    """A submitted cycle count of the sample lot's site (made once per test), so its sheet and
    its review both answer."""
    if "count" not in ctx["samples"]:
        from inventory.services.counts import cycle_count_create, cycle_count_record

        count = cycle_count_create(actor=None, site=ctx["stock"]["lot"].site)
        quantities = {line.pk: line.book_quantity for line in count.lines.all()}
        ctx["samples"]["count"] = cycle_count_record(
            actor=None, count=count, quantities=quantities, submit=True
        )
    return {"pk": ctx["samples"]["count"].pk}


def published_forecast(ctx: dict) -> int:
    """Publish a (small) forecast run so the forecast API has something to answer with."""
    from forecasting.services import forecast_run_create, forecast_run_publish

    run = forecast_run_create(actor=None, as_of=date(2026, 1, 1), history_days=120)
    forecast_run_publish(run_id=run.pk)
    return ctx["stock"]["lot"].sku_id


def sample_override(ctx: dict) -> Any:
    """An override on a (bare) succeeded run, as the withdraw URL needs one."""
    lot = ctx["stock"]["lot"]
    run = _model("forecasting.ForecastRun").objects.create(
        as_of=date(2026, 1, 1), engine_version="sample", status="succeeded"
    )
    return _model("forecasting.ForecastOverride").objects.create(
        sku_id=lot.sku_id,
        site_id=lot.site_id,
        start_date=date(2026, 1, 1),
        end_date=date(2026, 1, 7),
        kind="percent",
        value=10,
        reason="sample",
        run=run,
        statistical=[1.0] * 7,
        created_by=ctx["target"],
    )


def sample_policy(ctx: dict) -> dict[str, int]:
    """A computed policy for the sample SKU-site (a published forecast, then a refresh)."""
    from optimization.services.policies import policies_refresh
    from tests.factories import published_series

    lot = ctx["stock"]["lot"]
    published_series(lot.sku, lot.site, [5.0] * 30, as_of=date(2026, 1, 1))
    policies_refresh()
    return {"sku_id": lot.sku_id, "site_id": lot.site_id}


def sample_suggestion(ctx: dict) -> dict[str, int]:
    """A suggested order in the current plan (made once per test)."""
    from tests.factories import SuggestedOrderFactory

    if "suggestion" not in ctx["samples"]:
        ctx["samples"]["suggestion"] = SuggestedOrderFactory()
    return {"pk": ctx["samples"]["suggestion"].pk}


def sample_transfer_order(ctx: dict) -> dict[str, int]:
    """An open transfer order of the sample lot's SKU from its site to another (made once)."""
    from tests.factories import SiteFactory

    if "transfer_order" not in ctx["samples"]:
        lot = ctx["stock"]["lot"]
        ctx["samples"]["transfer_order"] = _model("inventory.TransferOrder").objects.create(
            number="TO-SAMPLE",
            sku=lot.sku,
            source=lot.site,
            destination=SiteFactory(),
            quantity=5,
            reason="sample",
        )
    return {"pk": ctx["samples"]["transfer_order"].pk}


def sample_suggested_transfer(ctx: dict) -> dict[str, int]:
    """A suggested transfer of a (bare) plan run, from the sample lot's site to another."""
    from tests.factories import SiteFactory

    lot = ctx["stock"]["lot"]
    run = _model("optimization.PlanRun").objects.create(as_of=date(2026, 1, 1), status="succeeded")
    suggestion = _model("optimization.SuggestedTransfer").objects.create(
        plan=run,
        sku=lot.sku,
        source=lot.site,
        destination=SiteFactory(),
        quantity=5,
        unit_cost=1,
        saving=1,
        reason="sample",
    )
    return {"pk": suggestion.pk}


def portal_order_kwargs(ctx: dict) -> dict[str, Any]:
    """A portal URL names the order by its number (the visiting supplier user's own order)."""
    return {"number": ctx["stock"]["receipt"].line.purchase_order.number}


def portal_line_kwargs(ctx: dict) -> dict[str, Any]:
    line = ctx["stock"]["receipt"].line
    return {"number": line.purchase_order.number, "line_id": line.pk}


def sample_object(ctx: dict, label: str) -> Any:
    """The sample record of a model, made once per test."""
    if label not in ctx["samples"]:
        ctx["samples"][label] = SAMPLE_OBJECTS[label](ctx)
    return ctx["samples"][label]


# Non-admin URLs that take arguments: how to fill them.
SAMPLE_KWARGS: dict[str, Callable[[dict], dict[str, Any]]] = {
    "user-detail": lambda ctx: {"pk": ctx["target"].pk},
    "audit_object": lambda ctx: {"model_label": "accounts.user", "object_pk": ctx["target"].pk},
    "audit_object_export": lambda ctx: {
        "model_label": "accounts.user",
        "object_pk": ctx["target"].pk,
        "fmt": "csv",
    },
    "inventory:sku_detail": lambda ctx: {"pk": ctx["stock"]["lot"].sku_id},
    "sku-detail": lambda ctx: {"pk": ctx["stock"]["lot"].sku_id},
    "site-detail": lambda ctx: {"pk": ctx["stock"]["lot"].site_id},
    "lot-detail": lambda ctx: {"pk": ctx["stock"]["lot"].pk},
    "stock-level-detail": lambda ctx: {"pk": ctx["stock"]["lot"].sku.positions.first().pk},
    "supplier-detail": lambda ctx: {"pk": ctx["stock"]["receipt"].line.purchase_order.supplier_id},
    "supplier-item-detail": lambda ctx: {"pk": sample_object(ctx, "suppliers.supplieritem").pk},
    "purchase-order-detail": lambda ctx: {"pk": ctx["stock"]["receipt"].line.purchase_order_id},
    "suppliers:purchase_order_detail": lambda ctx: {
        "pk": ctx["stock"]["receipt"].line.purchase_order_id
    },
    "suppliers:purchase_order_print": lambda ctx: {
        "pk": ctx["stock"]["receipt"].line.purchase_order_id
    },
    "portal:order": portal_order_kwargs,
    "portal:acknowledge": portal_order_kwargs,
    "portal:line_confirm": portal_line_kwargs,
    "portal:line_propose": portal_line_kwargs,
    "portal:shipping_notice": portal_order_kwargs,
    "portal:message": portal_order_kwargs,
    "suppliers:purchase_order_send": lambda ctx: {
        "pk": ctx["stock"]["receipt"].line.purchase_order_id
    },
    "suppliers:purchase_order_message": lambda ctx: {
        "pk": ctx["stock"]["receipt"].line.purchase_order_id
    },
    "suppliers:receive_order": lambda ctx: {"pk": ctx["stock"]["receipt"].line.purchase_order_id},
    "suppliers:receive_notice": lambda ctx: {
        "pk": sample_object(ctx, "suppliers.shippingnotice").pk
    },
    "suppliers:receipt_summary": lambda ctx: {"pk": ctx["stock"]["receipt"].line.purchase_order_id},
    "suppliers:line_amend": lambda ctx: {"pk": ctx["stock"]["receipt"].line_id},
    "suppliers:line_reapprove": lambda ctx: {"pk": ctx["stock"]["receipt"].line_id},
    "suppliers:proposal_accept": lambda ctx: {"pk": sample_proposal(ctx).pk},
    "suppliers:proposal_reject": lambda ctx: {"pk": sample_proposal(ctx).pk},
    "suppliers:supplier_performance": lambda ctx: {
        "supplier_id": ctx["stock"]["receipt"].line.purchase_order.supplier_id
    },
    "purchase-order-acknowledge": portal_order_kwargs,
    "purchase-order-line-confirm": portal_line_kwargs,
    "purchase-order-line-amend": portal_line_kwargs,
    "purchase-order-line-reapprove": portal_line_kwargs,
    "purchase-order-line-propose": portal_line_kwargs,
    "reorder-recommendation-edit": sample_suggestion,
    "reorder-recommendation-reject": sample_suggestion,
    "reorder-plan-run-detail": lambda ctx: {
        "pk": _model("optimization.PlanRun")
        .objects.create(as_of=date(2026, 1, 1), status="succeeded")
        .pk
    },
    "inventory:import_detail": lambda ctx: {"pk": sample_object(ctx, "inventory.importbatch").pk},
    "inventory:import_commit": lambda ctx: {"pk": sample_object(ctx, "inventory.importbatch").pk},
    "inventory:import_file": lambda ctx: {"pk": sample_object(ctx, "inventory.importbatch").pk},
    "inventory:import_template": lambda ctx: {"kind": "skus"},
    "inventory:excursion_detail": lambda ctx: {"pk": sample_excursion(ctx).pk},
    "inventory:lot_detail": lambda ctx: {"pk": ctx["stock"]["lot"].pk},
    "inventory:lot_status": lambda ctx: {"pk": ctx["stock"]["lot"].pk},
    "inventory:lot_recall": lambda ctx: {"pk": ctx["stock"]["lot"].pk},
    "inventory:transfer_order_detail": sample_transfer_order,
    "inventory:transfer_order_pick": sample_transfer_order,
    "inventory:transfer_order_ship": sample_transfer_order,
    "inventory:transfer_order_receive": sample_transfer_order,
    "inventory:transfer_order_cancel": sample_transfer_order,
    "optimization:plan_transfer_order": sample_suggested_transfer,
    "inventory:excursion_lot_decide": lambda ctx: {
        "pk": sample_excursion(ctx).pk,
        "lot_id": ctx["stock"]["lot"].pk,
    },
    "inventory:count_sheet": sample_count,
    "inventory:count_print": sample_count,
    "inventory:count_review": sample_count,
    "inventory:count_approve": sample_count,
    "inventory:count_cancel": sample_count,
    "forecast-demand": lambda ctx: {"sku_id": published_forecast(ctx)},
    "forecasting:series": lambda ctx: {
        "sku_id": ctx["stock"]["lot"].sku_id,
        "site_id": ctx["stock"]["lot"].site_id,
    },
    "forecasting:override_create": lambda ctx: {
        "sku_id": ctx["stock"]["lot"].sku_id,
        "site_id": ctx["stock"]["lot"].site_id,
    },
    "forecasting:override_withdraw": lambda ctx: {"pk": sample_override(ctx).pk},
    "optimization:policy_detail": sample_policy,
    "optimization:suggestion_detail": sample_suggestion,
    "optimization:suggestion_edit": sample_suggestion,
    "optimization:suggestion_reject": sample_suggestion,
    "optimization:plan_run_progress": lambda ctx: {
        "pk": _model("optimization.PlanRun")
        .objects.create(as_of=date(2026, 1, 1), status="succeeded")
        .pk
    },
    "optimization:simulation_progress": lambda ctx: {
        "pk": _model("optimization.PolicySimulation").objects.create(status="succeeded").pk
    },
    "optimization:scenario_detail": lambda ctx: {
        "pk": _model("optimization.Scenario").objects.create(name="Sample", status="succeeded").pk
    },
    "optimization:scenario_progress": lambda ctx: {
        "pk": _model("optimization.Scenario").objects.create(name="Sample", status="running").pk
    },
    "alerts:detail": lambda ctx: {"pk": sample_alert(ctx).pk},
    "alerts:acknowledge": lambda ctx: {"pk": sample_alert(ctx).pk},
    "alerts:assign": lambda ctx: {"pk": sample_alert(ctx).pk},
    "alerts:comment": lambda ctx: {"pk": sample_alert(ctx).pk},
    "alerts:resolve": lambda ctx: {"pk": sample_alert(ctx).pk},
    "forecasting:run_progress": lambda ctx: {
        "pk": _model("forecasting.ForecastRun")
        .objects.create(as_of=date(2026, 1, 1), engine_version="sample", status="succeeded")
        .pk
    },
}

# Admin models whose records are never added, changed or deleted through the admin.


def admin_model_label(endpoint: Endpoint) -> str | None:
    """`app_label.model` of an admin-site model URL, None for the admin's other URLs."""
    parts = endpoint.route.split("/")
    if len(parts) > 3 and parts[0] == "admin" and is_installed_label(parts[1]):
        return f"{parts[1]}.{parts[2]}"
    return None


def is_installed_label(label: str) -> bool:
    return any(config.label == label for config in apps.get_app_configs())


def concrete_path(endpoint: Endpoint, ctx: dict) -> str:
    pattern = endpoint.pattern.pattern
    converters = getattr(pattern, "converters", {})
    regex_groups = pattern.regex.groupindex
    if not converters and not regex_groups:
        return "/" + endpoint.prefix.replace("^", "") + str(pattern).lstrip("^").rstrip("$")
    kwargs: dict[str, Any]
    if endpoint.namespace == "admin":
        kwargs = admin_kwargs(endpoint, ctx)
    elif endpoint.full_name in SAMPLE_KWARGS:
        kwargs = SAMPLE_KWARGS[endpoint.full_name](ctx)
    else:
        pytest.fail(
            f"{endpoint.route} ({endpoint.full_name}) takes arguments: add it to SAMPLE_KWARGS"
        )
    if endpoint.name:
        return reverse(endpoint.full_name, kwargs=kwargs)
    route = endpoint.route
    for key, value in kwargs.items():
        route = route.replace(f"<path:{key}>", str(value)).replace(f"(?P<{key}>.*)$", str(value))
    return "/" + route


def admin_kwargs(endpoint: Endpoint, ctx: dict) -> dict[str, Any]:
    name = endpoint.name
    if name == "app_list":
        return {"app_label": "accounts"}
    if name == "view_on_site":
        from django.contrib.contenttypes.models import ContentType

        return {
            "content_type_id": ContentType.objects.get_for_model(User).pk,
            "object_id": ctx["target"].pk,
        }
    if endpoint.route.endswith("(?P<url>.*)$"):
        return {"url": "no-such-page/"}
    label = admin_model_label(endpoint)
    if label is None or label not in SAMPLE_OBJECTS:
        pytest.fail(
            f"{endpoint.route}: add a sample object for admin model '{label}' to SAMPLE_OBJECTS"
        )
    sample = sample_object(ctx, label)
    key = "id" if "<id>" in endpoint.route else "object_id"
    return {key: sample.pk}


def sample_context() -> dict[str, Any]:
    """The context the sample functions fill URL arguments from."""
    from django_celery_beat.models import IntervalSchedule

    return {
        "target": UserFactory(username="target", roles=[Role.VIEWER.value]),
        "interval": IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS),
        "stock": sample_stock(),
        "samples": {},
    }


def sample_stock() -> dict[str, Any]:
    """A received purchase-order line: a supplier, order, receipt, lot, movement and position."""
    from suppliers.services.purchase_orders import purchase_order_line_receive
    from tests.factories import PurchaseOrderLineFactory

    line = PurchaseOrderLineFactory()
    receipt = purchase_order_line_receive(
        actor=None,
        line=line,
        quantity_received=10,
        lot_number="SAMPLE-1",
        expiry_date=date(2030, 1, 1),
        today=date(2026, 1, 1),
    )
    return {"lot": receipt.lot, "receipt": receipt}
