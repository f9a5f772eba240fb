"""The network's replenishment paths as the policies and the plan read them: which SKU-sites
are replenished by transfer, from where, and how long the transfer takes."""

from dataclasses import dataclass

from inventory.models import Site, Sku
from inventory.rules import replenished_by_transfer


@dataclass(frozen=True)
class ReplenishmentPaths:
    """`replenishment`: per site, "supplier" or "parent" (Site.replenishment); `parent`: per
    site with an active parent, that parent's id; `transit_days`: per site, days from its
    parent; `codes`: site codes; `direct_skus`: the SKUs suppliers deliver straight to every
    site that stocks them."""

    replenishment: dict[int, str]
    parent: dict[int, int]
    transit_days: dict[int, int]
    codes: dict[int, str]
    direct_skus: frozenset[int]

    def source_of(self, sku_id: int, site_id: int) -> int | None:
        """The site this SKU-site is replenished from by transfer, or None (it buys from a
        supplier): inventory.rules.replenished_by_transfer."""
        parent = self.parent.get(site_id)
        by_transfer = replenished_by_transfer(
            site_replenishment=self.replenishment.get(site_id, "supplier"),
            has_parent=parent is not None,
            direct_delivery=sku_id in self.direct_skus,
        )
        return parent if by_transfer else None

    def fed_from(self, sku_id: int) -> dict[int, int]:
        """For one SKU, each site replenished by transfer and the site it comes from."""
        if sku_id in self.direct_skus:
            return {}
        return {
            site: parent
            for site, parent in self.parent.items()
            if self.source_of(sku_id, site) is not None
        }


def replenishment_paths() -> ReplenishmentPaths:
    """Read the sites' replenishment settings and the direct-delivery SKUs (two queries). A
    site replenished from an inactive parent buys from suppliers: no stock moves from an
    inactive site."""
    rows = list(
        Site.objects.values_list(
            "pk", "code", "replenishment", "replenished_from_id", "transit_days", "active"
        )
    )
    active = {pk for pk, _, _, _, _, is_active in rows if is_active}
    return ReplenishmentPaths(
        replenishment={pk: replenishment for pk, _, replenishment, _, _, _ in rows},
        parent={pk: up for pk, _, _, up, _, _ in rows if up is not None and up in active},
        transit_days={pk: transit for pk, _, _, _, transit, _ in rows},
        codes={pk: code for pk, code, _, _, _, _ in rows},
        direct_skus=frozenset(
            Sku.objects.filter(direct_delivery=True).values_list("pk", flat=True)
        ),
    )
