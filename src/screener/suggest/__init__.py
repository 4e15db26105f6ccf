""""Where to look": for a finding the screener left missing, the sentences of the case most
likely to state it, ranked by a scikit-learn model (``model.py``), shown to a reviewer as
suggestions that never count as evidence until the reviewer uses one (``screener serve
--db``), and measured by ``screener evaluate GOLD_DIR --suggestions`` (``evaluate.py``).
"""
from __future__ import annotations

from typing import Any

from .model import Suggester, default_suggester
from .sentences import Unit, units

__all__ = ["Suggester", "Unit", "default_suggester", "suggestions_for_view", "units"]


def suggestions_for_view(view: Any, state: Any = None, k: int = 3) -> dict[str, list[dict[str, Any]]]:
    """key -> its top ``k`` sentences, for every key some payer leaves missing after review.
    ``state.suggester`` (the app's) is used when set, else the default model (trained once)."""
    missing: list[str] = []
    for det in view.reviewer_determinations.values():
        for key in det.get("missing") or []:
            if key not in missing:
                missing.append(key)
    if not missing:
        return {}
    suggester = getattr(state, "suggester", None) if state is not None else None
    if suggester is None:
        suggester = default_suggester()
        if state is not None:
            state.suggester = suggester
    return {key: [u.to_dict() for u in suggester.top(view.notes.values(), key, k)] for key in missing}
