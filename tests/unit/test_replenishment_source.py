import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from inventory.models import ReplenishmentSource
from inventory.rules import replenished_by_transfer
from tests.factories import SiteFactory


@pytest.mark.parametrize(
    ("site_replenishment", "has_parent", "direct_delivery", "expected"),
    [
        ("parent", True, False, True),
        ("parent", True, True, False),
        ("parent", False, False, False),
        ("supplier", True, False, False),
    ],
)
def test_a_sku_site_is_replenished_by_transfer_only_from_a_parent_and_not_direct(
    site_replenishment: str, has_parent: bool, direct_delivery: bool, expected: bool
) -> None:
    assert (
        replenished_by_transfer(
            site_replenishment=site_replenishment,
            has_parent=has_parent,
            direct_delivery=direct_delivery,
        )
        is expected
    )


@pytest.mark.django_db
def test_a_site_replenished_from_its_parent_needs_one() -> None:
    site = SiteFactory.build(replenishment=ReplenishmentSource.PARENT, replenished_from=None)
    with pytest.raises(ValidationError, match="replenished from first"):
        site.clean()


@pytest.mark.django_db
def test_the_database_refuses_parent_replenishment_without_a_parent() -> None:
    with pytest.raises(IntegrityError):
        SiteFactory(replenishment=ReplenishmentSource.PARENT, replenished_from=None)


@pytest.mark.django_db
def test_sites_buy_from_suppliers_by_default() -> None:
    assert SiteFactory().replenishment == ReplenishmentSource.SUPPLIER
