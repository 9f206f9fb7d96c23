"""The workbench's pages: routes only (Thai, Jinja2 templates; behaviour in static/app.js).

Templates autoescape everything; no page has inline script or style (the CSP allows
only this server's own files), and every state-changing action goes through the
JSON API with the token from the page's ``<meta name="plansearch-token">``.
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
from .coverage import province_coverage
from .workbench import Workbench

router = APIRouter()
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
#: every date a page shows is Buddhist-era, Bangkok time; every level its Thai name
templates.env.filters["thai_date"] = thai_date
templates.env.filters["level_th"] = level_title


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    context.setdefault("nav", name.split(".")[0])
    return templates.TemplateResponse(
        request,
        name,
        {
            "token": request.app.state.token,
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
    return _page(request, "plans.html", plans=_wb(request).plans.listing())


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
