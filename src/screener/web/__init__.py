"""``screener serve``: the local review app and JSON API (standard library only); see ``app.py``."""
from __future__ import annotations

from .app import DEFAULT_HOST, DEFAULT_PORT, ReviewServer, ReviewService, make_server

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "ReviewServer", "ReviewService", "make_server"]
