"""How often the gold sentence is among the three suggestions (``screener evaluate GOLD_DIR --suggestions``).

For every case of the gold folder, the case is screened; for every finding key some payer
leaves ``missing`` while the gold case documents it, the key is *scored* when the gold
notes quote the sentence that states it (``evidence`` in case.yaml), and it is a *hit*
when one of the top ``k`` suggestions overlaps one of those quotes. Keys documented
without a quote are counted as unscored. The model is trained without the folder scored
(leave-one-folder-out), so the figure is for notes the model has not seen.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..gold import GoldCase, load_gold
from .model import Suggester


def evaluate_suggestions(gold_dir: Path | str, *, k: int = 3, suggester: Suggester | None = None,
                         screen: Callable[..., dict] | None = None) -> dict[str, Any]:
    from ..pipeline import screen_case

    screen = screen or screen_case
    cases: Sequence[GoldCase] = load_gold(gold_dir)
    suggester = suggester or Suggester.train(exclude=[gold_dir])
    rows: list[dict[str, Any]] = []
    unscored = 0
    for case in cases:
        record = screen(case.plain_notes, service_date=case.service_date)
        missing: list[str] = []
        for det in (record.get("determinations") or {}).values():
            missing.extend(m for m in det.get("missing") or [] if m not in missing)
        for key in missing:
            if case.findings.get(key) is None:
                continue
            quotes = [(gn.note.note_id, gn.note.text.find(q), gn.note.text.find(q) + len(q))
                      for gn in case.notes for q in gn.evidence.get(key, ())]
            if not quotes:
                unscored += 1
                continue
            top = suggester.top(case.plain_notes, key, k)
            rank = next((i + 1 for i, u in enumerate(top)
                         if any(u.note_id == nid and u.overlaps(a, b) for nid, a, b in quotes)), None)
            rows.append({"case": case.patient_id, "key": key, "hit": rank is not None, "rank": rank})
    hits = sum(r["hit"] for r in rows)
    by_key = Counter(r["key"] for r in rows)
    key_hits = Counter(r["key"] for r in rows if r["hit"])
    return {
        "folder": str(gold_dir), "k": k, "scored": len(rows), "hits": hits, "unscored": unscored,
        "rate": hits / len(rows) if rows else None,
        "per_key": [{"key": key, "scored": n, "hits": key_hits[key]} for key, n in by_key.most_common()],
        "rows": rows, "trained_on": suggester.trained_on,
    }


def format_suggestions(result: dict[str, Any]) -> str:
    rate = result["rate"]
    lines = [f"Where to look ({result['folder']}): the gold sentence among the top {result['k']} suggestions for "
             f"{result['hits']} of {result['scored']} missing findings the gold documents"
             + (f" ({rate:.0%})" if rate is not None else "")
             + f"; {result['unscored']} documented without a quoted sentence (not scored)"]
    for row in result["per_key"]:
        lines.append(f"  {row['key']:<40} {row['hits']:>3} / {row['scored']}")
    return "\n".join(lines)
