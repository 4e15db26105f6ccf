"""``screener serve``: a local review app and JSON API on the standard library only.

Routes (see ``openapi.py``):

- ``GET /``              the review page: paste one note or upload a file, pick payers and a
                          service date;
- ``POST /review``       the same page with the review view for the submitted notes;
- ``POST /screen``       contract input (a JSON list of notes, or ``{"notes", "payers",
                          "service_date"}``) -> contract output (a list of case records);
- ``GET /openapi.json``  the OpenAPI 3 description; ``GET /healthz``.

What it sets, for safety (PHI): binds 127.0.0.1 unless told otherwise; rejects a Host
header that is not a loopback name when bound to loopback (DNS rebinding) and a
cross-site ``Origin`` on POST; bodies over ``max_body_bytes`` get 413 before being read;
every response carries a strict Content-Security-Policy, ``X-Content-Type-Options:
nosniff``, ``Cache-Control: no-store``, ``Referrer-Policy: no-referrer`` and
``X-Frame-Options: DENY``; the access log has method, path, status and size only (never
a body, a query string or a header value). The screening pipeline is built once, when the
server is made, and one screening runs at a time.
"""
from __future__ import annotations

import email.parser
import email.policy
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..errors import InputError
from ..model import REQUEST_TYPES, Note
from ..report.assets import content_security_policy
from ..report.cases import default_payers, pipeline_screen_case, screen_items
from .openapi import openapi_spec
from .pages import review_page

log = logging.getLogger("screener.web")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_MAX_BODY = 16 * 1024 * 1024
DEFAULT_MAX_NOTE_BYTES = 2 * 1024 * 1024
UPLOAD_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".parquet", ".json", ".txt")
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}
JSON_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


class BadRequest(Exception):
    """A client error with its HTTP status and a one-line reason (never note text)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _build_note(fields: Mapping[str, Any], source: str, max_note_bytes: int) -> Any:
    from ..io.readers import build_note

    return build_note(fields, source, max_note_bytes)


def _read_notes(path: Path) -> Any:
    try:
        from ..io import read_notes
    except ImportError:
        from ..io.readers import read_notes
    return read_notes(path)


class ReviewService:
    """Turns contract input into records; owns the screening function (built once).

    ``screen_case`` defaults to ``screener.pipeline.screen_case``; tests inject a function
    with the same signature. ``warm`` screens one tiny synthetic note at start-up, so the
    NLP pipeline's caches are built before the first request, not during it.
    """

    def __init__(self, screen_case: Callable[..., dict] | None = None, *, payers: Sequence[str] | None = None,
                 max_note_bytes: int = DEFAULT_MAX_NOTE_BYTES, warm: bool = True):
        self.screen_case = screen_case or pipeline_screen_case()
        self.payers = tuple(payers or default_payers())
        self.max_note_bytes = max_note_bytes
        self._lock = threading.Lock()
        if warm:
            probe = Note("warmup", "warmup", "58 y/o with chronic low back pain. Denies dementia.")
            try:
                self.screen_case([probe], payers=list(self.payers), service_date=None)
            except Exception as exc:  # noqa: BLE001 -- requests will report it per case (E209)
                log.warning("pipeline warm-up failed (%s); cases will be reported as E209 rows", type(exc).__name__)

    # -- input checks shared by the API and the form
    def check_payers(self, payers: Any) -> list[str] | None:
        if payers is None:
            return None
        if isinstance(payers, str):
            payers = [p for p in re.split(r"[,\s]+", payers) if p]
        if not isinstance(payers, list) or not all(isinstance(p, str) for p in payers):
            raise BadRequest(400, "payers must be a list of payer ids")
        out = []
        for p in payers:
            pid = p.strip().lower()
            if pid not in self.payers:
                raise BadRequest(400, f"unknown payer {p[:40]!r}; use {', '.join(self.payers)}")
            if pid not in out:
                out.append(pid)
        return out or None

    @staticmethod
    def check_date(value: Any, field: str = "service_date") -> date | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise BadRequest(400, f"{field} must be an ISO date string (YYYY-MM-DD)")
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise BadRequest(400, f"{field} is not an ISO date (YYYY-MM-DD)") from None

    def screen(self, items: Sequence[Any], payers: list[str] | None, service_date: date | None) -> tuple[list[dict], dict[str, Note]]:
        with self._lock:
            return screen_items(items, self.screen_case, payers=payers, service_date=service_date)

    # -- POST /screen
    def screen_json(self, body: bytes) -> list[dict]:
        try:
            data = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise BadRequest(400, f"body is not UTF-8 (bad byte at offset {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise BadRequest(400, f"body is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
        payers = service_date = None
        if isinstance(data, dict):
            unknown = sorted(set(data) - {"notes", "payers", "service_date"})
            if unknown:
                raise BadRequest(400, f"unknown field {unknown[0][:40]!r}; expected notes, payers, service_date")
            if "notes" not in data:
                raise BadRequest(400, "missing field 'notes' (a list of note objects)")
            payers = self.check_payers(data.get("payers"))
            service_date = self.check_date(data.get("service_date"))
            data = data["notes"]
        if not isinstance(data, list):
            raise BadRequest(400, "expected a JSON list of note objects, or an object with 'notes'")
        if not data:
            raise BadRequest(400, "no notes given")
        items = []
        for i, raw in enumerate(data):
            if isinstance(raw, dict):
                items.append(_build_note(raw, f"notes[{i}]", self.max_note_bytes))
            else:
                items.append({"patient_id": None, "note_id": None, "status": "error",
                              "error": f"E207 notes[{i}] is a {type(raw).__name__}, not an object", "source": f"notes[{i}]"})
        records, _ = self.screen(items, payers, service_date)
        return records

    # -- POST /review (HTML form)
    def screen_form(self, fields: dict[str, list[str]], files: dict[str, tuple[str, bytes]]) -> tuple[list[dict], dict[str, Note], dict[str, Any]]:
        """(records, notes, form values to echo back) for a submitted review form."""
        def one(name: str) -> str:
            return (fields.get(name) or [""])[0]

        echo = {k: one(k) for k in ("text", "patient_id", "note_id", "note_date", "request_type", "service_date")}
        echo["text"] = echo["text"].replace("\r\n", "\n")
        echo["payers"] = fields.get("payers") or []
        payers = self.check_payers(fields.get("payers") or None)
        service_date = self.check_date(one("service_date"))
        upload = files.get("file")
        items: list[Any] = []
        if upload and upload[1]:
            items.extend(self._read_upload(*upload))
        text = one("text").replace("\r\n", "\n")
        if text.strip():
            self.check_date(one("note_date"), "note_date")
            rt = one("request_type").strip().lower()
            if rt and rt not in REQUEST_TYPES:
                raise BadRequest(400, f"request_type must be one of {', '.join(REQUEST_TYPES)}")
            items.append(_build_note({
                "patient_id": one("patient_id").strip() or "PASTED",
                "note_id": one("note_id").strip() or "N1",
                "text": text,
                "note_date": one("note_date").strip() or None,
                "request_type": rt or None,
            }, "form", self.max_note_bytes))
        if not items:
            raise BadRequest(400, "paste a note or choose a file to upload")
        records, notes = self.screen(items, payers, service_date)
        return records, notes, echo

    def _read_upload(self, filename: str, data: bytes) -> list[Any]:
        name = Path(filename.replace("\\", "/")).name
        suffix = Path(name).suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            raise BadRequest(400, f"upload must be one of {', '.join(UPLOAD_SUFFIXES)}")
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem)[:100].strip("._") or "upload"
        with tempfile.TemporaryDirectory(prefix="screener-upload-") as tmp:
            folder = Path(tmp) / "notes"
            folder.mkdir()
            path = folder / f"{stem}{suffix}"
            path.write_bytes(data)
            os.chmod(path, 0o600)
            target = folder if suffix == ".txt" else path
            try:
                return list(_read_notes(target))
            except InputError as exc:
                reason = str(exc).replace(str(target), name)
                raise BadRequest(400, reason.splitlines()[0] if reason else "upload cannot be read") from None


class ReviewServer(ThreadingHTTPServer):
    """The HTTP server; holds the service and the limits."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], service: ReviewService, *, max_body_bytes: int = DEFAULT_MAX_BODY):
        self.service = service
        self.max_body_bytes = max_body_bytes
        self.loopback = address[0] in LOOPBACK_NAMES or address[0].startswith("127.")
        super().__init__(address, ReviewHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


_ROUTES = {"/": ("GET", "HEAD"), "/review": ("POST",), "/screen": ("POST",), "/openapi.json": ("GET", "HEAD"), "/healthz": ("GET", "HEAD")}
_HANDLERS = {
    ("GET", "/"): "_route_get_root",
    ("GET", "/healthz"): "_route_get_healthz",
    ("GET", "/openapi.json"): "_route_get_openapi_json",
    ("POST", "/screen"): "_route_post_screen",
    ("POST", "/review"): "_route_post_review",
}


def _safe_path(path: str) -> str:
    clean = "".join(ch if ch.isprintable() and ch != " " else "?" for ch in path)
    return clean[:120]


class ReviewHandler(BaseHTTPRequestHandler):
    """Routes requests; see the module docstring for the headers and checks it applies."""

    server: ReviewServer
    server_version = "screener"
    sys_version = ""
    timeout = 60  # seconds a client may take to send its request

    def version_string(self) -> str:
        return "screener"

    # ---- logging: method, path, status, size; nothing else ever
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Replaces the stdlib's access/error lines, whose arguments may carry request data."""
        return

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        return

    def _access(self, status: int, size: int) -> None:
        path = urlsplit(getattr(self, "path", "") or "").path
        log.info("%s %s %d %d", getattr(self, "command", None) or "-", _safe_path(path), status, size)

    # ---- responses
    def _send(self, status: int, body: bytes, content_type: str, *, csp: str = JSON_CSP, extra: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        if "Referrer-Policy" not in (extra or {}):
            self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Connection", "close")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True
        self._access(status, len(body))

    def _json(self, status: int, data: Any, extra: Mapping[str, str] | None = None) -> None:
        body = json.dumps(data, ensure_ascii=False, default=_json_default).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", extra=extra)

    def _error(self, status: int, reason: str, extra: Mapping[str, str] | None = None) -> None:
        self._json(status, {"status": status, "error": reason.splitlines()[0] if reason else HTTPStatus(status).phrase}, extra)

    def _html(self, status: int, page: str) -> None:
        csp = content_security_policy(form_action="'self'") + "; frame-ancestors 'none'"
        # same-origin (not no-referrer): browsers send "Origin: null" on a form post under no-referrer
        self._send(status, page.encode("utf-8"), "text/html; charset=utf-8", csp=csp,
                   extra={"Referrer-Policy": "same-origin"})

    # ---- checks
    def _host_ok(self) -> bool:
        if not self.server.loopback:
            return True
        host = (self.headers.get("Host") or "").strip().lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if host.startswith("[") and "]" in host:
            name = host[: host.index("]") + 1]
        return name in LOOPBACK_NAMES or name.startswith("127.")

    def _origin_ok(self) -> bool:
        """A POST must come from this app's own pages (or a non-browser client such as curl)."""
        fetch_site = self.headers.get("Sec-Fetch-Site")
        if fetch_site is not None:
            return fetch_site.strip().lower() in ("same-origin", "none")
        origin = self.headers.get("Origin")
        if origin is None:
            return True
        host = (self.headers.get("Host") or "").strip().lower()
        parts = urlsplit(origin.strip().lower())
        return parts.scheme == "http" and parts.netloc == host

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise BadRequest(411, "chunked bodies are not supported; send Content-Length")
        length = self.headers.get("Content-Length")
        if length is None:
            raise BadRequest(411, "Content-Length required")
        try:
            n = int(length)
        except ValueError:
            raise BadRequest(400, "Content-Length is not a number") from None
        if n < 0:
            raise BadRequest(400, "Content-Length is negative")
        if n > self.server.max_body_bytes:
            self._unread = n
            raise BadRequest(413, f"request body is {n} bytes, over the limit of {self.server.max_body_bytes}")
        data = self.rfile.read(n)
        if len(data) != n:
            raise BadRequest(400, "request body shorter than Content-Length")
        return data

    def _drain(self) -> None:
        """Read and drop (a bounded part of) a refused body, so the client sees the 413, not a reset.

        Called after the answer is sent; stops at EOF, after 2 s of silence, or at 4 MiB.
        """
        left = min(getattr(self, "_unread", 0), 4 * 1024 * 1024)
        try:
            self.connection.settimeout(2)
            while left > 0:
                chunk = self.rfile.read1(min(left, 65536)) if hasattr(self.rfile, "read1") else self.rfile.read(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass

    # ---- dispatch
    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path
        try:
            if not self._host_ok():
                raise BadRequest(400, "Host header is not a loopback name")
            allowed = _ROUTES.get(path)
            if allowed is None:
                raise BadRequest(404, "no such path; see /openapi.json")
            if method not in allowed:
                self._error(405, f"method {method} not allowed on this path", {"Allow": ", ".join(allowed)})
                return
            if method == "POST" and not self._origin_ok():
                raise BadRequest(403, "cross-origin request refused")
            handler = getattr(self, _HANDLERS[("GET" if method == "HEAD" else method, path)])
            handler()
        except BadRequest as exc:
            if path == "/review" and exc.status == 400:
                self._html(400, review_page(self.server.service.payers, error=exc.reason, echo=getattr(self, "_echo", None)))
            else:
                self._error(exc.status, exc.reason)
            if exc.status == 413:
                self._drain()
        except Exception as exc:  # noqa: BLE001 -- a bug must not leak a traceback (or PHI) to the client
            log.error("%s %s failed: %s", method, _safe_path(path), type(exc).__name__)
            try:
                self._error(500, f"internal error ({type(exc).__name__})")
            except OSError:
                pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch("PATCH")

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._dispatch("OPTIONS")

    # ---- routes
    def _route_get_root(self) -> None:
        self._html(200, review_page(self.server.service.payers))

    def _route_get_healthz(self) -> None:
        self._json(200, {"status": "ok", "payers": list(self.server.service.payers)})

    def _route_get_openapi_json(self) -> None:
        self._json(200, openapi_spec(self.server.service.payers, self.server.max_body_bytes))

    def _route_post_screen(self) -> None:
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json" and not ctype.endswith("+json"):
            raise BadRequest(415, "Content-Type must be application/json")
        body = self._body()
        self._json(200, self.server.service.screen_json(body))

    def _route_post_review(self) -> None:
        ctype = self.headers.get("Content-Type") or ""
        body = self._body()
        fields, files = parse_form(ctype, body)
        self._echo = {k: (fields.get(k) or [""])[0] for k in ("text", "patient_id", "note_id", "note_date", "request_type", "service_date")}
        self._echo["text"] = self._echo["text"].replace("\r\n", "\n")
        self._echo["payers"] = fields.get("payers") or []
        records, notes, echo = self.server.service.screen_form(fields, files)
        self._html(200, review_page(self.server.service.payers, records=records, notes=notes, echo=echo))


def parse_form(content_type: str, body: bytes) -> tuple[dict[str, list[str]], dict[str, tuple[str, bytes]]]:
    """(fields, files) of an ``application/x-www-form-urlencoded`` or ``multipart/form-data`` body."""
    main = content_type.split(";")[0].strip().lower()
    if main == "application/x-www-form-urlencoded":
        try:
            return parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=200), {}
        except (UnicodeDecodeError, ValueError):
            raise BadRequest(400, "form body cannot be decoded") from None
    if main != "multipart/form-data":
        raise BadRequest(415, "Content-Type must be multipart/form-data or application/x-www-form-urlencoded")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not msg.is_multipart():
        raise BadRequest(400, "multipart body cannot be parsed")
    fields: dict[str, list[str]] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for n, part in enumerate(msg.iter_parts()):
        if n >= 200:
            raise BadRequest(400, "too many form fields")
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[str(name)] = (str(filename), payload)
        else:
            try:
                fields.setdefault(str(name), []).append(payload.decode("utf-8"))
            except UnicodeDecodeError:
                raise BadRequest(400, f"form field {str(name)[:40]!r} is not UTF-8") from None
    return fields, files


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)


def make_server(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, service: ReviewService | None = None,
                max_body_bytes: int = DEFAULT_MAX_BODY) -> ReviewServer:
    """A bound (not yet serving) server; ``port=0`` picks a free port."""
    return ReviewServer((host, port), service or ReviewService(), max_body_bytes=max_body_bytes)
