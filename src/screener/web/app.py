"""``screener serve``: the review app, the reviewers' worklist and the JSON API (FastAPI under uvicorn).

Routes (OpenAPI generated from ``models.py`` at ``/openapi.json``):

- ``GET /``                         paste one note or upload a file; ``POST /review`` shows the review view;
- ``POST /screen``                  contract input -> contract output (a list of case records);
- ``GET /worklist``                 the worklist (filters: payer, status, missing, state), with ``--db``;
- ``GET /worklist/{patient_id}``    one case: notes with evidence, the nested checklist per payer,
                                     the reviewer's decisions and "where to look" suggestions;
- ``POST /worklist/{patient_id}/decisions`` and ``/state``: the case page's forms (303 back);
- ``GET /api/worklist``, ``GET /api/cases/{patient_id}``, ``POST /api/cases/{patient_id}/decisions``: JSON;
- ``GET /openapi.json``, ``GET /healthz``.

Safety (``guard.py``): loopback Host check, same-origin POSTs, body limits, strict CSP and
no note text in logs. Screening runs in a one-thread pool (the NLP pipeline is built once
and never shared between threads), off the event loop, so the worklist, the case pages and
``/healthz`` are served while a screening runs; database work runs in the thread pool.
"""
from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import InputError
from ..report.assets import content_security_policy
from . import models
from .guard import Guard, is_loopback
from .pages import review_page
from .service import BadRequest, ReviewService, _json_default, parse_form

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_MAX_BODY = 16 * 1024 * 1024
_METHOD_ORDER = ("GET", "HEAD", "POST")
_ECHO_FIELDS = ("text", "patient_id", "note_id", "note_date", "request_type", "service_date")


def _json(status: int, data: Any, headers: Mapping[str, str] | None = None) -> Response:
    import json

    body = json.dumps(data, ensure_ascii=False, default=_json_default).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json; charset=utf-8", headers=dict(headers or {}))


def _html(status: int, page: str, scripts: tuple[str, ...] = ()) -> Response:
    csp = content_security_policy(form_action="'self'", scripts=scripts) + "; frame-ancestors 'none'"
    # same-origin (not no-referrer): browsers send "Origin: null" on a form post under no-referrer
    return Response(page.encode("utf-8"), status_code=status, media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": csp, "Referrer-Policy": "same-origin"})


def create_app(service: ReviewService, *, max_body_bytes: int = DEFAULT_MAX_BODY, db: Any = None,
               suggester: Any = None) -> FastAPI:
    """The ASGI app (without the guard; ``make_server`` wraps it). ``db``: a worklist
    ``Engine`` (``screener.worklist.db.open_database``) or None; ``suggester``: a
    ``screener.suggest.Suggester`` for "where to look" (None: trained on first use)."""
    app = FastAPI(title="screener review API", version="2.0.0", docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description=("Screens clinical notes for prior authorization of implantable intrathecal drug delivery "
                               "systems against payer policies, and keeps reviewers' decisions. Results are screening "
                               "aids for a human reviewer, never a denial. Local use only: binds 127.0.0.1 by default."))
    screen_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screener-screen")
    app.state.screen_pool = screen_pool
    app.state.suggester = suggester

    async def screen_off_loop(fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(screen_pool, fn, *args)

    def need_db() -> Any:
        if db is None:
            raise BadRequest(404, "no worklist: start the app with `screener serve --db URL`")
        return db

    @app.exception_handler(BadRequest)
    async def _bad_request(request: Request, exc: BadRequest) -> Response:
        if request.url.path == "/review" and exc.status == 400:
            return _html(400, review_page(service.payers, error=exc.reason, echo=getattr(request.state, "echo", None)))
        return _json(exc.status, {"status": exc.status, "error": exc.reason.splitlines()[0] if exc.reason else "error"})

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> Response:
        reason = str(exc).splitlines()[0] if str(exc) else "bad input"
        status = 404 if reason.split(" ", 1)[-1].startswith("no case ") else 400
        return _json(status, {"status": status, "error": reason})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            from starlette.routing import Match

            allowed: set[str] = set()
            for route in app.routes:  # every route of this path, not only the first one the router tried
                match, _ = route.matches(dict(request.scope, method="*"))
                if match != Match.NONE:
                    allowed |= set(getattr(route, "methods", None) or ())
            allow = ", ".join(m for m in _METHOD_ORDER if m in allowed)
            return _json(405, {"status": 405, "error": f"method {request.method} not allowed on this path"}, {"Allow": allow})
        if exc.status_code == 404:
            return _json(404, {"status": 404, "error": "no such path; see /openapi.json"})
        return _json(exc.status_code, {"status": exc.status_code, "error": str(exc.detail).splitlines()[0]})

    error_responses = {400: {"model": models.ErrorOut}, 413: {"model": models.ErrorOut}, 415: {"model": models.ErrorOut}}

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def root() -> Response:
        return _html(200, review_page(service.payers, worklist=db is not None))

    @app.get("/healthz", response_model=models.Health)
    async def healthz() -> Response:
        return _json(200, {"status": "ok", "payers": list(service.payers), "worklist": db is not None})

    app.add_api_route("/healthz", healthz, methods=["HEAD"], include_in_schema=False)

    @app.post("/screen", response_model=list[models.CaseRecord], responses=error_responses,
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                  "anyOf": [{"$ref": "#/components/schemas/ScreenRequest"},
                            {"type": "array", "items": {"$ref": "#/components/schemas/NoteIn"}}]}}}}})
    async def screen(request: Request) -> Response:
        """Screen contract input: a JSON list of notes, or ``{"notes", "payers", "service_date"}``."""
        ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if ctype != "application/json" and not ctype.endswith("+json"):
            raise BadRequest(415, "Content-Type must be application/json")
        body = await request.body()
        return _json(200, await screen_off_loop(service.screen_json, body))

    @app.post("/review", include_in_schema=False)
    async def review(request: Request) -> Response:
        body = await request.body()
        fields, files = parse_form(request.headers.get("content-type") or "", body)
        echo = {k: (fields.get(k) or [""])[0] for k in _ECHO_FIELDS}
        echo["text"] = echo["text"].replace("\r\n", "\n")
        echo["payers"] = fields.get("payers") or []
        request.state.echo = echo
        records, notes, echo = await screen_off_loop(service.screen_form, fields, files)
        return _html(200, review_page(service.payers, records=records, notes=notes, echo=echo, worklist=db is not None))

    # ---------------------------------------------------------------- worklist (with --db)
    def _filters(request: Request) -> dict[str, str | None]:
        q = request.query_params
        return {k: (q.get(k) or None) for k in ("payer", "status", "missing", "state")}

    @app.get("/api/worklist", response_model=list[models.WorklistRow])
    async def api_worklist(request: Request, payer: str | None = None, status: str | None = None,
                           missing: str | None = None, state: str | None = None) -> Response:
        from ..worklist.store import worklist

        rows = await run_in_threadpool(worklist, need_db(), payer=payer, status=status, missing=missing, state=state)
        return _json(200, rows)

    @app.get("/worklist", include_in_schema=False)
    async def worklist_page(request: Request) -> Response:
        from ..worklist.store import worklist
        from .worklist_pages import worklist_html

        filters = _filters(request)
        rows = await run_in_threadpool(worklist, need_db(), **filters)
        return _html(200, worklist_html(rows, filters, service.payers), scripts=_page_scripts())

    def _case_data(patient_id: str) -> tuple[Any, dict[str, list[dict[str, Any]]]]:
        from ..suggest import suggestions_for_view
        from ..worklist.store import case_view

        view = case_view(need_db(), patient_id)
        return view, suggestions_for_view(view, app.state)

    @app.get("/api/cases/{patient_id}", response_model=models.CaseReview)
    async def api_case(patient_id: str) -> Response:
        view, sugg = await run_in_threadpool(_case_data, patient_id)
        return _json(200, {
            "patient_id": view.patient_id, "state": view.state,
            "screener": {p: d.get("status") for p, d in (view.record.get("determinations") or {}).items()},
            "reviewer": {p: d["status"] for p, d in view.reviewer_determinations.items()},
            "in_force": view.in_force, "history": view.history, "suggestions": sugg,
        })

    @app.get("/worklist/{patient_id}", include_in_schema=False)
    async def case_page(request: Request, patient_id: str) -> Response:
        from .worklist_pages import case_html

        view, sugg = await run_in_threadpool(_case_data, patient_id)
        reviewer = (request.query_params.get("reviewer") or "")[:200]
        return _html(200, case_html(view, sugg, reviewer=reviewer), scripts=_page_scripts())

    @app.post("/api/cases/{patient_id}/decisions", response_model=models.DecisionOut, responses=error_responses,
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                  "$ref": "#/components/schemas/DecisionIn"}}}}})
    async def api_decide(request: Request, patient_id: str) -> Response:
        import json

        from pydantic import ValidationError

        from ..worklist.store import decide

        try:
            data = models.DecisionIn.model_validate(json.loads((await request.body()).decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BadRequest(400, "body is not a JSON object") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            raise BadRequest(400, f"{'.'.join(str(x) for x in first['loc']) or 'body'}: {first['msg']}") from None
        row = await run_in_threadpool(lambda: decide(need_db(), patient_id, **data.model_dump()))
        return _json(200, row)

    @app.post("/worklist/{patient_id}/decisions", include_in_schema=False)
    async def form_decide(request: Request, patient_id: str) -> Response:
        from ..worklist.store import decide

        fields, _ = parse_form(request.headers.get("content-type") or "", await request.body())

        def one(name: str) -> str:
            return (fields.get(name) or [""])[0].strip()

        spans = []
        for nid, a, b in zip(fields.get("span_note") or [], fields.get("span_start") or [], fields.get("span_end") or []):
            if nid and a and b:
                try:
                    spans.append({"note_id": nid, "start": int(a), "end": int(b)})
                except ValueError:
                    raise BadRequest(400, "span offsets must be whole numbers") from None
        await run_in_threadpool(lambda: decide(
            need_db(), patient_id, key=one("key"), verdict=one("verdict"), reviewer=one("reviewer"), reason=one("reason"),
            spans=spans, payer=one("payer") or None, criterion_id=one("criterion_id") or None, value=one("value") or None))
        return _see_case(patient_id, one("reviewer"), one("criterion_id"))

    @app.post("/worklist/{patient_id}/state", include_in_schema=False)
    async def form_state(request: Request, patient_id: str) -> Response:
        from ..worklist.store import set_state

        fields, _ = parse_form(request.headers.get("content-type") or "", await request.body())
        state = (fields.get("state") or [""])[0].strip()
        reviewer = (fields.get("reviewer") or [""])[0].strip()
        await run_in_threadpool(set_state, need_db(), patient_id, state, reviewer)
        return _see_case(patient_id, reviewer, "")

    def openapi_with_bodies() -> dict[str, Any]:
        """The generated description plus the request bodies the handlers read themselves."""
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            for model in (models.ScreenRequest, models.NoteIn, models.DecisionIn):
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[model.__name__] = schema
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi_with_bodies  # type: ignore[method-assign]
    return app


def _see_case(patient_id: str, reviewer: str, anchor: str) -> Response:
    """303 back to the case page (post/redirect/get), keeping the reviewer's name."""
    url = f"/worklist/{quote(patient_id, safe='')}" + (f"?{urlencode({'reviewer': reviewer[:200]})}" if reviewer else "")
    if anchor:
        url += "#c-" + quote(anchor, safe="")
    return RedirectResponse(url, status_code=303)


def _page_scripts() -> tuple[str, ...]:
    from .worklist_pages import WORKLIST_JS

    return (WORKLIST_JS,)


class ReviewServer:
    """uvicorn serving the guarded app on a socket bound at construction (``port=0``: a
    free port, known at once). ``serve_forever`` blocks; ``shutdown`` stops it from another
    thread and waits; ``server_close`` closes the socket."""

    def __init__(self, address: tuple[str, int], service: ReviewService, *, max_body_bytes: int = DEFAULT_MAX_BODY,
                 db: Any = None, suggester: Any = None):
        import uvicorn

        host, port = address
        self.service = service
        self.max_body_bytes = max_body_bytes
        self.loopback = is_loopback(host)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.socket.bind((host.strip("[]"), port))
            self.socket.listen(128)
        except OSError:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()
        self.app = create_app(service, max_body_bytes=max_body_bytes, db=db, suggester=suggester)
        guarded = Guard(self.app, loopback=self.loopback, max_body_bytes=max_body_bytes)
        config = uvicorn.Config(guarded, log_config=None, access_log=False, server_header=False, lifespan="off",
                                http="h11", ws="none", loop="asyncio", timeout_keep_alive=5,
                                timeout_graceful_shutdown=5)
        self._server = uvicorn.Server(config)
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def serve_forever(self) -> None:
        self._stopped.clear()
        try:
            self._server.run(sockets=[self.socket])
        finally:
            self.app.state.screen_pool.shutdown(wait=False, cancel_futures=True)
            self._stopped.set()

    def shutdown(self) -> None:
        self._server.should_exit = True
        self._stopped.wait(timeout=15)

    def server_close(self) -> None:
        self.socket.close()


def make_server(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, service: ReviewService | None = None,
                max_body_bytes: int = DEFAULT_MAX_BODY, db: Any = None, suggester: Any = None) -> ReviewServer:
    """A bound (not yet serving) server; ``port=0`` picks a free port."""
    return ReviewServer((host, port), service or ReviewService(), max_body_bytes=max_body_bytes, db=db,
                        suggester=suggester)
