"""The workbench's pages: routes only (Thai, Jinja2 templates; behaviour in static/app.js).

Templates autoescape everything; no page has inline script or style (the CSP allows
only this server's own files), and every state-changing action goes through the
JSON API: on a local workbench with the token from the page's
``<meta name="plansearch-token">``; with login (:mod:`.auth`) with the session cookie
and its CSRF cookie (no token is ever put in a page). ``/login`` and ``/logout`` are
the login mode's own pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from ..frameworks import level_title
from ..labels import KIND_TH, STRENGTH_TH
from ..report.form02 import thai_date
from ..sections import KINDS, LEVELS
from .auth import (
    SESSION_COOKIE,
    caller_of,
    client_of,
    end_session,
    login_required,
    safe_next,
    start_session,
)
from .coverage import province_coverage
from .workbench import Workbench

router = APIRouter()
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
#: every date a page shows is Buddhist-era, Bangkok time; every level its Thai name
templates.env.filters["thai_date"] = thai_date
templates.env.filters["level_th"] = level_title


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    context.setdefault("nav", name.split(".")[0])
    login = login_required(request)
    return templates.TemplateResponse(
        request,
        name,
        {
            # with login the pages hold no token: the session cookie and CSRF cookie do
            "token": None if login else request.app.state.token,
            "user": caller_of(request).name if login else None,
            "kind_th": KIND_TH,
            "strength_th": STRENGTH_TH,
            **context,
        },
    )


def _wb(request: Request) -> Workbench:
    wb: Workbench = request.app.state.workbench
    return wb


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/plans", status_code=303)


@router.get("/plans", response_class=HTMLResponse, include_in_schema=False)
def plans_page(request: Request) -> HTMLResponse:
    wb = _wb(request)
    return _page(request, "plans.html", plans=wb.plans.listing(), archived=wb.db.archived_plans())


@router.get("/plans/{plan_id}", response_class=HTMLResponse, include_in_schema=False)
def plan_page(plan_id: str, request: Request) -> HTMLResponse:
    info = _wb(request).plans.info(plan_id)
    by_key = {s["key"]: s for s in info["sections"]}
    return _page(request, "plan.html", nav="plans", plan=info, by_key=by_key, kinds=KINDS)


@router.get("/plans/{plan_id}/review", response_class=HTMLResponse, include_in_schema=False)
def review_page(plan_id: str, request: Request) -> HTMLResponse:
    wb = _wb(request)
    return _page(
        request,
        "review.html",
        nav="plans",
        plan=wb.plans.info(plan_id),
        frameworks=wb.frameworks.listing(),
        last=wb.aligner.last_frameworks(plan_id),
        learn_others=wb.decisions.learns_from_others(plan_id),
    )


@router.get("/frameworks", response_class=HTMLResponse, include_in_schema=False)
def frameworks_page(request: Request) -> HTMLResponse:
    return _page(
        request,
        "frameworks.html",
        frameworks=_wb(request).frameworks.listing(),
        levels=LEVELS,
    )


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
def search_page(
    request: Request,
    q: str = Query("", max_length=2000),
    province: str = "",
    org: str = "",
    level: str = "",
    kind: str = "",
) -> HTMLResponse:
    wb = _wb(request)
    where = {k: v for k, v in dict(province=province, org=org, level=level, kind=kind).items() if v}
    hits = wb.search.search(q, k=20, where=where) if q.strip() else []
    return _page(
        request,
        "search.html",
        q=q,
        hits=hits,
        facets=wb.search.facets(),
        chosen=dict(province=province, org=org, level=level, kind=kind),
    )


@router.get("/similar", response_class=HTMLResponse, include_in_schema=False)
def similar_page(
    request: Request, q: str = Query("", max_length=2000), exclude_org: str = ""
) -> HTMLResponse:
    wb = _wb(request)
    res = wb.search.similar(q, k=15, exclude_org=exclude_org or None) if q.strip() else None
    return _page(
        request,
        "similar.html",
        q=q,
        exclude_org=exclude_org,
        result=res,
        orgs=wb.search.facets()["org"],
    )


@router.get("/coverage", response_class=HTMLResponse, include_in_schema=False)
def coverage_page(request: Request, province: str = "") -> HTMLResponse:
    return _page(request, "coverage.html", cov=province_coverage(_wb(request), province or None))


# ------------------------------------------------------------------ login
@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, next: str = "/plans") -> Any:
    if not login_required(request):
        return RedirectResponse("/plans", status_code=303)
    return templates.TemplateResponse(
        request, "login.html", {"next": safe_next(next), "error": None}
    )


@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Any:
    """Check the name and password (Argon2, in a thread); set the session cookies."""
    if not login_required(request):
        return RedirectResponse("/plans", status_code=303)
    form = await request.form(max_files=0, max_fields=8, max_part_size=4096)
    name, password = str(form.get("name") or ""), str(form.get("password") or "")
    target = safe_next(str(form.get("next") or "/plans"))
    wb = _wb(request)
    from starlette.concurrency import run_in_threadpool

    user = await run_in_threadpool(wb.accounts.verify, name, password)
    client = client_of(request.scope)
    if user is None:
        await run_in_threadpool(
            wb.audit.record, " ".join(name.split())[:80] or "?", "login.failed", None, None,
            client=client,
        )  # fmt: skip
        return templates.TemplateResponse(
            request,
            "login.html",
            {"next": target, "error": "ชื่อหรือรหัสผ่านไม่ถูกต้อง / wrong name or password"},
            status_code=401,
        )
    token, csrf = wb.accounts.open_session(user)
    wb.audit.record(user, "login", user, {}, client=client)
    response = RedirectResponse(target, status_code=303)
    start_session(response, request, token, csrf)
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request) -> Any:
    wb = _wb(request)
    caller = caller_of(request)
    wb.accounts.close_session(request.cookies.get(SESSION_COOKIE, ""))
    if caller.name is not None:
        wb.audit.record(caller.name, "logout", caller.name, {}, client=client_of(request.scope))
    response = RedirectResponse("/login" if login_required(request) else "/plans", status_code=303)
    end_session(response, request)
    return response
