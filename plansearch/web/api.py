"""The workbench's HTTP API (JSON), used by the pages and by scripts: routes only.

Each route reads the request and calls the workspace (:class:`~.workbench.Workbench`
and the review, coverage and export modules). Reads are open; every request that
changes state needs the ``X-Plansearch-Token`` header, and who made a change comes from
the field ``who`` or the ``X-Plansearch-User`` header (:mod:`.auth`). Errors are JSON
``{"error": <type>, "detail": <Thai / English message>}`` with a 4xx status
(:mod:`.app`).

>>> # curl -H "X-Plansearch-Token: $(cat ws/api-token)" -F file=@plan.docx \\
>>> #      http://127.0.0.1:8000/api/plans
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ..errors import InputError
from ..version import __version__
from . import export, reimport
from .auth import require_token, who_of
from .coverage import province_coverage
from .plans import DuplicatePlanError
from .review import plan_review
from .workbench import Workbench

router = APIRouter(prefix="/api")


def workbench(request: Request) -> Workbench:
    wb: Workbench = request.app.state.workbench
    return wb


WB = Depends(workbench)
TOKEN = Depends(require_token)


# ------------------------------------------------------------------- plans
@router.get("/health")
def health(wb: Workbench = WB) -> dict[str, Any]:
    return {"ok": True, "version": __version__, "schema": wb.db.schema_version()}


@router.get("/plans")
def list_plans(wb: Workbench = WB) -> list[dict[str, Any]]:
    return wb.plans.listing()


async def _upload_bytes(file: UploadFile | None, text: str | None) -> tuple[bytes, str | None]:
    if file is not None and file.filename is not None:
        return await file.read(), file.filename
    if text is not None:
        return text.encode("utf-8"), None
    raise InputError("ต้องแนบไฟล์หรือวางข้อความ / send a file (field 'file') or text ('text')")


@router.post("/plans", status_code=201, dependencies=[TOKEN])
async def upload_plan(
    file: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str | None, Form()] = None,
    wb: Workbench = WB,
) -> Any:
    """Upload a plan (multipart ``file``: .txt/.pdf/.docx, or ``text``) → id and structure.

    The same document again (same text) is 409 with the plan that has it (``existing``):
    the page offers to open that one instead of making a second copy."""
    data, name = await _upload_bytes(file, text)
    try:
        return await run_in_threadpool(wb.add_plan, data, name)
    except DuplicatePlanError as exc:
        body = {"error": type(exc).__name__, "detail": str(exc), "existing": exc.existing}
        return JSONResponse(body, status_code=409)


@router.get("/plans/{plan_id}")
def get_plan(plan_id: str, wb: Workbench = WB) -> dict[str, Any]:
    return wb.plans.info(plan_id)


@router.put("/plans/{plan_id}/source", dependencies=[TOKEN])
async def replace_source(
    plan_id: str,
    file: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str | None, Form()] = None,
    wb: Workbench = WB,
) -> dict[str, Any]:
    """Re-upload an edited plan: decisions stay with unchanged sections; changes listed."""
    wb.plans.plan(plan_id)
    data, name = await _upload_bytes(file, text)
    return await run_in_threadpool(wb.add_plan, data, name, plan_id=plan_id)


@router.delete("/plans/{plan_id}", dependencies=[TOKEN])
def delete_plan(plan_id: str, wb: Workbench = WB) -> dict[str, Any]:
    wb.delete_plan(plan_id)
    return {"deleted": True}


@router.patch("/plans/{plan_id}/sections/{key}", dependencies=[TOKEN])
def fix_section(
    plan_id: str,
    key: str,
    request: Request,
    body: Annotated[dict[str, Any], Body()],
    wb: Workbench = WB,
) -> dict[str, Any]:
    """Fix the parser: ``{"kind": "tactic", "parent": "<key>" | ""}``."""
    parent = body.get("parent")
    return wb.fix_section(
        plan_id,
        key,
        kind=body.get("kind") or None,
        parent_key=None if parent is None else str(parent),
        who=who_of(request, body.get("who")),
    )


# --------------------------------------------------------------- alignment
@router.post("/plans/{plan_id}/align", dependencies=[TOKEN])
def align_plan(
    plan_id: str,
    body: Annotated[dict[str, Any] | None, Body()] = None,
    background: bool = Query(False),
    wb: Workbench = WB,
) -> Any:
    """Align against ``{"frameworks": [...]}`` (default: the registry's defaults and the
    levels the plan quotes) → linkage review rows, top 3 per cell, with evidence.
    ``?background=1`` returns a job to poll at ``/api/jobs/{id}`` instead."""
    names = (body or {}).get("frameworks") or None
    if names is not None and (
        not isinstance(names, list) or not all(isinstance(n, str) for n in names)
    ):
        raise InputError("frameworks ต้องเป็นรายการชื่อ / 'frameworks' must be a list of names")
    if background:
        return JSONResponse({"job": wb.align_in_background(plan_id, names)}, status_code=202)
    wb.aligner.align(plan_id, names)
    return plan_review(wb, plan_id)


@router.get("/jobs/{job_id}")
def job(job_id: str, wb: Workbench = WB) -> dict[str, Any]:
    return wb.jobs.get(job_id)


@router.get("/plans/{plan_id}/review")
def review(plan_id: str, wb: Workbench = WB) -> dict[str, Any]:
    """The latest linkage review of a plan (aligned now if it never was)."""
    return plan_review(wb, plan_id)


@router.put("/plans/{plan_id}/decisions", dependencies=[TOKEN])
def decide(
    plan_id: str,
    request: Request,
    body: Annotated[dict[str, Any], Body()],
    wb: Workbench = WB,
) -> dict[str, Any]:
    """One decision ``{"section_key", "framework", "action": accept|change|reject|undo,
    "target_id", "who"}``, or ``{"decisions": [...]}``; saved at once."""
    items = body.get("decisions") if "decisions" in body else [body]
    if not isinstance(items, list) or not items:
        raise InputError("ไม่มีการตัดสินใจ / no decision in the request")
    out = []
    for d in items:
        if not isinstance(d, dict):
            raise InputError("each decision must be an object")
        for field in ("section_key", "framework", "action"):
            if not isinstance(d.get(field), str) or not d.get(field):
                raise InputError(f"ขาด {field} / missing field {field!r}")
        target = d.get("target_id")
        res = wb.decisions.decide(
            plan_id,
            d["section_key"],
            d["framework"],
            d["action"],
            str(target) if target else None,
            who=who_of(request, d.get("who") or body.get("who")),
        )
        out.append(res.to_dict() if res else None)
    return {"decisions": out}


@router.put("/plans/{plan_id}/learning", dependencies=[TOKEN])
def learning(
    plan_id: str,
    request: Request,
    body: Annotated[dict[str, Any], Body()],
    wb: Workbench = WB,
) -> dict[str, Any]:
    """``{"from_others": true|false}``: whether the plan's next alignment learns from
    other organisations' decisions too (เรียนรู้จากการตัดสินใจของหน่วยงานอื่น)."""
    value = body.get("from_others")
    if not isinstance(value, bool):
        raise InputError("from_others ต้องเป็น true หรือ false / 'from_others' must be true or false")
    return wb.decisions.set_learning(plan_id, value, who=who_of(request, body.get("who")))


@router.get("/plans/{plan_id}/decisions")
def decisions(plan_id: str, wb: Workbench = WB) -> dict[str, Any]:
    return wb.decisions.history(plan_id)


# ------------------------------------------------------------------ exports
def _download(
    wb: Workbench,
    plan_id: str,
    data: bytes,
    media: str,
    what: str,
    ext: str,
    *,
    csp: str | None = None,
) -> Response:
    """A download named after the organisation and the Thai date (RFC 5987 ``filename*``)."""
    thai, ascii_name = export.download_name(wb, plan_id, what, ext)
    headers = {"Content-Disposition": export.content_disposition(thai, ascii_name)}
    if csp:
        headers["Content-Security-Policy"] = csp
    return Response(data, media_type=media, headers=headers)


@router.get("/plans/{plan_id}/export.xlsx")
def export_xlsx(plan_id: str, wb: Workbench = WB) -> Response:
    """The official linkage layout with decisions (Thai Buddhist-era dates) + the report."""
    return _download(
        wb,
        plan_id,
        export.export_xlsx(wb, plan_id),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ผ02",
        ".xlsx",
    )


@router.get("/plans/{plan_id}/export.csv")
def export_csv(plan_id: str, wb: Workbench = WB) -> Response:
    data = export.export_csv(wb, plan_id)
    return _download(wb, plan_id, data, "text/csv; charset=utf-8", "การตัดสินใจ", ".csv")


@router.get("/plans/{plan_id}/export.html")
def export_html(plan_id: str, wb: Workbench = WB) -> Response:
    return _download(
        wb,
        plan_id,
        export.export_html(wb, plan_id),
        "text/html; charset=utf-8",
        "รายงาน",
        ".html",
        csp=export.REPORT_CSP,
    )


@router.post("/plans/{plan_id}/import", dependencies=[TOKEN])
async def import_xlsx(plan_id: str, file: Annotated[UploadFile, File()], wb: Workbench = WB) -> Any:
    """Upload an edited export → the differences (nothing applied yet) and an import id."""
    data = await file.read()
    return await run_in_threadpool(reimport.diff_import, wb, plan_id, data)


@router.post("/plans/{plan_id}/import/{import_id}/apply", dependencies=[TOKEN])
def apply_import(
    plan_id: str,
    import_id: str,
    request: Request,
    body: Annotated[dict[str, Any] | None, Body()] = None,
    wb: Workbench = WB,
) -> dict[str, Any]:
    who = who_of(request, (body or {}).get("who"))
    return reimport.apply_import(wb, plan_id, import_id, who=who)


# -------------------------------------------------------------- frameworks
@router.get("/frameworks")
def frameworks(wb: Workbench = WB) -> list[dict[str, Any]]:
    return wb.frameworks.listing()


@router.post("/frameworks", status_code=201, dependencies=[TOKEN])
async def upload_framework(
    request: Request,
    file: Annotated[UploadFile, File()],
    name: Annotated[str | None, Form()] = None,
    level: Annotated[str | None, Form()] = None,
    who: Annotated[str | None, Form()] = None,
    wb: Workbench = WB,
) -> dict[str, Any]:
    """Your own framework: YAML/JSON/CSV, or Excel with columns id, title, text, parent_id
    (``level``: its planning level, default ``province`` for CSV/Excel)."""
    data = await file.read()
    return wb.frameworks.add(
        data, file.filename, name=name, level=level or None, who=who_of(request, who)
    )


# ------------------------------------------------------------ across plans
def _where(**filters: str | None) -> dict[str, Any]:
    return {k: v for k, v in filters.items() if v}


@router.get("/search")
def search(
    q: str = Query(..., max_length=2000),
    k: int = Query(10, ge=1, le=100),
    province: str | None = None,
    org: str | None = None,
    level: str | None = None,
    kind: str | None = None,
    wb: Workbench = WB,
) -> dict[str, Any]:
    """Hybrid search over the index and the workspace's plans."""
    if not q.strip():
        raise InputError("คำค้นว่าง / the query is empty")
    hits = wb.search.search(
        q, k=k, where=_where(province=province, org=org, level=level, kind=kind)
    )
    return {"query": q, "hits": [h.to_dict() for h in hits]}


@router.get("/similar")
def similar(
    q: str = Query(..., max_length=2000),
    k: int = Query(10, ge=1, le=100),
    exclude_org: str | None = None,
    wb: Workbench = WB,
) -> dict[str, Any]:
    """Similar goals of other organisations, grouped by organisation."""
    if not q.strip():
        raise InputError("คำค้นว่าง / the query is empty")
    res = wb.search.similar(q, k=k, exclude_org=exclude_org)
    return res.to_dict() if res is not None else {"query": q, "groups": []}


@router.get("/coverage")
def coverage(province: str | None = None, wb: Workbench = WB) -> dict[str, Any]:
    """Which national strategies, milestones and SDGs a province's plans support; gaps."""
    return province_coverage(wb, province)


@router.get("/facets")
def facets(wb: Workbench = WB) -> dict[str, list[str]]:
    return wb.search.facets()
