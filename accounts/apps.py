from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Users, roles and audit trail"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from celery.signals import task_postrun, task_prerun
        from django.db.models.signals import pre_save

        from .audit import audited_fields, enter_audit_context, fill_log_entry_from_context
        from .models import AuditLogEntry, Signature, User

        auditlog.register(
            User,
            include_fields=audited_fields(User, exclude={"password", "last_login"}),
        )  # roles (groups) are recorded by services.user_set_roles as one "roles" change
        auditlog.register(Signature, include_fields=audited_fields(Signature))
        pre_save.connect(
            fill_log_entry_from_context, sender=AuditLogEntry, dispatch_uid="audit_context"
        )

        closers: dict[str, object] = {}

        def open_task_context(task_id: str, task: object, **_: object) -> None:
            closers[task_id] = enter_audit_context(source=f"task:{task.name}")  # type: ignore[attr-defined]

        def close_task_context(task_id: str, **_: object) -> None:
            close = closers.pop(task_id, None)
            if callable(close):
                close()

        task_prerun.connect(open_task_context, weak=False, dispatch_uid="audit_task_open")
        task_postrun.connect(close_task_context, weak=False, dispatch_uid="audit_task_close")
