"""``screener serve``: the review app, the worklist and the JSON API (FastAPI under uvicorn); see ``app.py``."""
from __future__ import annotations

from .app import DEFAULT_HOST, DEFAULT_PORT, ReviewServer, ReviewService, make_server

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "ReviewServer", "ReviewService", "make_server"]
