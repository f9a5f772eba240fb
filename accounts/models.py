from auditlog.models import AbstractLogEntry
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone


class User(AbstractUser):
    """A person who signs in. `full_name` is the printed name shown on signatures."""

    first_name = None
    last_name = None
    full_name = models.CharField("full name", max_length=150)
    approval_limit = models.DecimalField(
        "order approval limit",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="The largest order value this user may approve alone; above it a second "
        "approver is needed. Empty: the PLAN_DEFAULT_APPROVAL_LIMIT setting.",
    )

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})" if self.full_name else self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.username


class AuditLogEntry(AbstractLogEntry):
    """One change of an audited record: who, when (UTC), old -> new values, why and from where.

    Written only by the audit machinery (accounts.audit), never edited: the database refuses
    UPDATE and DELETE on the table (migration 0005), and each entry is chained to the one before
    it by a hash (accounts.audit_chain), checked by `manage.py verify_audit_trail`.
    """

    reason = models.TextField(blank=True)
    source = models.CharField(
        max_length=120, blank=True, help_text="web, api, admin, task:<name> or command:<name>"
    )
    sequence = models.PositiveBigIntegerField(
        unique=True, editable=False, help_text="Place in the trail: 1, 2, 3 … without gaps."
    )
    previous_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(
        max_length=64, editable=False, help_text="SHA-256 of the content and previous_hash."
    )

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "audit trail entry"
        verbose_name_plural = "audit trail"
        indexes = [
            models.Index(fields=["content_type", "object_pk"], name="audit_object_idx"),
            models.Index(fields=["actor", "timestamp"], name="audit_actor_time_idx"),
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        # A new entry takes its place in the chain (pre_save, accounts.audit_chain) under a lock
        # held until the insert commits: inside the caller's transaction, or a short one here.
        with transaction.atomic(using=kwargs.get("using")):  # type: ignore[arg-type]
            super().save(*args, **kwargs)  # type: ignore[arg-type]


class Signature(models.Model):
    """An electronic signature: the signer re-entered the password to sign a record.

    Keeps the printed name, the UTC time, the meaning and a hash of the signed record's
    content at signing time, so a later change to the record can be detected.
    """

    class Meaning(models.TextChoices):
        APPROVED = "approved", "Approved"
        REVIEWED = "reviewed", "Reviewed"
        RELEASED = "released", "Released"
        REJECTED = "rejected", "Rejected"
        AUTHORED = "authored", "Authored"

    signer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="signatures")
    signer_full_name = models.CharField(max_length=150)
    signer_username = models.CharField(max_length=150)
    meaning = models.CharField(max_length=20, choices=Meaning.choices)
    reason = models.TextField(blank=True)
    signed_at = models.DateTimeField(default=timezone.now, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_pk = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_pk")
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["content_type", "object_pk"], name="signature_target_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(signer_full_name=""), name="signature_has_printed_name"
            ),
            models.CheckConstraint(
                condition=Q(
                    meaning__in=["approved", "reviewed", "released", "rejected", "authored"]
                ),
                name="signature_meaning_valid",
            ),
            models.CheckConstraint(condition=~Q(content_hash=""), name="signature_has_hash"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_meaning_display()} by {self.signer_full_name} "
            f"at {self.signed_at:%Y-%m-%d %H:%M:%S} UTC"
        )


class SecurityEvent(models.Model):
    """A security-relevant event a reviewer must be able to find: failed signatures, sign-in
    lockouts, sessions ended by a deactivation or a password change."""

    class Kind(models.TextChoices):
        SIGNATURE_FAILED = "signature_failed", "Signature refused (wrong password)"
        LOGIN_LOCKED_OUT = "login_locked_out", "Sign-in locked out (too many failures)"
        SESSIONS_ENDED = "sessions_ended", "Sessions and API token ended"

    kind = models.CharField(max_length=40, choices=Kind.choices)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="security_events"
    )
    username = models.CharField(max_length=150)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username} at {self.occurred_at:%Y-%m-%d %H:%M}"
