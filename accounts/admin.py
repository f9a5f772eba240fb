from typing import Any

from auditlog.mixins import AuditlogHistoryAdminMixin, LogEntryAdminMixin
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group
from django.http import HttpRequest

from accounts.audit import audit_context
from accounts.models import AuditLogEntry, SecurityEvent, Signature, User
from accounts.roles import Role, user_roles
from accounts.services import user_sessions_end, user_set_roles

REASON_FIELD = "change_reason"


def reason_field() -> forms.CharField:
    return forms.CharField(
        label="Reason for change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded in the audit trail with this change.",
    )


def reason_missing_message(labels: list[str]) -> str:
    return f"Give a reason for changing {', '.join(labels)}."


class ReasonModelForm(forms.ModelForm):
    """A change form with a 'Reason for change'. Changing one of `reason_required_for` (regulated
    fields, set by the admin) on an existing record without a reason is refused."""

    change_reason = reason_field()
    reason_required_for: tuple[str, ...] = ()

    def clean(self) -> dict:
        cleaned = super().clean()
        regulated = [name for name in self.reason_required_for if name in self.changed_data]
        if self.instance.pk and regulated and not (cleaned.get(REASON_FIELD) or "").strip():
            labels = [str(self.fields[name].label or name).lower() for name in regulated]
            self.add_error(REASON_FIELD, reason_missing_message(labels))
        return cleaned


class ReasonRequiredInlineFormSet(forms.BaseInlineFormSet):
    """Inline rows whose `reason_required_for` fields (set by the inline) may change on existing
    rows, or existing rows be deleted, only with the parent form's 'Reason for change'."""

    reason_required_for: tuple[str, ...] = ()

    def clean(self) -> None:
        super().clean()
        if (self.data.get(REASON_FIELD) or "").strip():
            return
        for form in self.forms:
            if not form.instance.pk:
                continue
            regulated = [name for name in self.reason_required_for if name in form.changed_data]
            if regulated or (self.can_delete and self._should_delete_form(form)):
                raise forms.ValidationError(reason_missing_message(regulated or ["a row"]))


class AuditedModelAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """Admin for an audited model: a 'Reason for change' field whose text is stored with the
    trail entries of the save, and an 'Audit log' view per object. Changing one of
    `reason_required_for` (regulated fields) needs a reason."""

    form = ReasonModelForm
    show_auditlog_history_link = True
    reason_required_for: tuple[str, ...] = ()

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.reason_required_for = self.reason_required_for
        return form

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        if REASON_FIELD not in flatten_fieldsets(fieldsets):
            fieldsets.append(("Audit", {"fields": [REASON_FIELD]}))
        return fieldsets

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with audit_context(reason=form.cleaned_data.get(REASON_FIELD, "")):
            super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        with audit_context(reason=form.cleaned_data.get(REASON_FIELD, "")):
            super().save_related(request, form, formsets, change)


def roles_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=[(role.value, role.label) for role in Role],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="A role change is recorded in the audit trail and needs a reason.",
    )


class ImportLinkMixin:
    """Adds an 'Import from CSV/XLSX' button to the change list, leading to the import page
    (check, then commit all rows or none) for `import_kind`."""

    import_kind = ""
    change_list_template = "admin/import/change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        extra = {**(extra_context or {}), "import_kind": self.import_kind}
        return super().changelist_view(request, extra_context=extra)  # type: ignore[misc]


class UserChangeWithReasonForm(UserChangeForm):
    roles = roles_field()
    change_reason = reason_field()

    class Meta(UserChangeForm.Meta):
        model = User
        exclude = ["groups", "user_permissions"]
        fields = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = sorted(role.value for role in user_roles(self.instance))

    def clean(self) -> dict:
        cleaned = super().clean()
        roles_changed = set(cleaned.get("roles") or []) != set(self.fields["roles"].initial or [])
        if roles_changed and not (cleaned.get(REASON_FIELD) or "").strip():
            self.add_error(REASON_FIELD, "Give a reason for changing roles.")
        return cleaned


class UserCreateWithReasonForm(UserCreationForm):
    roles = roles_field()
    change_reason = reason_field()

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "email")


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    form = UserChangeWithReasonForm
    add_form = UserCreateWithReasonForm
    list_display = ["username", "full_name", "email", "is_active", "role_names", "last_login"]
    list_filter = ["is_active", ("groups", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["username", "full_name", "email"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["full_name", "email"]}),
        ("Access", {"fields": ["is_active", "roles", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "full_name", "email", "password1", "password2"]}),
        ("Access", {"fields": ["roles"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_sessions_end(user=obj, why="deactivated")

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """Setting a new password signs the user out everywhere and revokes the API token."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            if user is not None:
                user_sessions_end(
                    user=user,
                    why="password set by an administrator",
                    keep_session_key=request.session.session_key,
                )
        return response

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        roles = {Role(name) for name in form.cleaned_data.get("roles") or []}
        previous = user_roles(form.instance) if change else frozenset()  # cached before the save
        if roles == previous:
            return
        reason = form.cleaned_data.get(REASON_FIELD, "") or ("" if change else "new user")
        user_set_roles(actor=request.user, user=form.instance, roles=roles, reason=reason)

    @admin.display(description="Roles")
    def role_names(self, user: User) -> str:
        return ", ".join(sorted(group.name for group in user.groups.all()))

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("groups")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody edits: they can be read and filtered, never added, changed or deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Roles are groups whose names the role matrix relies on: they are fixed by a migration and
# given to users only through the user form (audited, with a reason), never edited directly.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)

if admin.site.is_registered(AuditLogEntry):
    admin.site.unregister(AuditLogEntry)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(LogEntryAdminMixin, ReadOnlyAdmin):
    date_hierarchy = "timestamp"
    list_select_related = ["content_type", "actor"]
    list_display = [
        "created",
        "resource_url",
        "action",
        "msg_short",
        "user_url",
        "reason",
        "source",
    ]
    list_filter = ["action", "source", "content_type"]
    search_fields = ["object_repr", "reason", "actor__username", "actor__full_name"]
    readonly_fields = [
        "created",
        "resource_url",
        "action",
        "user_url",
        "msg",
        "reason",
        "source",
        "sequence",
        "previous_hash",
        "entry_hash",
    ]
    fieldsets = [
        (None, {"fields": ["created", "user_url", "resource_url", "source"]}),
        ("Changes", {"fields": ["action", "msg", "reason"]}),
        ("Hash chain", {"fields": ["sequence", "previous_hash", "entry_hash"]}),
    ]


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["signed_at", "signer_full_name", "meaning", "content_type", "object_pk"]
    list_filter = ["meaning", "content_type"]
    search_fields = ["signer_full_name", "signer_username", "object_pk"]
    date_hierarchy = "signed_at"


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "username", "remote_addr"]
    list_filter = ["kind"]
    search_fields = ["username"]
    date_hierarchy = "occurred_at"
