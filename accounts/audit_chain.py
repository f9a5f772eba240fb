"""The audit trail's hash chain: every entry carries a SHA-256 of its own content and of the
entry before it, so an entry changed, removed or slipped in afterwards breaks the chain at that
point (21 CFR Part 11 §11.10(e): the trail must show any change to it).

- `sequence` numbers the entries 1, 2, 3 … without gaps, in the order they were written;
- `previous_hash` is the `entry_hash` of entry `sequence - 1` (GENESIS_HASH for the first);
- `entry_hash` is SHA-256 over a canonical JSON of the entry's content (HASHED_FIELDS, the
  content type as "app_label.model", the time in UTC) and `previous_hash`.

Numbers and hashes are given at insert (`link_entries`) under the advisory lock
"accounts.audit_chain", held until the writing transaction ends: two transactions never chain
onto the same entry (on SQLite the database lets one writer at a time; the UNIQUE constraint on
`sequence` backs both). `verify_chain` recomputes everything and names the first broken entry.

The canonical form is the contract with every entry already written: change it only together
with a migration that re-chains the trail, never silently.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from common.locks import advisory_xact_lock

CHAIN_LOCK = "accounts.audit_chain"
GENESIS_HASH = "0" * 64

# The entry's own columns covered by the hash (besides content type, sequence, previous hash).
HASHED_FIELDS = (
    "object_pk",
    "object_id",
    "object_repr",
    "serialized_data",
    "action",
    "changes_text",
    "changes",
    "actor_id",
    "actor_email",
    "cid",
    "remote_addr",
    "remote_port",
    "timestamp",
    "additional_data",
    "reason",
    "source",
)
JSON_FIELDS = frozenset({"serialized_data", "changes", "additional_data"})


def canonical_content(entry: Any, content_type_key: str) -> str:
    """The entry's content as canonical JSON (sorted keys, no spaces, ASCII), with each value
    as the database gives it back, so the hash of a stored entry can be recomputed exactly."""
    content: dict[str, Any] = {
        "sequence": int(entry.sequence),
        "content_type": content_type_key,
        "previous_hash": entry.previous_hash,
    }
    fields = {field.attname: field for field in entry._meta.concrete_fields}
    for name in HASHED_FIELDS:
        value = getattr(entry, name)
        if name in JSON_FIELDS:
            content[name] = json.loads(json.dumps(value)) if value is not None else None
        elif name == "timestamp":
            content[name] = utc_iso(value)
        else:
            content[name] = fields[name].to_python(value) if value is not None else None
    return canonical_json(content)


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def compute_hash(entry: Any, content_type_key: str) -> str:
    return hashlib.sha256(canonical_content(entry, content_type_key).encode()).hexdigest()


def utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def content_type_key_of(entry: Any) -> str:
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_id(entry.content_type_id)
    return f"{content_type.app_label}.{content_type.model}"


def link_entries(entries: Sequence[Any]) -> None:
    """Number and hash new entries, in the given order, after the last entry written.

    Must run inside the transaction that inserts them (the lock is held until it ends)."""
    if not entries:
        return
    sequence, previous_hash = _chain_end()
    for entry in entries:
        sequence += 1
        entry.sequence = sequence
        entry.previous_hash = previous_hash
        entry.entry_hash = compute_hash(entry, content_type_key_of(entry))
        previous_hash = entry.entry_hash


def _chain_end() -> tuple[int, str]:
    """Take the chain's lock and read its last sequence number and hash."""
    from accounts.models import AuditLogEntry

    advisory_xact_lock(CHAIN_LOCK)
    last = AuditLogEntry.objects.order_by("-sequence").values_list("sequence", "entry_hash").first()
    return last if last else (0, GENESIS_HASH)


def link_contents(
    shared: dict[str, Any], contents: Sequence[dict[str, Any]]
) -> list[tuple[int, str, str]]:
    """`link_entries` for entries held as their canonical content (the keys of
    `canonical_content` but sequence and previous_hash, each value as the database gives it
    back): `shared` holds the values every entry has, `contents` each entry's own. Returns the
    (sequence, previous_hash, entry_hash) of each entry, in order.

    The canonical JSON is assembled from the shared values encoded once and each entry's own
    values, in the sorted key order `canonical_json` uses, so the text is the same.
    Must run inside the transaction that inserts them (the lock is held until it ends)."""
    if not contents:
        return []
    encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode
    keys = sorted({*shared, *contents[0], "sequence", "previous_hash"})
    pieces = [
        (f"{encode(key)}:{encode(shared[key])}", None)
        if key in shared
        else (f"{encode(key)}:", key)
        for key in keys
    ]
    sequence, previous_hash = _chain_end()
    links = []
    sha256 = hashlib.sha256
    for content in contents:
        sequence += 1
        values = {**content, "sequence": sequence, "previous_hash": previous_hash}
        text = (
            "{"
            + ",".join(
                prefix if key is None else prefix + encode(values[key]) for prefix, key in pieces
            )
            + "}"
        )
        entry_hash = sha256(text.encode()).hexdigest()
        links.append((sequence, previous_hash, entry_hash))
        previous_hash = entry_hash
    return links


def link_log_entry(sender: type, instance: Any, **kwargs: Any) -> None:
    """pre_save receiver for AuditLogEntry (after the context is filled in): chain a new entry.
    AuditLogEntry.save() opens the transaction this needs."""
    if instance.pk is None and instance.sequence is None:
        link_entries([instance])


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        return f"entry #{self.sequence} (id {self.entry_id}): {self.problem}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify_entries(
    entries: Iterable[Any], content_type_key: Callable[[Any], str] = content_type_key_of
) -> ChainReport:
    """Walk entries in sequence order and stop at the first that does not fit the chain."""
    expected_sequence, previous_hash, checked = 1, GENESIS_HASH, 0
    for entry in entries:
        problem = _problem(entry, expected_sequence, previous_hash, content_type_key)
        if problem:
            return ChainReport(checked, ChainBreak(entry.sequence, entry.pk, problem))
        checked += 1
        expected_sequence, previous_hash = entry.sequence + 1, entry.entry_hash
    return ChainReport(checked, None)


def _problem(
    entry: Any, expected_sequence: int, previous_hash: str, key: Callable[[Any], str]
) -> str:
    if entry.sequence is None:
        return "has no place in the chain (no sequence number)"
    if entry.sequence != expected_sequence:
        missing = "entry is missing" if entry.sequence > expected_sequence else "is duplicated"
        return f"sequence {entry.sequence} where {expected_sequence} was expected ({missing})"
    if entry.previous_hash != previous_hash:
        return (
            f"previous_hash {entry.previous_hash[:12]}… does not match the hash of entry "
            f"#{expected_sequence - 1} ({previous_hash[:12]}…): the entry before it was changed, "
            "removed or replaced"
        )
    recomputed = compute_hash(entry, key(entry))
    if recomputed != entry.entry_hash:
        return (
            f"content does not match its hash (stored {entry.entry_hash[:12]}…, "
            f"recomputed {recomputed[:12]}…): the entry was changed after it was written"
        )
    return ""


def verify_chain(chunk_size: int = 2000) -> ChainReport:
    """Recompute the whole trail's chain from the database, in sequence order."""
    from accounts.models import AuditLogEntry

    entries: Iterator[Any] = AuditLogEntry.objects.order_by("sequence", "pk").iterator(
        chunk_size=chunk_size
    )
    return verify_entries(entries)
