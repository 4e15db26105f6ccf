"""FHIR R4 DocumentReferences in: notes from a Bundle (``.json``) or NDJSON of resources.

``read_bundle(path)`` and ``read_ndjson(path)`` yield, like every reader of
``screener.io.readers``, an ``InputNote`` or an error row per DocumentReference, in input
order. ``document_note(resource, source, binaries)`` reads one resource; the jsonl reader
and ``spark-screen`` call it for a line that holds a DocumentReference.

How a DocumentReference becomes a note (docs/fhir.md, "Input"):

- ``note_id`` is the resource ``id`` (else its first ``identifier.value``);
- ``patient_id`` is the id of ``subject`` (``Patient/123`` -> ``123``; an absolute URL's
  last two parts; else ``subject.identifier.value``);
- ``note_date`` is ``context.period.start``, else ``date`` (the clinical date before the
  indexing time);
- the text is the first ``content[].attachment`` whose ``contentType`` is ``text/plain``
  (or absent): inline base64 ``data``, or a ``url`` that names a Binary resource of the same
  input (``Binary/<id>`` or the Binary entry's ``fullUrl``). Its ``charset`` is honoured.

A resource that cannot be read is an error row with the usual codes (E201 no id or no
subject, E202 empty text, E203 no text/plain attachment, E204 bad base64 or charset, E205
too large) or E212 (``status: entered-in-error``; an attachment URL that no Binary of the
input resolves). Resources of other types (Patient, Binary, Encounter...) are not notes
and are skipped; a Bundle or NDJSON file with no DocumentReference at all is an
``InputError``.
"""
from __future__ import annotations

import base64
import binascii
import codecs
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io.errors import (
    E_EMPTY_TEXT,
    E_FHIR,
    E_MALFORMED,
    E_MISSING_ID,
    E_NOT_TEXT,
    E_TOO_LARGE,
    E_UNDECODABLE,
    error_row,
)

NOTE_RESOURCE = "DocumentReference"
# Canonical base of this project's extensions and Questionnaires (RFC 2606 example domain:
# nothing is fetched from it; a deployment that publishes its own can change it here).
CANONICAL_BASE = "https://screener.example.org/fhir"
EXT_SERVICE_DATE = f"{CANONICAL_BASE}/StructureDefinition/service-date"
EXT_REQUEST_TYPE = f"{CANONICAL_BASE}/StructureDefinition/request-type"
NOTE_ID_SYSTEM = "urn:screener:note-id"
PATIENT_ID_SYSTEM = "urn:screener:patient-id"
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def _reference_id(reference: Any) -> str | None:
    """``Patient/123`` -> ``123``; ``https://x/fhir/Patient/123`` -> ``123``; ``urn:uuid:..`` kept."""
    if not isinstance(reference, str) or not reference.strip():
        return None
    text = reference.strip()
    if text.startswith("urn:"):
        return text
    parts = [p for p in text.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return parts[-1] if parts else None


def _subject_id(resource: Mapping[str, Any]) -> str | None:
    subject = resource.get("subject")
    if not isinstance(subject, Mapping):
        return None
    found = _reference_id(subject.get("reference"))
    if found:
        return found
    ident = subject.get("identifier")
    if isinstance(ident, Mapping) and isinstance(ident.get("value"), str) and ident["value"].strip():
        return ident["value"].strip()
    return None


def _note_id(resource: Mapping[str, Any]) -> str | None:
    rid = resource.get("id")
    if isinstance(rid, str) and rid.strip():
        return rid.strip()
    for ident in resource.get("identifier") or ():
        if isinstance(ident, Mapping) and isinstance(ident.get("value"), str) and ident["value"].strip():
            return ident["value"].strip()
    return None


def _note_date(resource: Mapping[str, Any]) -> Any:
    context = resource.get("context")
    if isinstance(context, Mapping):
        period = context.get("period")
        if isinstance(period, Mapping) and period.get("start"):
            return period["start"]
    return resource.get("date")


def _media_type(content_type: Any) -> tuple[str | None, str]:
    """``text/plain; charset=ISO-8859-1`` -> (``text/plain``, ``iso-8859-1``)."""
    if not isinstance(content_type, str) or not content_type.strip():
        return None, "utf-8"
    parts = [p.strip() for p in content_type.split(";")]
    charset = "utf-8"
    for param in parts[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
    return parts[0].lower(), charset


def _extension(resource: Mapping[str, Any], url: str, kind: str) -> Any:
    for ext in resource.get("extension") or ():
        if isinstance(ext, Mapping) and ext.get("url") == url:
            return ext.get(kind)
    return None


def _attachments(resource: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    out = []
    for content in resource.get("content") or ():
        if isinstance(content, Mapping) and isinstance(content.get("attachment"), Mapping):
            out.append(content["attachment"])
    return out


def document_note(
    resource: Mapping[str, Any],
    source: str,
    max_note_bytes: int,
    binaries: Mapping[str, Mapping[str, Any]] | None = None,
) -> Any:
    """One DocumentReference -> ``InputNote`` or error row. Never raises.

    ``binaries`` maps ``Binary/<id>`` and ``fullUrl``s to Binary resources of the input.
    """
    from ..io.readers import build_note

    nid, pid = _note_id(resource), _subject_id(resource)

    def err(code: str, reason: str) -> dict[str, Any]:
        return error_row(code, reason, patient_id=pid, note_id=nid, source=source)

    if nid is None or pid is None:
        missing = " and ".join(k for k, v in (("id", nid), ("subject", pid)) if v is None)
        return err(E_MISSING_ID, f"DocumentReference without {missing}")
    if resource.get("status") == "entered-in-error":
        return err(E_FHIR, "DocumentReference status is entered-in-error; not screened")
    attachments = _attachments(resource)
    if not attachments:
        return err(E_EMPTY_TEXT, "DocumentReference has no content attachment")
    chosen, kinds = None, []
    for attachment in attachments:
        media, _ = _media_type(attachment.get("contentType"))
        kinds.append(media or "no contentType")
        if media in (None, "text/plain"):
            chosen = attachment
            break
    if chosen is None:
        return err(E_NOT_TEXT, f"no text/plain attachment (found {', '.join(sorted(set(kinds)))})")
    _, charset = _media_type(chosen.get("contentType"))
    data = chosen.get("data")
    if data is None and chosen.get("url"):
        binary = (binaries or {}).get(str(chosen["url"]).strip())
        if binary is None:
            return err(E_FHIR, "attachment url names no Binary resource of this input")
        data = binary.get("data")
        media, binary_charset = _media_type(binary.get("contentType"))
        if media not in (None, "text/plain"):
            return err(E_NOT_TEXT, f"the Binary is {media}, not text/plain")
        if chosen.get("contentType") is None:
            charset = binary_charset
    if not isinstance(data, str) or not data.strip():
        return err(E_EMPTY_TEXT, "attachment has no data")
    if len(data) > (max_note_bytes * 4) // 3 + 8:
        return err(E_TOO_LARGE, f"attachment is over the limit of {max_note_bytes} bytes")
    try:
        raw = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return err(E_UNDECODABLE, "attachment data is not base64")
    if charset not in ("utf-8", "utf8"):
        try:
            codecs.lookup(charset)
            raw = raw.decode(charset).encode("utf-8")
        except (LookupError, UnicodeDecodeError):
            return err(E_UNDECODABLE, f"attachment cannot be decoded as {charset}")
    fields = {"patient_id": pid, "note_id": nid, "text": raw, "note_date": _note_date(resource),
              "service_date": _extension(resource, EXT_SERVICE_DATE, "valueDate"),
              "request_type": _extension(resource, EXT_REQUEST_TYPE, "valueCode")}
    return build_note(fields, source, max_note_bytes)


# --------------------------------------------------------------------------- files


def _resources_of_bundle(bundle: Mapping[str, Any]) -> Iterator[tuple[str | None, Mapping[str, Any], str]]:
    """(fullUrl, resource, source) for every entry, nested Bundles included."""
    for i, entry in enumerate(bundle.get("entry") or (), start=1):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("resource"), Mapping):
            continue
        resource = entry["resource"]
        if resource.get("resourceType") == "Bundle":
            yield from _resources_of_bundle(resource)
            continue
        yield entry.get("fullUrl"), resource, f"entry {i}"


def _binary_keys(full_url: str | None, resource: Mapping[str, Any]) -> list[str]:
    keys = [full_url] if isinstance(full_url, str) and full_url else []
    if isinstance(resource.get("id"), str):
        keys.append(f"Binary/{resource['id']}")
    return keys


def read_bundle(path: Path, max_note_bytes: int) -> Iterator[Any]:
    """Notes of a FHIR Bundle (or of a single DocumentReference) stored as one JSON file."""
    try:
        with open(path, "rb") as handle:
            data = json.load(handle)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: not a readable FHIR JSON file ({type(exc).__name__})") from None
    if not isinstance(data, Mapping) or data.get("resourceType") not in ("Bundle", NOTE_RESOURCE):
        raise InputError(f"{path}: a .json input must be a FHIR Bundle or DocumentReference (resourceType)")
    if data["resourceType"] == NOTE_RESOURCE:
        entries = [(None, data, "resource")]
    else:
        entries = list(_resources_of_bundle(data))
    binaries: dict[str, Mapping[str, Any]] = {}
    for full_url, resource, _ in entries:
        if resource.get("resourceType") == "Binary":
            for key in _binary_keys(full_url, resource):
                binaries[key] = resource
    notes = [(r, s) for _, r, s in entries if r.get("resourceType") == NOTE_RESOURCE]
    if not notes:
        raise InputError(f"{path}: the Bundle holds no DocumentReference")
    return (document_note(resource, source, max_note_bytes, binaries) for resource, source in notes)


def read_ndjson(path: Path, max_note_bytes: int, limit: int) -> Iterator[Any]:
    """Notes of an NDJSON file of FHIR resources (one per line). Binary resources are
    indexed by their byte offset in a first pass, so a note's text can live in another line
    without the file being held in memory."""
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({type(exc).__name__})") from None
    offsets: dict[str, int] = {}
    notes = 0
    with handle:
        offset = 0
        for line in handle:
            if b'"Binary"' in line:
                try:
                    resource = json.loads(line)
                except ValueError:
                    resource = None
                if isinstance(resource, Mapping) and resource.get("resourceType") == "Binary":
                    for key in _binary_keys(None, resource):
                        offsets[key] = offset
            elif b'"' + NOTE_RESOURCE.encode() + b'"' in line:
                notes += 1
            offset += len(line)
    if not notes:
        raise InputError(f"{path}: the NDJSON file holds no DocumentReference")
    return _ndjson_notes(path, offsets, max_note_bytes, limit)


class _BinaryIndex(Mapping):
    """``Binary/<id>`` -> the Binary resource, read from its line on demand."""

    def __init__(self, path: Path, offsets: dict[str, int]):
        self.path, self.offsets = path, offsets

    def __getitem__(self, key: str) -> Mapping[str, Any]:
        with open(self.path, "rb") as handle:
            handle.seek(self.offsets[key])
            return json.loads(handle.readline())

    def __iter__(self):
        return iter(self.offsets)

    def __len__(self) -> int:
        return len(self.offsets)


def _ndjson_notes(path: Path, offsets: dict[str, int], max_note_bytes: int, limit: int) -> Iterator[Any]:
    binaries = _BinaryIndex(path, offsets)
    with open(path, "rb") as handle:
        for lineno, line in enumerate(handle, start=1):
            source = f"line {lineno}"
            if not line.strip():
                continue
            if len(line) > limit:
                yield error_row(E_TOO_LARGE, f"record at {source} is over the limit of {max_note_bytes} bytes", source=source)
                continue
            try:
                resource = json.loads(line)
            except ValueError:
                yield error_row(E_MALFORMED, f"{source} is not valid JSON", source=source)
                continue
            if isinstance(resource, Mapping) and resource.get("resourceType") == NOTE_RESOURCE:
                yield document_note(resource, source, max_note_bytes, binaries)
            elif not isinstance(resource, Mapping) or "resourceType" not in resource:
                yield error_row(E_MALFORMED, f"{source} is not a FHIR resource", source=source)


def is_fhir_resource(record: Any) -> bool:
    """A JSON object that is a FHIR resource, not a contract note (which has ``text``)."""
    return isinstance(record, dict) and "resourceType" in record and "text" not in record


def is_fhir_ndjson(path: Path) -> bool:
    """True when the first non-blank line of a ``.ndjson``/``.jsonl`` file is a FHIR resource."""
    try:
        with open(path, "rb") as handle:
            for line in handle:
                if line.strip():
                    head = line.lstrip(b"\xef\xbb\xbf")
                    try:
                        record = json.loads(head)
                    except ValueError:
                        return False
                    return is_fhir_resource(record)
    except OSError:
        return False
    return False


# --------------------------------------------------------------------------- notes -> Bundle


def full_url(*parts: str) -> str:
    """A stable ``urn:uuid:`` for a Bundle entry, derived from what it is (same input, same ids)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, CANONICAL_BASE + '/' + '/'.join(parts))}"


def is_fhir_id(value: Any) -> bool:
    return isinstance(value, str) and _FHIR_ID.fullmatch(value) is not None


def reference(resource_type: str, value: str, system: str) -> dict[str, Any]:
    """A literal reference (``Patient/123``) when ``value`` is a valid FHIR id, else a logical
    one by identifier, so no id is ever changed on the way out."""
    if is_fhir_id(value):
        return {"reference": f"{resource_type}/{value}"}
    return {"type": resource_type, "identifier": {"system": system, "value": value}}


def document_reference(note: Any) -> dict[str, Any]:
    """A ``screener.model.Note`` as an R4 DocumentReference with its text inline (base64)."""
    resource: dict[str, Any] = {"resourceType": NOTE_RESOURCE}
    if is_fhir_id(note.note_id):
        resource["id"] = note.note_id
    extensions = []
    if getattr(note, "service_date", None):
        extensions.append({"url": EXT_SERVICE_DATE, "valueDate": note.service_date.isoformat()})
    if getattr(note, "request_type", None):
        extensions.append({"url": EXT_REQUEST_TYPE, "valueCode": note.request_type})
    if extensions:
        resource["extension"] = extensions
    resource.update({
        "identifier": [{"system": NOTE_ID_SYSTEM, "value": note.note_id}],
        "status": "current",
        "type": {"text": "clinical note"},
        "subject": reference("Patient", note.patient_id, PATIENT_ID_SYSTEM),
        "content": [{"attachment": {
            "contentType": "text/plain; charset=utf-8",
            "data": base64.b64encode(note.text.encode("utf-8")).decode("ascii"),
        }}],
    })
    if note.note_date:
        resource["context"] = {"period": {"start": note.note_date.isoformat()}}
    return resource


def notes_bundle(notes: Iterable[Any]) -> dict[str, Any]:
    """A ``collection`` Bundle of one DocumentReference per note (``screener fhir bundle``)."""
    entries = []
    for note in notes:
        resource = document_reference(note)
        entry: dict[str, Any] = {"resource": resource}
        entry["fullUrl"] = full_url(NOTE_RESOURCE, note.patient_id, note.note_id)
        entries.append(entry)
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
