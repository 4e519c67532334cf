"""HTTP routes: a child's progress across the areas of learning, as data or a chart,
and the progress check at two as a PDF for the family."""

from __future__ import annotations

import io
from typing import Any, Literal
from uuid import UUID
from xml.sax.saxutils import escape

from litestar import Response, get
from litestar.openapi.datastructures import ResponseSpec
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from adapters.bootstrap import Services
from adapters.http import replies
from adapters.http.progress_chart import progress_svg
from domain.actor import Actor
from domain.errors import NotFound
from projections.progress import child_progress, latest_progress_check


@get("/children/{child_id:uuid}/progress", opt={"permission": "child.progress"},
     sync_to_thread=True, operation_class=replies.answers_also_as("image/svg+xml"),
     summary="A child's progress across the areas of learning",
     description="Per area and aspect of Development Matters: observations per term, the "
     "latest judgement and when it was made, and the next steps of the area's latest "
     "observation. Parents see only what has been approved. `?format=svg` draws it.")
def progress(child_id: UUID, actor: Actor, services: Services,
             format: Literal["json", "svg"] | None = None,  # noqa: A002 - its name
             ) -> replies.Progress:
    answer = child_progress(services.db, child_id, approved_only=actor.is_parent)
    if format == "svg":
        return Response(progress_svg(answer), media_type="image/svg+xml")
    return answer


def _check_pdf(check: dict) -> bytes:
    name, born = check["name"], check["date_of_birth"]
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    story = [Paragraph(f"Progress check at two: {escape(name)}", styles["Title"]),
             Paragraph(f"Born {born or '-'}; written {check['recorded_at'][:10]} "
                       f"({escape(check['period'])}).", styles["Normal"]), Spacer(1, 10)]
    for area in check["areas"]:
        story += [Paragraph(escape(area["name"]), styles["Heading3"]),
                  Paragraph(escape(area["text"]), styles["Normal"])]
    if check["summary"]:
        story += [Paragraph("Summary", styles["Heading3"]),
                  Paragraph(escape(check["summary"]), styles["Normal"])]
    SimpleDocTemplate(out, pagesize=A4, title=f"Progress check at two: {name}").build(story)
    return out.getvalue()


@get("/children/{child_id:uuid}/progress-check.pdf", opt={"permission": "child.progress"},
     sync_to_thread=True, summary="The progress check at two, as a PDF",
     description="The child's latest progress check at two (a `progress_check` "
     "assessment): what it says for each prime area, and its summary. `404` if none has "
     "been written.",
     responses={200: ResponseSpec(data_container=bytes, media_type="application/pdf",
                                  description="The PDF.", generate_examples=False)})
def progress_check_pdf(child_id: UUID, actor: Actor, services: Services) -> Response:
    check = latest_progress_check(services.db, child_id, approved_only=actor.is_parent)
    if check is None:
        raise NotFound("No progress check at two has been written for this child.")
    return Response(_check_pdf(check), media_type="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="progress-check.pdf"'})


ROUTES: list[Any] = [progress, progress_check_pdf]
