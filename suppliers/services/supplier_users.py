"""Who acts for a supplier in the portal: linking a user with the supplier role to one
supplier (suppliers.SupplierUser), audited like every other change of the link.

Rules: the user must hold the supplier role (others never see the portal); a user acts for
one supplier only, so linking a user already linked to another supplier is refused, and
linking again to the same supplier changes nothing.
"""

from django.db import transaction

from accounts.audit import audit_context
from accounts.models import User
from accounts.roles import Capability, user_can
from common.errors import DomainError
from suppliers.models import Supplier, SupplierUser


class SupplierUserRefused(DomainError):
    code = "supplier_user_refused"


def supplier_user_link(
    *, actor: User | None, user: User, supplier: Supplier, reason: str
) -> SupplierUser:
    """Let `user` act for `supplier` in the portal (the rules are in the module docstring)."""
    if not user_can(user, Capability.SUPPLIER_PORTAL):
        raise SupplierUserRefused(
            f"{user.get_username()} does not have the supplier role: give it first."
        )
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        link = (
            SupplierUser.objects.select_for_update()
            .select_related("supplier")
            .filter(user=user)
            .first()
        )
        if link is not None:
            if link.supplier_id != supplier.pk:
                raise SupplierUserRefused(
                    f"{user.get_username()} already acts for {link.supplier.code}; a user acts "
                    "for one supplier."
                )
            return link
        return SupplierUser.objects.create(user=user, supplier=supplier)
