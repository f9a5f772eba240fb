from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Users, roles and audit trail"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from celery.signals import task_postrun, task_prerun
        from django.db.backends.signals import connection_created
        from django.db.models.signals import pre_save

        from accounts.append_only import register_sqlite_function
        from accounts.audit import audited_fields, enter_audit_context, fill_log_entry_from_context
        from accounts.audit_chain import link_log_entry
        from accounts.models import AuditLogEntry, Signature, User

        auditlog.register(
            User,
            include_fields=audited_fields(User, exclude={"password", "last_login"}),
        )  # roles (groups) are recorded by services.user_set_roles as one "roles" change
        auditlog.register(Signature, include_fields=audited_fields(Signature))
        pre_save.connect(
            fill_log_entry_from_context, sender=AuditLogEntry, dispatch_uid="audit_context"
        )
        # After the context is filled in: the hash covers actor, reason and source.
        pre_save.connect(link_log_entry, sender=AuditLogEntry, dispatch_uid="audit_chain")
        connection_created.connect(register_sqlite_function, dispatch_uid="audit_purge_function")

        closers: dict[str, object] = {}

        def open_task_context(task_id: str, task: object, **_: object) -> None:
            closers[task_id] = enter_audit_context(source=f"task:{task.name}")  # type: ignore[attr-defined]

        def close_task_context(task_id: str, **_: object) -> None:
            close = closers.pop(task_id, None)
            if callable(close):
                close()

        task_prerun.connect(open_task_context, weak=False, dispatch_uid="audit_task_open")
        task_postrun.connect(close_task_context, weak=False, dispatch_uid="audit_task_close")

        # Sign-in lockouts (django-axes) become SecurityEvents; sign-in starts the session clocks.
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from accounts.sessions import session_started

        user_locked_out.connect(_on_locked_out, dispatch_uid="accounts.locked_out")
        user_logged_in.connect(session_started, dispatch_uid="accounts.session_started")


def _on_locked_out(
    sender: object, request: object, username: str, ip_address: str, **_: object
) -> None:
    from accounts.services import login_lockout_record

    login_lockout_record(username=username or "", remote_addr=ip_address or None)
