"""One record's trail as a CSV (formula cells defused, common.exports) or a PDF (reportlab):
the changes in the order they were written, then the signatures. Times are UTC."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils import timezone

from common.exports import export_response

EXPORT_FORMATS = ("csv", "pdf")
HEADERS = [
    "kind",
    "sequence",
    "time (UTC)",
    "user",
    "action or meaning",
    "field",
    "old value",
    "new value",
    "reason",
    "source",
    "hash",
]
# A font with more than Latin-1 when the system has one (names, arrows); Helvetica otherwise.
UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@dataclass
class ObjectTrail:
    label: str  # "app_label.model"
    kind: str  # the model's verbose name
    object_pk: str
    object_repr: str
    entries: list[Any]  # AuditLogEntry with .change_rows (selectors.describe_changes)
    signatures: list[Any]  # Signature with .content_now (audit_views.load_object_trail)

    @property
    def filename(self) -> str:
        safe_pk = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.object_pk)
        return f"audit-trail-{self.label.replace('.', '-')}-{safe_pk}"


def utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def actor_name(entry: Any) -> str:
    if entry.actor is None:
        return entry.actor_email or "system"
    return f"{entry.actor.get_full_name()} ({entry.actor.username})"


def trail_rows(trail: ObjectTrail) -> Iterator[list[Any]]:
    """One row per changed field (one for an entry without field changes), then one per
    signature."""
    for entry in trail.entries:
        common = [utc(entry.timestamp), actor_name(entry), entry.get_action_display()]
        tail = [entry.reason, entry.source, entry.entry_hash]
        for row in entry.change_rows or [{"field": "", "old": "", "new": ""}]:
            yield ["change", entry.sequence, *common, row["field"], row["old"], row["new"], *tail]
    for signature in trail.signatures:
        yield [
            "signature",
            "",
            utc(signature.signed_at),
            f"{signature.signer_full_name} ({signature.signer_username})",
            signature.get_meaning_display(),
            "signed content now",
            "",
            signature.content_now,
            signature.reason,
            "",
            signature.content_hash,
        ]


def trail_csv(trail: ObjectTrail) -> HttpResponse:
    return export_response(trail.filename, HEADERS, trail_rows(trail), "csv")  # type: ignore[return-value]


def trail_pdf(trail: ObjectTrail) -> HttpResponse:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font  # type: ignore[attr-defined]
    cell = styles["BodyText"].clone("cell", fontSize=7.5, leading=9)

    def para(value: Any) -> Paragraph:
        return Paragraph(escape("" if value is None else str(value)), cell)

    def table(headers: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
        grid = Table(
            [[para(h) for h in headers], *[[para(v) for v in row] for row in rows]],
            colWidths=[w * mm for w in widths],
            repeatRows=1,
        )
        grid.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return grid

    rows = list(trail_rows(trail))
    changes = [
        [r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]] for r in rows if r[0] == "change"
    ]
    signed = [[r[2], r[3], r[4], r[8], r[7], r[10]] for r in rows if r[0] == "signature"]
    story: list[Any] = [
        Paragraph(escape(f"Audit trail: {trail.kind} {trail.object_repr}"), styles["Title"]),
        Paragraph(
            escape(
                f"Record {trail.label} #{trail.object_pk} · {len(trail.entries)} trail entries, "
                f"{len(trail.signatures)} signatures · printed {utc(timezone.now())}"
            ),
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
        Paragraph("Changes, oldest first (old -> new)", styles["Heading2"]),
        table(
            ["#", "Time (UTC)", "User", "Action", "Field", "Old", "New", "Reason", "Source"],
            changes,
            [10, 30, 38, 16, 30, 40, 40, 39, 24],
        ),
        Spacer(1, 4 * mm),
        Paragraph("Signatures", styles["Heading2"]),
        table(
            ["Time (UTC)", "Printed name", "Meaning", "Reason", "Content now", "Content hash"],
            signed,
            [30, 55, 22, 60, 28, 82],
        )
        if signed
        else Paragraph("No signatures on this record.", styles["Normal"]),
    ]
    buffer = io.BytesIO()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.setFont(font, 7)
        canvas.drawRightString(
            doc.pagesize[0] - 12 * mm, 8 * mm, f"{trail.label} #{trail.object_pk} · page {doc.page}"
        )

    SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=f"Audit trail {trail.label} {trail.object_pk}",
    ).build(story, onFirstPage=footer, onLaterPages=footer)
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{trail.filename}.pdf"'
    return response


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "TrailSans" in pdfmetrics.getRegisteredFontNames():
        return "TrailSans"
    if UNICODE_FONT.exists():
        pdfmetrics.registerFont(TTFont("TrailSans", str(UNICODE_FONT)))
        return "TrailSans"
    return "Helvetica"
