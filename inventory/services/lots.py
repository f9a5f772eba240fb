"""Quality's acts on lots: set a lot's status, recall a lot number network-wide, and write off
expired lots now rather than at night.

The rules, in words:

- **Lot status** (lot_status_decide): a quality user quarantines, releases or rejects any lot
  with a reason and an electronic signature (password, and the user id after a pause). The
  stock rules are those of inventory.services.stock.lot_set_status, the one place they live:
  an expired or rejected lot is never released, nor a lot whose temperature excursion is still
  open. A lot still waiting for its decision after a (closed) excursion is decided as that
  excursion's decision, so the excursion page shows it decided too.
- **Recall** (lot_number_recall): one signed act blocks a lot number of one SKU at every site:
  each released lot holding stock goes to quarantine with the reason, in one transaction, and
  each lot of that number holding stock gets the signature (meaning "reviewed", the reason
  naming the recall). Refused when no site holds stock of that lot number. No table of its
  own: the signatures and the audit trail are the record.
- **Expired write-off now** (expired_lots_write_off): the night's first step
  (optimization.nightly, expired_lots) on demand, for quality and admins, reporting how many
  lots, units and what value went.

Signatures are checked before the transaction that signs opens; a wrong password changes
nothing and is recorded as a security event (accounts.services.signature_verify).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from accounts.audit import audit_context
from accounts.models import Signature, User
from accounts.roles import Capability, user_can
from accounts.services import signature_record, signature_verify
from common.errors import DomainError, required_reason
from inventory.models import ExcursionLot, Lot, LotDecision, LotStatus, Sku, StockPosition
from inventory.services.cold_chain import excursion_lot_decide
from inventory.services.stock import WrittenOff, lot_set_status, lots_write_off_expired

SETTABLE_STATUSES = (LotStatus.QUARANTINE, LotStatus.RELEASED, LotStatus.REJECTED)
SIGNATURE_MEANINGS = {
    LotStatus.QUARANTINE: Signature.Meaning.REVIEWED,
    LotStatus.RELEASED: Signature.Meaning.RELEASED,
    LotStatus.REJECTED: Signature.Meaning.REJECTED,
}


class LotActionRefused(DomainError):
    code = "lot_action_refused"


class RecallRefused(DomainError):
    code = "recall_refused"


def _require_quality(actor: User, what: str) -> None:
    if not user_can(actor, Capability.QUALITY_DECISIONS):
        raise LotActionRefused(f"Only quality users {what}.")


def lot_status_decide(
    *,
    actor: User,
    lot: Lot,
    status: str,
    reason: str,
    password: str,
    username: str | None = None,
    remote_addr: str | None = None,
    today: date | None = None,
) -> Lot:
    """Quarantine, release or reject one lot, signed by a quality user."""
    _require_quality(actor, "change a lot's status")
    if status not in SETTABLE_STATUSES:
        raise LotActionRefused(
            f"'{status}' is not a status quality sets: quarantine, release or reject.",
            fields={"status": ["Quarantine, release or reject."]},
        )
    reason = required_reason(reason, what="changing the lot's status")
    lot = Lot.objects.select_related("sku", "site").get(pk=lot.pk)  # as stored, not as passed
    if lot.status == status:
        current = lot.get_status_display().lower()
        raise LotActionRefused(f"Lot {lot.lot_number} at {lot.site.code} is already {current}.")
    if (
        status != LotStatus.QUARANTINE
        and ExcursionLot.objects.filter(lot=lot, decision="").exists()
    ):
        decision = LotDecision.RELEASED if status == LotStatus.RELEASED else LotDecision.REJECTED
        return excursion_lot_decide(
            actor=actor,
            lot=lot,
            decision=decision,
            reason=reason,
            password=password,
            username=username,
            remote_addr=remote_addr,
            today=today,
        ).lot
    meaning = SIGNATURE_MEANINGS[LotStatus(status)]
    signature_verify(
        signer=actor,
        password=password,
        username=username,
        meaning=meaning,
        target_label=f"{lot._meta.label_lower}:{lot.pk}",
        remote_addr=remote_addr,
    )
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        lot = lot_set_status(actor=actor, lot=lot, status=status, reason=reason, today=today)
        signature_record(signer=actor, meaning=meaning, target=lot, reason=reason)
    return lot


def lots_status_decide(
    *,
    actor: User,
    decisions: Sequence[tuple[Lot, str]],
    reason: str,
    password: str,
    username: str | None = None,
    remote_addr: str | None = None,
    today: date | None = None,
) -> list[Lot]:
    """Decide several lots with one signature (a quality user working through the day's
    quarantine list): each (lot, status) as `lot_status_decide` would, all or none. Lots still
    waiting for an excursion decision are refused here: they are decided one by one, with the
    excursion in view."""
    _require_quality(actor, "change a lot's status")
    if not decisions:
        raise LotActionRefused("Choose at least one lot to decide.")
    reason = required_reason(reason, what="changing the lots' status")
    wanted = {lot.pk: status for lot, status in decisions}
    if len(wanted) != len(decisions):
        raise LotActionRefused("Each lot is decided once per signature.")
    if bad := sorted(set(wanted.values()) - set(SETTABLE_STATUSES)):
        raise LotActionRefused(
            f"'{bad[0]}' is not a status quality sets: quarantine, release or reject.",
            fields={"status": ["Quarantine, release or reject."]},
        )
    lots = {lot.pk: lot for lot in Lot.objects.select_related("sku", "site").filter(pk__in=wanted)}
    if missing := sorted(set(wanted) - set(lots)):
        raise LotActionRefused(f"No lot {missing[0]}. Nothing was decided.")
    for pk, status in wanted.items():
        lot = lots[pk]
        if lot.status == status:
            current = lot.get_status_display().lower()
            raise LotActionRefused(
                f"Lot {lot.lot_number} at {lot.site.code} is already {current}. "
                "Nothing was decided."
            )
    if exposed := list(
        ExcursionLot.objects.filter(lot_id__in=wanted, decision="").values_list(
            "lot__lot_number", flat=True
        )[:1]
    ):
        raise LotActionRefused(
            f"Lot {exposed[0]} waits for an excursion decision: decide it on its own. "
            "Nothing was decided."
        )
    # One password check for the batch; each lot then gets its own signature and meaning.
    signature_verify(
        signer=actor,
        password=password,
        username=username,
        meaning=SIGNATURE_MEANINGS[LotStatus(min(wanted.values()))],
        target_label=f"inventory.lot:{','.join(map(str, sorted(wanted)))}",
        remote_addr=remote_addr,
    )
    decided = []
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        for pk in sorted(wanted):
            status = wanted[pk]
            lot = lot_set_status(
                actor=actor, lot=lots[pk], status=status, reason=reason, today=today
            )
            signature_record(
                signer=actor,
                meaning=SIGNATURE_MEANINGS[LotStatus(status)],
                target=lot,
                reason=reason,
            )
            decided.append(lot)
    return decided


@dataclass(frozen=True)
class Recall:
    """What a recall blocked: the lots it put in quarantine and those already there."""

    sku: Sku
    lot_number: str
    quarantined: list[Lot] = field(default_factory=list)
    already_quarantined: list[Lot] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(lot.quantity for lot in [*self.quarantined, *self.already_quarantined])

    @property
    def sites(self) -> int:
        return len({lot.site_id for lot in [*self.quarantined, *self.already_quarantined]})


def lot_number_recall(
    *,
    actor: User,
    sku: Sku,
    lot_number: str,
    reason: str,
    password: str,
    username: str | None = None,
    remote_addr: str | None = None,
    today: date | None = None,
) -> Recall:
    """Block `lot_number` of `sku` at every site in one signed act: every released lot of it
    holding stock goes to quarantine, in one transaction."""
    _require_quality(actor, "recall a lot")
    lot_number = (lot_number or "").strip()
    if not lot_number:
        raise RecallRefused("Name the lot number to recall.", fields={"lot_number": ["Required."]})
    reason = required_reason(reason, what="the recall")
    if not Lot.objects.in_stock().filter(sku=sku, lot_number=lot_number).exists():
        raise RecallRefused(
            f"No site holds stock of lot {lot_number} of {sku.code}: there is nothing to block.",
            fields={"lot_number": ["No stock of this lot number."]},
        )
    meaning = Signature.Meaning.REVIEWED
    signature_verify(
        signer=actor,
        password=password,
        username=username,
        meaning=meaning,
        target_label=f"{sku._meta.label_lower}:{sku.pk} lot {lot_number}",
        remote_addr=remote_addr,
    )
    recorded = f"Recall of lot {lot_number} of {sku.code}: {reason}"
    with transaction.atomic(), audit_context(actor=actor, reason=recorded):
        # Every position of the SKU, in site order (the stock services' lock order): a transfer
        # of this SKU either committed before the lots are read or waits for the recall.
        list(StockPosition.objects.select_for_update().filter(sku=sku).order_by("site_id"))
        lots = list(
            Lot.objects.in_stock()
            .select_for_update()
            .filter(sku=sku, lot_number=lot_number)
            .order_by("site_id")
        )
        quarantined, already = [], []
        for found in lots:
            if found.status == LotStatus.RELEASED:
                blocked = lot_set_status(
                    actor=actor,
                    lot=found,
                    status=LotStatus.QUARANTINE,
                    reason=recorded,
                    today=today,
                )
                quarantined.append(blocked)
            else:
                blocked = found
                already.append(found)
            signature_record(signer=actor, meaning=meaning, target=blocked, reason=recorded)
    return Recall(
        sku=sku, lot_number=lot_number, quarantined=quarantined, already_quarantined=already
    )


def expired_lots_write_off(*, actor: User, today: date | None = None) -> WrittenOff:
    """Write off every expired lot now (what the night does first), for quality and admins."""
    if not user_can(actor, Capability.WRITE_OFF_EXPIRED):
        raise LotActionRefused("Only quality users and administrators write off expired lots.")
    return lots_write_off_expired(actor=actor, today=today)
