"""The compliance report as one printable page (reportlab)."""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

WORDS = {
    "late_observations": "Observations uploaded more than a week after",
    "late_diary_entries": "Diary entries recorded after the end of session",
    "moderation_backlog": "Observations waiting for moderation",
    "devices_not_signed_in": "Tablets not signed in by the end of the day",
    "photos_left_on_devices": "Photos left on tablets after sign-in",
    "parents_not_signed": "Parents who have not signed the current terms",
    "children_without_observations": "Children with no recent observation",
    "unacknowledged_incidents": "Incidents not yet acknowledged by parents",
}
GRID = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                   ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                   ("FONTSIZE", (0, 0), (-1, -1), 8)])


def _count(report: dict, figure: str) -> int:
    value = report[figure]
    return value["count"] if isinstance(value, dict) else len(value)


def _breakdown(rows: list[dict], first: str, header: str) -> Table:
    figures = list(WORDS)
    data = [[header, *[str(i + 1) for i in range(len(figures))]]]
    data += [[row.get(first) or "(unnamed)", *[str(row.get(f, 0)) for f in figures]]
             for row in rows]
    table = Table(data, repeatRows=1)
    table.setStyle(GRID)
    return table


def compliance_pdf(report: dict) -> bytes:
    """One A4 page: each figure's count, then the counts per room and per practitioner."""
    out = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(out, pagesize=A4, title="Compliance report")
    summary = Table([["", "Figure", "Count"]] + [
        [str(i + 1), words, str(_count(report, figure))]
        for i, (figure, words) in enumerate(WORDS.items())])
    summary.setStyle(GRID)
    backlog = report["moderation_backlog"]
    story = [
        Paragraph("Compliance report", styles["Title"]),
        Paragraph(f"{report['from']} to {report['to']}", styles["Normal"]),
        Spacer(1, 8), summary, Spacer(1, 6),
        Paragraph(f"Oldest observation waiting since {backlog['oldest_waiting_since'] or '-'}; "
                  f"median wait {backlog['median_wait_hours'] or 0} hours. Children count as "
                  f"without a recent observation after {report['quiet_weeks']} weeks.",
                  styles["Normal"]),
        Spacer(1, 8), Paragraph("By room", styles["Heading3"]),
        _breakdown(report["by_room"], "room", "Room"),
        Spacer(1, 8), Paragraph("By member of staff", styles["Heading3"]),
        _breakdown(report["by_practitioner"], "name", "Staff"),
    ]
    doc.build(story)
    return out.getvalue()
