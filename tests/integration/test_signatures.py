import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import SecurityEvent, Signature
from accounts.roles import Role
from accounts.services import signature_matches, signature_sign, user_update
from common.errors import SignatureRefused
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(make_user):  # type: ignore[no-untyped-def]
    """Any model instance can be signed; a user record stands in until orders exist."""
    return make_user(Role.VIEWER, username="signed-record", full_name="Record Holder")


def test_correct_password_signs_with_printed_name_time_and_meaning(planner, record) -> None:  # type: ignore[no-untyped-def]
    signature = signature_sign(
        signer=planner,
        password=TEST_PASSWORD,
        meaning="approved",
        target=record,
        reason="checked quantities",
    )

    stored = Signature.objects.get(pk=signature.pk)
    assert stored.signer == planner
    assert stored.signer_full_name == planner.full_name
    assert stored.meaning == Signature.Meaning.APPROVED
    assert stored.target == record
    assert stored.reason == "checked quantities"
    assert abs(stored.signed_at - timezone.now()) < timedelta(minutes=1)
    assert stored.signed_at.utcoffset() == timedelta(0)
    assert len(stored.content_hash) == 64


def test_wrong_password_signs_nothing(planner, record) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SignatureRefused, match="password is not correct"):
        signature_sign(
            signer=planner, password="not-my-password", meaning="approved", target=record
        )

    assert not Signature.objects.exists()


def test_wrong_password_is_recorded_as_a_security_event(planner, record) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SignatureRefused):
        signature_sign(
            signer=planner,
            password="guess",
            meaning="approved",
            target=record,
            remote_addr="10.1.2.3",
        )

    [event] = SecurityEvent.objects.all()
    assert (event.kind, event.user, event.remote_addr) == (
        SecurityEvent.Kind.SIGNATURE_FAILED,
        planner,
        "10.1.2.3",
    )
    assert event.detail["target"] == f"accounts.user:{record.pk}"


def test_wrong_password_is_logged(planner, record, caplog) -> None:  # type: ignore[no-untyped-def]
    with (
        caplog.at_level(logging.WARNING, logger="pharmastock.security"),
        pytest.raises(SignatureRefused),
    ):
        signature_sign(signer=planner, password="guess", meaning="approved", target=record)

    assert "signature refused" in caplog.text
    assert planner.username in caplog.text


def test_empty_password_signs_nothing(planner, record) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SignatureRefused):
        signature_sign(signer=planner, password="", meaning="approved", target=record)

    assert not Signature.objects.exists()


def test_inactive_user_cannot_sign(planner, record) -> None:  # type: ignore[no-untyped-def]
    planner.is_active = False
    planner.save()

    with pytest.raises(SignatureRefused):
        signature_sign(signer=planner, password=TEST_PASSWORD, meaning="approved", target=record)


def test_unknown_meaning_is_refused(planner, record) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SignatureRefused, match="not a signature meaning"):
        signature_sign(signer=planner, password=TEST_PASSWORD, meaning="liked", target=record)


def test_signature_verifies_until_the_signed_record_changes(planner, record, admin_user) -> None:  # type: ignore[no-untyped-def]
    signature = signature_sign(
        signer=planner, password=TEST_PASSWORD, meaning="reviewed", target=record
    )
    assert signature_matches(signature, record)

    changed = user_update(actor=admin_user, user=record, full_name="Someone Else")

    assert not signature_matches(signature, changed)


def test_signing_is_in_the_audit_trail(planner, record) -> None:  # type: ignore[no-untyped-def]
    from accounts.models import AuditLogEntry

    signature = signature_sign(
        signer=planner, password=TEST_PASSWORD, meaning="approved", target=record, reason="ok"
    )

    entry = AuditLogEntry.objects.get(object_pk=str(signature.pk), content_type__model="signature")
    assert (entry.actor, entry.reason) == (planner, "ok")
