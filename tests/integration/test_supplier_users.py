"""Linking a portal user to the supplier they act for (suppliers.services.supplier_users)."""

import pytest

from accounts.models import AuditLogEntry
from suppliers.models import SupplierUser
from suppliers.services.supplier_users import SupplierUserRefused, supplier_user_link
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db


def test_a_supplier_user_is_linked_once_and_audited(make_user, admin_user) -> None:  # type: ignore[no-untyped-def]
    user, supplier = make_user("supplier"), SupplierFactory()

    link = supplier_user_link(actor=admin_user, user=user, supplier=supplier, reason="onboarding")
    again = supplier_user_link(actor=admin_user, user=user, supplier=supplier, reason="onboarding")

    assert again.pk == link.pk and SupplierUser.objects.count() == 1
    assert AuditLogEntry.objects.filter(object_pk=str(link.pk), reason="onboarding").exists()


def test_a_user_without_the_supplier_role_or_linked_elsewhere_is_refused(make_user) -> None:  # type: ignore[no-untyped-def]
    supplier_user, first, second = make_user("supplier"), SupplierFactory(), SupplierFactory()
    supplier_user_link(actor=None, user=supplier_user, supplier=first, reason="x")

    with pytest.raises(SupplierUserRefused, match="does not have the supplier role"):
        supplier_user_link(actor=None, user=make_user("planner"), supplier=first, reason="x")
    with pytest.raises(SupplierUserRefused, match="already acts for"):
        supplier_user_link(actor=None, user=supplier_user, supplier=second, reason="x")
    assert SupplierUser.objects.count() == 1
