"""``screener serve [--host 127.0.0.1] [--port 8765] [--max-body 16MB] [--db URL]``: the local review app.

Builds the screening pipeline once, then serves the review page, the JSON API and, with
``--db``, the reviewers' worklist (``screener.web``, FastAPI under uvicorn) until
interrupted. With a worklist, the "where to look" model is trained in the background at
start (a few seconds). The access log (stderr) has method, path, status and size only.
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from ..errors import InputError


def register(subparsers: Any) -> None:
    from ..web.app import DEFAULT_HOST, DEFAULT_MAX_BODY, DEFAULT_PORT

    parser = subparsers.add_parser(
        "serve",
        help="run the local review app and JSON API (127.0.0.1 by default)",
        description="Local review app: paste or upload notes, see the review view; JSON API at POST /screen (docs/review.md).",
    )
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to bind (default 127.0.0.1; anything else exposes PHI to the network)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--max-body", default=str(DEFAULT_MAX_BODY), metavar="SIZE",
                        help="largest request body accepted, e.g. 16MB (default 16 MiB); larger gets 413")
    parser.add_argument("--db", metavar="URL",
                        help="worklist database (SQLAlchemy URL or SQLite file, see `screener worklist load`): "
                             "adds the worklist, the case pages and reviewers' decisions")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..io.readers import parse_size
    from ..web.app import ReviewService, make_server

    try:
        max_body = parse_size(args.max_body)
    except ValueError:
        raise InputError(f"--max-body {args.max_body!r} is not a size (e.g. 16MB)") from None
    access = logging.getLogger("screener.web")
    access.setLevel(logging.INFO)
    if not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        access.addHandler(handler)
        access.propagate = False
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"screener: warning: binding {args.host}: the app shows PHI to anyone who can reach this address",
              file=sys.stderr)
    db = None
    if args.db:
        import threading

        from ..suggest import default_suggester
        from ..worklist.db import open_database, safe_url

        db = open_database(args.db)
        print(f"screener: worklist {safe_url(str(db.url))}", file=sys.stderr)
        threading.Thread(target=default_suggester, name="screener-suggest-train", daemon=True).start()
    print("screener: building the screening pipeline...", file=sys.stderr)
    service = ReviewService()
    try:
        server = make_server(args.host, args.port, service=service, max_body_bytes=max_body, db=db)
    except OSError as exc:
        raise InputError(f"cannot bind {args.host}:{args.port} ({exc.strerror or type(exc).__name__})") from None
    print(f"screener: serving {server.url}/ (API: POST {server.url}/screen, {server.url}/openapi.json"
          + (f"; worklist {server.url}/worklist" if db is not None else "") + "); Ctrl-C stops", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if db is not None:
            db.dispose()
    return 0
