"""``screener fhir bundle INPUT -o OUT``: any notes input as FHIR R4 DocumentReferences
(a ``collection`` Bundle ``.json``, or ``.ndjson`` with one resource per line), for trying the
FHIR input of ``screen`` / ``report`` / ``serve`` on an existing extract (docs/fhir.md)."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("fhir", help="convert a chart extract to FHIR DocumentReferences")
    sub = parser.add_subparsers(dest="fhir_command", required=True)
    bundle = sub.add_parser("bundle", help="notes (jsonl / csv / parquet / folder) -> FHIR DocumentReference Bundle",
                            description="Write every readable note of INPUT as a DocumentReference (text inline, "
                            "base64). Unreadable notes are reported on stderr by code and id, never by text.")
    bundle.add_argument("input", type=Path, help="any input `screener screen` reads")
    bundle.add_argument("-o", "--output", type=Path, required=True, help=".json (one Bundle) or .ndjson (one resource per line)")
    bundle.set_defaults(func=bundle_command)


def bundle_command(args) -> int:
    from ..errors import InputError
    from ..fhir.documents import document_reference, notes_bundle
    from ..io import read_notes
    from ..io.writers import atomic_path
    from ..model import Note

    suffix = args.output.suffix.lower()
    if suffix not in (".json", ".ndjson"):
        raise InputError(f"{args.output}: name the output .json (a Bundle) or .ndjson (one resource per line)")
    notes, errors = [], 0
    for item in read_notes(args.input):
        if isinstance(item, Note):
            notes.append(item)
        else:
            errors += 1
            print(f"skipped: {item.get('error')} (patient {item.get('patient_id')}, note {item.get('note_id')}, "
                  f"{item.get('source')})", file=sys.stderr)
    with atomic_path(args.output) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        if suffix == ".json":
            json.dump(notes_bundle(notes), handle, ensure_ascii=False)
            handle.write("\n")
        else:
            for note in notes:
                handle.write(json.dumps(document_reference(note), ensure_ascii=False) + "\n")
    print(f"{args.output}: {len(notes)} DocumentReferences" + (f", {errors} unreadable notes skipped" if errors else ""))
    return 0
