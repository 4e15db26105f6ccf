"""The review service behind ``screener serve``: contract input -> case records.

HTTP-free: ``ReviewService`` checks the input of the JSON API and of the review form and
screens it with a screening function built once (``screener.pipeline.screen_case`` by
default). ``BadRequest`` carries an HTTP status and a one-line reason that never quotes
note text. ``parse_form`` reads an urlencoded or multipart body with bounded field counts.
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
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from ..errors import InputError
from ..model import REQUEST_TYPES, Note
from ..report.cases import default_payers, pipeline_screen_case, screen_items

log = logging.getLogger("screener.web")

DEFAULT_MAX_NOTE_BYTES = 2 * 1024 * 1024
UPLOAD_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".parquet", ".json", ".txt")


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


