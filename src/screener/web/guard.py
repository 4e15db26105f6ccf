"""The app's safety layer, as ASGI middleware in front of every route (PHI: contract.md "Privacy").

What it sets: rejects a Host header that is not a loopback name when the server is bound
to loopback (DNS rebinding) -> 400; a cross-site ``Origin`` / ``Sec-Fetch-Site`` on a POST
-> 403; a POST without ``Content-Length`` (or chunked) -> 411; a body over the limit ->
413 before it is read (then a bounded part is drained so the client sees the answer).
Every response gets a strict Content-Security-Policy (unless the route set its own),
``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Cache-Control:
no-store``, ``Referrer-Policy: no-referrer`` (unless set), COOP/CORP ``same-origin`` and
``Server: screener``. The access log line is method, route template (``/worklist/{patient_id}``,
never the id), status and size: never a body, a query string or a header value. An exception in a route is a one-line 500 naming the
exception type only.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("screener.web")

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}
JSON_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DRAIN_LIMIT = 4 * 1024 * 1024


def safe_path(path: str) -> str:
    clean = "".join(ch if ch.isprintable() and ch != " " else "?" for ch in path)
    return clean[:120]


def log_path(scope: dict, path: str) -> str:
    """What the access log shows of a path: the route's template (``/worklist/{patient_id}``),
    never a patient id; for a request no route took, its first segment only."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str):
        return safe_path(template)
    first, _, rest = path.lstrip("/").partition("/")
    return safe_path("/" + first + ("/\u2026" if rest else ""))


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_NAMES or host.startswith("127.")


def host_ok(host_header: str) -> bool:
    host = host_header.strip().lower()
    if host.startswith("[") and "]" in host:
        name = host[: host.index("]") + 1]
    else:
        name = host.rsplit(":", 1)[0]
    return name in LOOPBACK_NAMES or name.startswith("127.")


def origin_ok(headers: dict[str, str]) -> bool:
    """A POST must come from this app's own pages (or a non-browser client such as curl)."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.strip().lower() in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin.strip().lower())
    return parts.scheme == "http" and parts.netloc == (headers.get("host") or "").strip().lower()


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


class Guard:
    """ASGI middleware; ``loopback``: the server is bound to a loopback address."""

    def __init__(self, app: Any, *, loopback: bool, max_body_bytes: int):
        self.app = app
        self.loopback = loopback
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope.get("path", "")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        state = {"status": 0, "size": 0, "started": False}

        async def guarded_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
                message = dict(message, headers=_with_safety_headers(message.get("headers") or []))
            elif message["type"] == "http.response.body":
                state["size"] += len(message.get("body") or b"")
            await send(message)

        try:
            try:
                self._check(method, headers)
            except Refused as exc:
                await _send_json(guarded_send, exc.status, {"status": exc.status, "error": exc.reason})
                if exc.status == 413:
                    await _drain(receive, min(int(headers.get("content-length") or 0), DRAIN_LIMIT))
                return
            await self.app(scope, receive, guarded_send)
        except Exception as exc:  # noqa: BLE001 -- a bug must not leak a traceback (or PHI) to the client
            log.error("%s %s failed: %s", method, safe_path(path), type(exc).__name__)
            if not state["started"]:
                await _send_json(guarded_send, 500, {"status": 500, "error": f"internal error ({type(exc).__name__})"})
        finally:
            log.info("%s %s %d %d", method, log_path(scope, path), state["status"], state["size"])

    def _check(self, method: str, headers: dict[str, str]) -> None:
        if self.loopback and not host_ok(headers.get("host") or ""):
            raise Refused(400, "Host header is not a loopback name")
        if method != "POST":
            return
        if not origin_ok(headers):
            raise Refused(403, "cross-origin request refused")
        if headers.get("transfer-encoding"):
            raise Refused(411, "chunked bodies are not supported; send Content-Length")
        length = headers.get("content-length")
        if length is None:
            raise Refused(411, "Content-Length required")
        try:
            n = int(length)
        except ValueError:
            raise Refused(400, "Content-Length is not a number") from None
        if n > self.max_body_bytes:
            raise Refused(413, f"request body is {n} bytes, over the limit of {self.max_body_bytes}")


_SAFETY = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"server", b"screener"),
)


def _with_safety_headers(raw: list) -> list:
    names = {bytes(k).lower() for k, _ in raw}
    out = [(k, v) for k, v in raw if bytes(k).lower() not in {n for n, _ in _SAFETY}]
    out.extend(_SAFETY)
    if b"content-security-policy" not in names:
        out.append((b"content-security-policy", JSON_CSP.encode()))
    if b"referrer-policy" not in names:
        out.append((b"referrer-policy", b"no-referrer"))
    return out


async def _send_json(send: Any, status: int, data: dict) -> None:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


async def _drain(receive: Any, limit: int) -> None:
    """Read and drop a bounded part of a refused body (2 s of silence ends it)."""
    left = limit
    try:
        while left > 0:
            message = await asyncio.wait_for(receive(), timeout=2)
            if message["type"] != "http.request":
                break
            left -= len(message.get("body") or b"")
            if not message.get("more_body"):
                break
    except (asyncio.TimeoutError, OSError):
        pass
