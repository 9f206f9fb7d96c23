"""The workbench's HTTP API (JSON), used by the pages and by scripts: routes only.

Each route reads the request and calls the workspace (:class:`~.workbench.Workbench`
and the review, coverage and export modules). On a local workbench reads are open and
every request that changes state needs the ``X-Plansearch-Token`` header; with login
(:mod:`.auth`) every request needs an account and the reviewer's name is the login's.
GET never changes the workspace and never aligns: a plan is aligned by ``POST
/api/plans/{id}/align`` (a job with ``?background=1``). Uploads are parsed in worker
processes. Errors are JSON ``{"error": <type>, "detail": <Thai / English message>}``
with a 4xx status (:mod:`.app`).

>>> # curl -H "X-Plansearch-Token: $(cat ws/api-token)" -F file=@plan.docx \\
>>> #      http://127.0.0.1:8000/api/plans
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from ..errors import InputError
from ..version import __version__
from . import export, reimport
from .auth import caller_of, client_of, login_required, require_admin, require_token, who_of
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
ADMIN = Depends(require_admin)


# ------------------------------------------------------------------- plans
@router.get("/health")
def health(wb: Workbench = WB) -> dict[str, Any]:
    return {"ok": True, "version": __version__, "schema": wb.db.schema_version()}


@router.get("/plans")
def list_plans(archived: bool = Query(False), wb: Workbench = WB) -> list[dict[str, Any]]:
    """The workspace's plans (``?archived=1``: the deleted ones, with who and when)."""
    return wb.db.archived_plans() if archived else wb.plans.listing()


async def _form(request: Request, wb: Workbench) -> FormData:
    """The multipart form, a pasted text field allowed up to the upload limit (the
    whole body is limited by :class:`~.uploads.BodyLimit`)."""
    return await request.form(max_files=4, max_fields=16, max_part_size=wb.max_upload)


async def _upload_bytes(form: FormData) -> tuple[bytes, str | None]:
    file, text = form.get("file"), form.get("text")
    if isinstance(file, UploadFile) and file.filename is not None:
        return await file.read(), file.filename
    if isinstance(text, str):
        return text.encode("utf-8"), None
    raise InputError("ต้องแนบไฟล์หรือวางข้อความ / send a file (field 'file') or text ('text')")


def _field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) and value else None


@router.post("/plans", status_code=201, dependencies=[TOKEN])
async def upload_plan(request: Request, wb: Workbench = WB) -> Any:
    """Upload a plan (multipart ``file``: .txt/.pdf/.docx, or ``text``) → id and structure.
    Parsed in a worker process; stopped if the client goes away. The same document
    again (same text) is 409 with the plan that has it (``existing``): the page offers
    to open that one instead of making a second copy."""
    form = await _form(request, wb)
    data, name = await _upload_bytes(form)
    try:
        return await wb.add_plan_isolated(
            request.receive,
            data,
            name,
            who=who_of(request, _field(form, "who")),
            client=client_of(request.scope),
        )
    except DuplicatePlanError as exc:
        body = {"error": type(exc).__name__, "detail": str(exc), "existing": exc.existing}
        return JSONResponse(body, status_code=409)


@router.get("/plans/{plan_id}")
def get_plan(plan_id: str, wb: Workbench = WB) -> dict[str, Any]:
    return wb.plans.info(plan_id)


@router.put("/plans/{plan_id}/source", dependencies=[TOKEN])
async def replace_source(plan_id: str, request: Request, wb: Workbench = WB) -> dict[str, Any]:
    """Re-upload an edited plan: decisions stay with unchanged sections; changes listed."""
    wb.plans.plan(plan_id)
    form = await _form(request, wb)
    data, name = await _upload_bytes(form)
    return await wb.add_plan_isolated(
        request.receive,
        data,
        name,
        plan_id=plan_id,
        who=who_of(request, _field(form, "who")),
        client=client_of(request.scope),
    )


@router.delete("/plans/{plan_id}", dependencies=[TOKEN])
def delete_plan(plan_id: str, request: Request, wb: Workbench = WB) -> dict[str, Any]:
    """Delete a plan (archived: it leaves every listing, its decisions are kept, and
    ``POST /api/plans/{id}/restore`` brings it back); recorded in the audit log."""
    wb.delete_plan(plan_id, who=who_of(request), client=client_of(request.scope))
    return {"deleted": True, "restore": f"/api/plans/{plan_id}/restore"}


@router.post("/plans/{plan_id}/restore", dependencies=[TOKEN])
def restore_plan(plan_id: str, request: Request, wb: Workbench = WB) -> dict[str, Any]:
    """Bring a deleted plan back (recorded in the audit log)."""
    return wb.restore_plan(plan_id, who=who_of(request), client=client_of(request.scope))


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
        client=client_of(request.scope),
    )


@router.post("/plans/{plan_id}/fixes", dependencies=[TOKEN])
def fix_sections(
    plan_id: str,
    request: Request,
    body: Annotated[dict[str, Any], Body()],
    wb: Workbench = WB,
) -> dict[str, Any]:
    """Several fixes in one step, e.g. a parse-quality flag's fix for a whole level:
    ``{"fixes": [{"key": "<key>", "kind": "strategy", "parent": "<key>" | ""}, …]}``."""
    raw = body.get("fixes")
    if not isinstance(raw, list) or not all(isinstance(f, dict) for f in raw):
        raise InputError('ต้องส่งรายการแก้ไข / give {"fixes": [{"key": …, "kind": …}, …]}')
    fixes = [
        (
            str(f.get("key") or ""),
            f.get("kind") or None,
            None if f.get("parent") is None else str(f.get("parent")),
        )
        for f in raw
    ]
    return wb.fix_sections(
        plan_id, fixes, who=who_of(request, body.get("who")), client=client_of(request.scope)
    )


# --------------------------------------------------------------- alignment
@router.post("/plans/{plan_id}/align", dependencies=[TOKEN])
def align_plan(
    plan_id: str,
    request: Request,
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
    wb.plans.plan(plan_id)  # 404 before anything is recorded
    wb.audit.record(
        who_of(request, (body or {}).get("who")),
        "plan.align",
        plan_id,
        {"frameworks": names or "default"},
        client=client_of(request.scope),
    )
    if background:
        return JSONResponse({"job": wb.align_in_background(plan_id, names)}, status_code=202)
    wb.aligner.align(plan_id, names)
    return plan_review(wb, plan_id)


@router.get("/jobs/{job_id}")
def job(job_id: str, wb: Workbench = WB) -> dict[str, Any]:
    return wb.jobs.get(job_id)


@router.get("/plans/{plan_id}/review")
def review(plan_id: str, wb: Workbench = WB) -> dict[str, Any]:
    """The latest linkage review of a plan; 409 ``NotAlignedError`` when it was never
    aligned (or changed since): the page then starts ``POST …/align?background=1``."""
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
    wb.audit.record(
        who_of(request, items[0].get("who") or body.get("who")),
        "decision",
        plan_id,
        {
            "cells": [
                {"section": d["section_key"], "framework": d["framework"], "action": d["action"]}
                for d in items[:50]
            ],
            "count": len(items),
        },
        client=client_of(request.scope),
    )
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
async def import_xlsx(plan_id: str, request: Request, wb: Workbench = WB) -> Any:
    """Upload an edited export → the differences (nothing applied yet) and an import id.
    Read in a worker process."""
    form = await _form(request, wb)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise InputError("ต้องแนบไฟล์ Excel / send the edited workbook as field 'file'")
    data = await file.read()
    wb.plans.plan(plan_id)  # 404 before any work
    rows = await wb.read_sheet_isolated(request.receive, data)
    out = await run_in_threadpool(reimport.diff_rows, wb, plan_id, rows)
    wb.audit.record(
        who_of(request, _field(form, "who")),
        "import.diff",
        plan_id,
        {"import_id": out["import_id"], "changes": len(out["changes"])},
        client=client_of(request.scope),
    )
    return out


@router.post("/plans/{plan_id}/import/{import_id}/apply", dependencies=[TOKEN])
def apply_import(
    plan_id: str,
    import_id: str,
    request: Request,
    body: Annotated[dict[str, Any] | None, Body()] = None,
    wb: Workbench = WB,
) -> dict[str, Any]:
    who = who_of(request, (body or {}).get("who"))
    out = reimport.apply_import(wb, plan_id, import_id, who=who)
    wb.audit.record(
        who,
        "import.apply",
        plan_id,
        {"import_id": import_id, "applied": out["applied"]},
        client=client_of(request.scope),
    )
    return out


# -------------------------------------------------------------- frameworks
@router.get("/frameworks")
def frameworks(wb: Workbench = WB) -> list[dict[str, Any]]:
    return wb.frameworks.listing()


@router.post("/frameworks", status_code=201, dependencies=[TOKEN])
async def upload_framework(request: Request, wb: Workbench = WB) -> dict[str, Any]:
    """Your own framework: YAML/JSON/CSV, or Excel with columns id, title, text, parent_id
    (form fields ``file``, ``name``, ``level``: its planning level, default ``province``
    for CSV/Excel). Read in a worker process."""
    form = await _form(request, wb)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise InputError("ต้องแนบไฟล์กรอบยุทธศาสตร์ / send the framework file as field 'file'")
    data = await file.read()
    return await wb.add_framework_isolated(
        request.receive,
        data,
        file.filename,
        name=_field(form, "name"),
        level=_field(form, "level"),
        who=who_of(request, _field(form, "who")),
        client=client_of(request.scope),
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


# ------------------------------------------------------------ audit, accounts
@router.get("/audit")
def audit(
    target: str | None = None,
    limit: int = Query(200, ge=1, le=1000),
    before: int | None = None,
    wb: Workbench = WB,
) -> dict[str, Any]:
    """The audit log, newest first: who uploaded, decided, imported, deleted and restored
    what, and when (``target``: one plan or framework)."""
    return {"entries": wb.audit.entries(target=target, limit=limit, before=before)}


def _accounts_in_use(request: Request) -> None:
    if not login_required(request):
        raise InputError(
            "บัญชีผู้ใช้ใช้เมื่อเปิดระบบให้หลายคน (--login) / accounts are used when the "
            "workbench requires login (plansearch serve --login, or another --host)"
        )


@router.get("/me")
def me(request: Request, wb: Workbench = WB) -> dict[str, Any]:
    """Who this request is (``login``: whether the server requires it)."""
    caller = caller_of(request)
    return {"name": caller.name, "admin": caller.admin, "login": login_required(request)}


@router.get("/users", dependencies=[ADMIN])
def users(request: Request, wb: Workbench = WB) -> list[dict[str, Any]]:
    _accounts_in_use(request)
    return wb.accounts.users()


@router.post("/users", status_code=201, dependencies=[ADMIN])
def create_user(
    request: Request, body: Annotated[dict[str, Any], Body()], wb: Workbench = WB
) -> dict[str, Any]:
    """An admin creates an account: ``{"name", "password", "admin": false}``."""
    _accounts_in_use(request)
    by = who_of(request)
    name = wb.accounts.create_user(
        str(body.get("name", "")),
        str(body.get("password", "")),
        admin=bool(body.get("admin")),
        by=by,
    )
    wb.audit.record(
        by, "user.create", name, {"admin": bool(body.get("admin"))}, client=client_of(request.scope)
    )
    return {"name": name, "admin": bool(body.get("admin"))}


@router.post("/me/password", dependencies=[TOKEN])
def change_password(
    request: Request, body: Annotated[dict[str, Any], Body()], wb: Workbench = WB
) -> dict[str, Any]:
    """``{"old", "new"}``: change your own password."""
    _accounts_in_use(request)
    name = who_of(request)
    if wb.accounts.verify(name, str(body.get("old", ""))) != name:
        raise InputError("รหัสผ่านเดิมไม่ถูกต้อง / the current password is wrong")
    wb.accounts.set_password(name, str(body.get("new", "")))
    wb.audit.record(name, "user.password", name, {}, client=client_of(request.scope))
    return {"changed": True}


@router.get("/tokens", dependencies=[TOKEN])
def tokens(request: Request, wb: Workbench = WB) -> list[dict[str, Any]]:
    """Your API tokens (their ids and labels; a token itself is shown once, when made)."""
    _accounts_in_use(request)
    return wb.accounts.tokens(who_of(request))


@router.post("/tokens", status_code=201, dependencies=[TOKEN])
def create_token(
    request: Request, body: Annotated[dict[str, Any] | None, Body()] = None, wb: Workbench = WB
) -> dict[str, Any]:
    """A new API token for your scripts ``{"label"}`` (shown this once: keep it)."""
    _accounts_in_use(request)
    user = who_of(request)
    out = wb.accounts.create_token(user, str((body or {}).get("label", "")))
    wb.audit.record(
        user,
        "token.create",
        user,
        {"id": out["id"], "label": out["label"]},
        client=client_of(request.scope),
    )
    return out


@router.delete("/tokens/{token_id}", dependencies=[TOKEN])
def revoke_token(token_id: str, request: Request, wb: Workbench = WB) -> dict[str, Any]:
    _accounts_in_use(request)
    user = who_of(request)
    wb.accounts.revoke_token(user, token_id)
    wb.audit.record(user, "token.revoke", user, {"id": token_id}, client=client_of(request.scope))
    return {"revoked": True}
