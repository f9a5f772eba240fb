"""The alert inbox: the list (filters, counts, pages), one alert's detail with its timeline, the
actions on it, the navigation badge and each user's e-mail preferences.

Who may do what: everyone with VIEW_OPERATIONS reads alerts (admins, planners, quality,
viewers); acknowledging, assigning, commenting and resolving is for planners, quality and admins
(`selectors.user_can_act_on_alerts`: PLAN, QUALITY_DECISIONS or MANAGE_MASTER_DATA), so viewers
stay read-only. The action URLs declare VIEW_OPERATIONS for the role matrix (they answer GET
with 405) and refuse a viewer's POST with 403.

Each action answers an htmx request with the alert's detail fragment again (with the form's
errors, or a notice) and the `alertsChanged` client event, on which the list and the badge
refresh themselves.
"""

from abc import ABC, abstractmethod
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import trigger_client_event

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from alerts.forms import AssignForm, CommentForm, InboxFilterForm, PreferenceForm, ResolveForm
from alerts.models import SEVERITY_RANK, Alert, AlertStatus, NotificationPreference, Severity
from alerts.selectors import alerts as selectors
from alerts.services import alerts as services
from common.errors import DomainError
from common.tables import Column
from common.views import HtmxPartialMixin, query_without

PAGE_SIZE = 50
SEVERITY_STYLES = {
    Severity.CRITICAL: "danger",
    Severity.HIGH: "warning",
    Severity.MEDIUM: "info",
    Severity.LOW: "secondary",
}
STATUS_STYLES = {
    AlertStatus.OPEN: "danger",
    AlertStatus.ACKNOWLEDGED: "primary",
    AlertStatus.RESOLVED: "success",
}
SEVERITIES = sorted(Severity.values, key=lambda value: SEVERITY_RANK[Severity(value)])
CHANGED_EVENT = "alertsChanged"
INBOX_COLUMNS = (
    Column("Severity"),
    Column("Alert"),
    Column("Site"),
    Column("Assignee"),
    Column("Status"),
    Column("First seen"),
)


def _styles() -> dict[str, Any]:
    return {"severity_styles": SEVERITY_STYLES, "status_styles": STATUS_STYLES}


class InboxView(CapabilityRequiredMixin, HtmxPartialMixin, TemplateView):
    """Every alert the filters leave, most severe first; htmx gets the results alone."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "alerts/inbox.html"
    partial_name = "results"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = InboxFilterForm(self.request.GET)
        filters = form.filters()
        user = self.request.user
        page = Paginator(selectors.alerts_inbox(user, filters), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        counts = selectors.inbox_severity_counts(user, filters)
        context.update(
            _styles(),
            form=form,
            filters=filters,
            page_obj=page,
            alerts=page.object_list,
            columns=INBOX_COLUMNS,
            severity_counts=[
                (value, Severity(value).label, counts.get(value, 0)) for value in SEVERITIES
            ],
            total=sum(counts.values()),
            can_act=selectors.user_can_act_on_alerts(user),
            query=query_without(self.request, "page"),
            severity_query=query_without(self.request, "page", "severity"),
            opened=self.request.GET.get("open", ""),
        )
        return context


def detail_context(request: Any, alert: Alert, **forms: Any) -> dict[str, Any]:
    return {
        **_styles(),
        "alert": alert,
        "detail_rows": [
            (name.replace("_", " ").capitalize(), value)
            for name, value in (alert.detail or {}).items()
            if not isinstance(value, list | dict)
        ],
        "timeline": selectors.alert_timeline(alert),
        "can_act": selectors.user_can_act_on_alerts(request.user) and alert.is_active,
        "assign_form": forms.get("assign_form")
        or AssignForm(auto_id="a-%s", initial={"assignee": alert.assignee_id}),
        "comment_form": forms.get("comment_form") or CommentForm(auto_id="c-%s"),
        "resolve_form": forms.get("resolve_form") or ResolveForm(auto_id="r-%s"),
        "notice": forms.get("notice", ""),
    }


def render_detail(
    request: Any, alert: Alert, *, changed: bool = False, **forms: Any
) -> HttpResponse:
    context = detail_context(request, alert, **forms)
    if request.htmx:
        response = render(request, "alerts/_detail.html", context)
        if changed:
            trigger_client_event(response, CHANGED_EVENT)
        return response
    return render(
        request, "alerts/detail.html", context, status=400 if forms.get("invalid") else 200
    )


def _alert_or_404(request: Any, pk: int) -> Alert:
    alert = selectors.alert_for(request.user, pk)
    if alert is None:
        raise Http404("No such alert.")
    return alert


class AlertDetailView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_OPERATIONS

    def get(self, request: Any, pk: int) -> HttpResponse:
        response = render_detail(request, _alert_or_404(request, pk))
        response["Vary"] = "HX-Request"
        return response


class AlertActionView(CapabilityRequiredMixin, View, ABC):
    """POST only; planners, quality and admins. Subclasses call one service in `act`."""

    required_capability = Capability.VIEW_OPERATIONS
    http_method_names = ["post", "options"]
    form_class: Any = None
    form_name = ""
    done = ""

    def post(self, request: Any, pk: int) -> HttpResponse:
        if not selectors.user_can_act_on_alerts(request.user):
            raise PermissionDenied("Viewers read alerts; planners, quality and admins act on them.")
        alert = _alert_or_404(request, pk)
        form = self.form_class(request.POST, **self.form_kwargs()) if self.form_class else None
        if form is None or form.is_valid():
            try:
                self.act(request, alert, form.cleaned_data if form else {})
            except DomainError as refused:
                if form is None:
                    return render_detail(
                        request, _alert_or_404(request, pk), notice=refused.message
                    )
                form.add_refusal(refused)
            else:
                if not request.htmx:
                    messages.success(request, self.done)
                    return redirect("alerts:detail", pk=pk)
                return render_detail(
                    request, _alert_or_404(request, pk), changed=True, notice=self.done
                )
        return render_detail(
            request, _alert_or_404(request, pk), invalid=True, **{self.form_name: form}
        )

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    @abstractmethod
    def act(self, request: Any, alert: Alert, data: dict[str, Any]) -> None:
        """Call the one service this action stands for."""


class AlertAcknowledgeView(AlertActionView):
    done = "Acknowledged."

    def act(self, request: Any, alert: Alert, data: dict[str, Any]) -> None:
        services.alert_acknowledge(actor=request.user, alert_id=alert.pk)


class AlertAssignView(AlertActionView):
    form_class = AssignForm
    form_name = "assign_form"
    done = "Assignment saved."

    def form_kwargs(self) -> dict[str, Any]:
        return {"auto_id": "a-%s"}

    def act(self, request: Any, alert: Alert, data: dict[str, Any]) -> None:
        services.alert_assign(actor=request.user, alert_id=alert.pk, assignee=data["assignee"])


class AlertCommentView(AlertActionView):
    form_class = CommentForm
    form_name = "comment_form"
    done = "Comment added."

    def form_kwargs(self) -> dict[str, Any]:
        return {"auto_id": "c-%s"}

    def act(self, request: Any, alert: Alert, data: dict[str, Any]) -> None:
        services.alert_comment(actor=request.user, alert_id=alert.pk, body=data["body"])


class AlertResolveView(AlertActionView):
    form_class = ResolveForm
    form_name = "resolve_form"
    done = "Resolved."

    def form_kwargs(self) -> dict[str, Any]:
        return {"auto_id": "r-%s"}

    def act(self, request: Any, alert: Alert, data: dict[str, Any]) -> None:
        services.alert_resolve(actor=request.user, alert_id=alert.pk, reason=data["reason"])


class BadgeView(CapabilityRequiredMixin, View):
    """The navigation badge: active alerts, critical ones in red. It polls itself."""

    required_capability = Capability.VIEW_OPERATIONS

    def get(self, request: Any) -> HttpResponse:
        counts = selectors.active_counts_for(request.user)
        critical = counts.get(Severity.CRITICAL, 0)
        context = {
            "critical": critical,
            "others": sum(counts.values()) - critical,
            "total": sum(counts.values()),
            "poll_seconds": settings.ALERTS_BADGE_POLL_SECONDS,
        }
        response = render(request, "alerts/_badge.html", context)
        response["Cache-Control"] = "no-store"
        return response


class PreferencesView(CapabilityRequiredMixin, View):
    """The signed-in user's alert e-mails (critical by default; high on request)."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "alerts/preferences.html"

    def _instance(self, request: Any) -> NotificationPreference:
        return NotificationPreference.objects.filter(user=request.user).first() or (
            NotificationPreference(user=request.user)
        )

    def get(self, request: Any) -> HttpResponse:
        form = PreferenceForm(instance=self._instance(request))
        return render(request, self.template_name, {"form": form})

    def post(self, request: Any) -> HttpResponse:
        form = PreferenceForm(request.POST, instance=self._instance(request))
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        services.notification_preference_set(
            actor=request.user,
            email_critical=form.cleaned_data["email_critical"],
            email_high=form.cleaned_data["email_high"],
        )
        messages.success(request, "Your alert e-mail preferences are saved.")
        return redirect(reverse("alerts:preferences"))
