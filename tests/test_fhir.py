"""FHIR in and out (docs/fhir.md): DocumentReferences in, Questionnaires from the rules,
QuestionnaireResponses with their evidence out. Every produced resource is parsed with
fhir.resources (R4B models)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from screener.bulk import screen_file
from screener.cli import main
from screener.criteria.schema import load_policies
from screener.errors import InputError
from screener.fhir.documents import document_reference, notes_bundle
from screener.fhir.questionnaire import questionnaire, walk_items
from screener.fhir.responses import EXT_DETERMINATION, EXT_EVIDENCE, EXT_RESULT, record_bundle
from screener.io import read_notes
from screener.io.readers import parse_jsonl_line
from screener.io.samples import note_to_dict, sample_extract
from screener.io.writers import read_records
from screener.model import Note

B64 = lambda text: base64.b64encode(text.encode("utf-8")).decode()  # noqa: E731


def _doc(**over):
    doc = {"resourceType": "DocumentReference", "id": "n1", "status": "current",
           "subject": {"reference": "Patient/p1"}, "date": "2026-05-02T10:00:00Z",
           "content": [{"attachment": {"contentType": "text/plain", "data": B64("Pain 8/10, intractable.")}}]}
    doc.update(over)
    return doc


def _bundle(*resources, full_urls=None):
    entries = []
    for i, res in enumerate(resources):
        entry = {"resource": res}
        if full_urls and full_urls[i]:
            entry["fullUrl"] = full_urls[i]
        entries.append(entry)
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _read(tmp_path, data, suffix=".json"):
    path = tmp_path / f"in{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in data), encoding="utf-8")
    return list(read_notes(path))


# --------------------------------------------------------------------------- input


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    """The bundled sample chart extract as JSONL, as a DocumentReference Bundle and as NDJSON."""
    folder = tmp_path_factory.mktemp("fhir")
    notes = sample_extract()
    jsonl = folder / "extract.jsonl"
    jsonl.write_text("".join(json.dumps(note_to_dict(n)) + "\n" for n in notes), encoding="utf-8")
    bundle = folder / "extract.json"
    bundle.write_text(json.dumps(notes_bundle(notes)), encoding="utf-8")
    ndjson = folder / "extract.ndjson"
    ndjson.write_text("".join(json.dumps(document_reference(n)) + "\n" for n in notes), encoding="utf-8")
    return {"notes": notes, "jsonl": jsonl, "bundle": bundle, "ndjson": ndjson, "folder": folder}


@pytest.mark.parametrize("kind", ["bundle", "ndjson"])
def test_sample_extract_as_document_references_reads_back_the_same_notes(extract, kind):
    Bundle.model_validate(json.loads(extract["bundle"].read_text()))
    back = list(read_notes(extract[kind]))
    fields = ("patient_id", "note_id", "text", "note_date", "service_date", "request_type")
    assert [tuple(getattr(n, f) for f in fields) for n in back] == \
        [tuple(getattr(n, f) for f in fields) for n in extract["notes"]]


def test_attachment_in_a_binary_resource_is_resolved_by_id_or_full_url(tmp_path):
    binary = {"resourceType": "Binary", "id": "b1", "contentType": "text/plain", "data": B64("Trial: 60% relief.")}
    by_id = _doc(id="n1", content=[{"attachment": {"contentType": "text/plain", "url": "Binary/b1"}}])
    by_url = _doc(id="n2", content=[{"attachment": {"url": "urn:uuid:0b6c7f3e-0000-4000-8000-000000000001"}}])
    items = _read(tmp_path, _bundle(binary, by_id, by_url, full_urls=["urn:uuid:0b6c7f3e-0000-4000-8000-000000000001", None, None]))
    assert [(n.note_id, n.text) for n in items] == [("n1", "Trial: 60% relief."), ("n2", "Trial: 60% relief.")]
    # NDJSON: the Binary may come after the note that names it
    items = _read(tmp_path, [by_id, {"resourceType": "Patient", "id": "p1"}, binary], suffix=".ndjson")
    assert [(n.note_id, n.text) for n in items] == [("n1", "Trial: 60% relief.")]


def test_patient_note_id_and_date_come_from_subject_id_and_context_period(tmp_path):
    doc = _doc(id=None, identifier=[{"system": "urn:x", "value": "NOTE 7"}],
               subject={"reference": "https://ehr.example.org/fhir/Patient/42/_history/3"},
               context={"period": {"start": "2025-12-30"}})
    doc.pop("id")
    (note,) = _read(tmp_path, _bundle(doc))
    assert (note.patient_id, note.note_id, note.note_date.isoformat()) == ("42", "NOTE 7", "2025-12-30")
    doc = _doc(subject={"identifier": {"system": "urn:mrn", "value": "MRN-9"}})
    (note,) = _read(tmp_path, _bundle(doc))
    assert (note.patient_id, note.note_date.isoformat()) == ("MRN-9", "2026-05-02")


def test_charset_of_the_attachment_is_honoured(tmp_path):
    data = base64.b64encode("Schmerz 8/10, Ärztin".encode("iso-8859-1")).decode()
    doc = _doc(content=[{"attachment": {"contentType": "text/plain; charset=ISO-8859-1", "data": data}}])
    (note,) = _read(tmp_path, _bundle(doc))
    assert note.text == "Schmerz 8/10, Ärztin"


@pytest.mark.parametrize("resource, code", [
    (_doc(subject=None), "E201"),
    (_doc(status="entered-in-error"), "E212"),
    (_doc(content=[]), "E202"),
    (_doc(content=[{"attachment": {"contentType": "application/pdf", "data": B64("%PDF")}}]), "E203"),
    (_doc(content=[{"attachment": {"contentType": "text/plain", "url": "Binary/nowhere"}}]), "E212"),
    (_doc(content=[{"attachment": {"contentType": "text/plain", "data": "   "}}]), "E202"),
    (_doc(content=[{"attachment": {"contentType": "text/plain; charset=nonesuch", "data": B64("x")}}]), "E204"),
    (_doc(content=[{"attachment": {"contentType": "text/plain", "data": B64("\x00\x01binary")}}]), "E203"),
    (_doc(content=[{"attachment": {"contentType": "text/plain", "data": B64("   \n  ")}}]), "E202"),
], ids=["no-subject", "entered-in-error", "no-content", "pdf-only", "unresolved-binary", "empty-data",
        "unknown-charset", "binary-text", "blank-text"])
def test_document_reference_that_cannot_be_read_is_an_error_row_and_the_rest_is_read(tmp_path, resource, code):
    good = _doc(id="ok1")
    items = _read(tmp_path, _bundle(resource, good))
    assert isinstance(items[1], Note) and items[1].note_id == "ok1"
    assert isinstance(items[0], dict) and items[0]["status"] == "error" and items[0]["error"].startswith(code)
    assert "Pain" not in items[0]["error"]  # a reason names ids and codes, never note text


@pytest.mark.parametrize("data, message", [
    ({"resourceType": "Patient", "id": "p"}, "must be a FHIR Bundle"),
    (_bundle({"resourceType": "Patient", "id": "p"}), "holds no DocumentReference"),
    ([1, 2], "must be a FHIR Bundle"),
])
def test_json_input_that_is_not_a_bundle_of_notes_is_refused_as_a_whole(tmp_path, data, message):
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        list(read_notes(path))


def test_a_document_reference_line_in_jsonl_is_a_note_and_other_resources_are_skipped():
    note = parse_jsonl_line(json.dumps(_doc()).encode() + b"\n", 3, 2**20)
    assert isinstance(note, Note) and (note.patient_id, note.note_id, note.source) == ("p1", "n1", "line 3")
    assert parse_jsonl_line(b'{"resourceType": "Binary", "id": "b"}\n', 4, 2**20) is None


# --------------------------------------------------------------------------- Questionnaires


def _policies():
    return [p for versions in load_policies().values() for p in versions]


@pytest.mark.parametrize("policy", _policies(), ids=lambda p: f"{p.payer}-{p.policy_id}")
def test_questionnaire_of_every_policy_validates_and_carries_every_rule_node(policy):
    q = questionnaire(policy)
    Questionnaire.model_validate(q)
    items = list(walk_items(q["item"]))
    links = [i["linkId"] for i in items]
    assert len(links) == len(set(links))
    by_base = {}
    for item in items:
        by_base.setdefault(item["linkId"].split("@")[0], item)
    for node in policy.nodes():
        assert node.id in by_base, node.id
        item = by_base[node.id]
        assert node.text in item["text"]
        assert {"url": item["extension"][0]["url"], "valueString": node.cite} == item["extension"][0]
        if node.kind in ("all", "any", "not"):
            assert item["type"] == "group" and len(item["item"]) == len(node.children)
        elif node.kind == "leaf":
            assert item["code"][0]["code"] == node.finding
    assert q["version"] == policy.policy_id
    if policy.effective_from:
        assert q["effectivePeriod"]["start"] == policy.effective_from.isoformat()
    branches = [i for i in q["item"] if "enableWhen" in i]
    assert len(branches) == len(policy.branches)
    for item in branches:
        codes = {w["question"]: w["answerCoding"]["code"] for w in item["enableWhen"]}
        assert (codes["case.indication"], codes["case.request_type"]) in policy.branches


def test_rules_questionnaire_command_writes_the_version_in_force(tmp_path, capsys):
    out = tmp_path / "uhc.json"
    assert main(["rules", "questionnaire", "uhc", "--date", "2026-06-30", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["version"] == "2026T0626M"
    capsys.readouterr()
    assert main(["rules", "questionnaire", "uhc", "--date", "2026-07-01"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == "2026T0626N"


# --------------------------------------------------------------------------- answers


@pytest.fixture(scope="module")
def screened(extract):
    folder = extract["folder"]
    runs = {}
    for name, source, fmt in (("jsonl", extract["jsonl"], None), ("bundle", extract["bundle"], None),
                              ("fhir", extract["bundle"], "fhir")):
        out = folder / f"{name}.{'ndjson' if fmt else 'jsonl'}"
        screen_file(source, out, workers=0, progress=False, output_format_name=fmt)
        runs[name] = out
    return runs


def _statuses(records):
    return {r["patient_id"]: {p: (d["status"], [(c["id"], c["result"]) for c in d["criteria"]])
                              for p, d in r["determinations"].items()} for r in records}


def test_document_reference_bundle_screens_to_the_same_statuses_criterion_by_criterion(screened):
    jsonl, bundle = read_records(screened["jsonl"]), read_records(screened["bundle"])
    assert len(jsonl) == 18
    assert _statuses(bundle) == _statuses(jsonl)
    assert {r["patient_id"]: r["findings"] for r in bundle} == {r["patient_id"]: r["findings"] for r in jsonl}


def _ext(element, url):
    return [e for e in element.get("extension", ()) if e["url"] == url]


def _sub(ext, name):
    return [e for e in ext["extension"] if e["url"] == name]


def test_fhir_output_validates_and_every_answer_points_into_its_document_reference(screened, extract):
    texts = {n.note_id: n.text for n in extract["notes"]}
    records = {r["patient_id"]: r for r in read_records(screened["jsonl"])}
    questionnaires = {}
    for policy in _policies():
        q = questionnaire(policy)
        questionnaires[f"{q['url']}|{q['version']}"] = {i["linkId"]: i for i in walk_items(q["item"])}
    bundles = [json.loads(line) for line in screened["fhir"].read_text(encoding="utf-8").splitlines()]
    assert len(bundles) == len(records)
    spans = answered = 0
    for data in bundles:
        Bundle.model_validate(data)
        resources = [e["resource"] for e in data["entry"]]
        responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
        provenances = [r for r in resources if r["resourceType"] == "Provenance"]
        assert len(responses) == len(provenances) == 4
        patient = responses[0]["subject"]["reference"].split("/")[1]
        record = records[patient]
        for qr in responses:
            (det,) = _ext(qr, EXT_DETERMINATION)
            status = _sub(det, "status")[0]["valueCode"]
            payer = next(p for p, d in record["determinations"].items() if d["policy"] == _sub(det, "policy")[0]["valueString"])
            expected = record["determinations"][payer]
            assert status == expected["status"]
            results = {c["id"]: c["result"] for c in expected["criteria"]}
            items = questionnaires[qr["questionnaire"]]
            for item in walk_items(qr.get("item", [])):
                q_item = items[item["linkId"]]  # every answered linkId is in the Questionnaire
                for ext in _ext(item, EXT_RESULT):  # criterion by criterion, as in the JSON record
                    node_id = item["linkId"].split("@")[0]
                    if node_id in results:
                        assert ext["valueCode"] == results[node_id]
                for answer in item.get("answer", ()):
                    answered += 1
                    value_type = next(k for k in answer if k.startswith("value"))
                    assert value_type == {"boolean": "valueBoolean", "decimal": "valueDecimal",
                                          "choice": "valueCoding"}[q_item["type"]]
                    for ev in _ext(answer, EXT_EVIDENCE):
                        doc = _sub(ev, "document")[0]["valueReference"]["reference"].split("/")[1]
                        start, end = _sub(ev, "start")[0]["valueInteger"], _sub(ev, "end")[0]["valueInteger"]
                        assert texts[doc][start:end] == _sub(ev, "text")[0]["valueString"]
                        spans += 1
        for qr, prov in zip(responses, provenances):
            assert prov["target"] == [{"reference": f"urn:uuid:{qr['id']}"}]
            assert {e["what"]["reference"].split("/")[1] for e in prov["entity"]} == set(record["note_ids"])
            used = {part["valueString"] for item in walk_items(qr.get("item", [])) for a in item.get("answer", ())
                    for ev in _ext(a, EXT_EVIDENCE) for part in _sub(ev, "rule")}
            assert {p.split(":", 3)[3] for p in prov.get("policy", ()) if p.startswith("urn:screener:rule:")} == used
    assert answered > 200 and spans > 500


def test_unanswered_items_are_exactly_the_findings_not_documented():
    findings = {"indication": "nonmalignant_pain", "request_type": "permanent", "age_years": 60,
                "trial_pain_reduction_pct": 70, "dementia": False}
    from screener.criteria import determine

    record = {"patient_id": "p1", "note_ids": ["n1"], "status": "ok", "findings": findings,
              "determinations": determine(findings, service_date="2026-08-01")}
    data = record_bundle(record)
    Bundle.model_validate(data)
    for entry in data["entry"]:
        qr = entry["resource"]
        if qr["resourceType"] != "QuestionnaireResponse":
            continue
        answered = {i["linkId"].split("@")[0]: i["answer"][0] for i in walk_items(qr.get("item", [])) if "answer" in i}
        codes = {}
        for policy in _policies():
            for item in walk_items(questionnaire(policy)["item"]):
                if "code" in item:
                    codes[item["linkId"].split("@")[0]] = item["code"][0]["code"]
        assert {codes[link] for link in answered} <= set(findings)
        assert answered["case.indication"]["valueCoding"]["code"] == "nonmalignant_pain"
        results = {i["linkId"].split("@")[0]: _ext(i, EXT_RESULT)[0]["valueCode"]
                   for i in walk_items(qr.get("item", [])) if _ext(i, EXT_RESULT)}
        for link, result in results.items():  # a missing criterion is never answered
            if result == "missing" and codes.get(link):
                assert link not in answered
        if "molina" in qr["questionnaire"]:
            assert answered["molina.nonmalignant.permanent.trial_relief_50"]["valueDecimal"] == 70.0


def test_error_row_becomes_a_bundle_with_an_operation_outcome():
    row = {"patient_id": "p9", "note_id": "n9", "status": "error", "error": "E204 text is not UTF-8", "source": "line 4"}
    data = record_bundle(row)
    Bundle.model_validate(data)
    (outcome,) = [e["resource"] for e in data["entry"]]
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["details"]["coding"][0]["code"] == "E204"


@pytest.mark.parametrize("argv_tail, expect", [
    (["--format", "fhir", "-o", "{out}/r.csv"], 2),
    (["--format", "csv", "-o", "{out}/r.jsonl"], 2),
])
def test_screen_format_that_does_not_fit_the_output_is_refused(tmp_path, extract, argv_tail, expect):
    argv = ["screen", str(extract["bundle"]), "--workers", "0", "--no-progress"] + \
        [a.format(out=tmp_path) for a in argv_tail]
    assert main(argv) == expect
    assert not list(Path(tmp_path).glob("r.*"))


def test_fhir_bundle_command_converts_any_input_and_reports_unreadable_notes_by_id(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"patient_id": "p", "note_id": "a", "text": "ok note"}) + "\n"
                   + json.dumps({"patient_id": "p", "note_id": "b", "text": ""}) + "\n", encoding="utf-8")
    assert main(["fhir", "bundle", str(src), "-o", str(tmp_path / "out.json")]) == 0
    captured = capsys.readouterr()
    assert "E202" in captured.err and "note b" in captured.err
    data = json.loads((tmp_path / "out.json").read_text())
    Bundle.model_validate(data)
    assert [e["resource"]["id"] for e in data["entry"]] == ["a"]


def test_report_reads_a_document_reference_bundle(tmp_path, extract, capsys):
    out = tmp_path / "report.html"
    assert main(["report", str(extract["bundle"]), "-o", str(out), "--case", "C01"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "C01-N1" in page and "meets_criteria" in page


def test_a_number_known_only_as_a_bound_is_answered_with_its_comparator():
    from screener.criteria import determine
    from screener.fhir.responses import EXT_COMPARATOR

    ev = {"key": "life_expectancy_months", "value": 3.0, "note_id": "n1", "start": 0, "end": 8, "text": "3 months",
          "rule_id": "r", "bound": ">="}
    findings = {"indication": "cancer_pain", "request_type": "trial",
                "life_expectancy_months": {"value": 3.0, "bound": ">=", "evidence": [ev]}}
    record = {"patient_id": "p1", "note_ids": ["n1"], "status": "ok", "findings": findings,
              "determinations": determine(findings, ["cohere"], "2026-08-01")}
    data = record_bundle(record)
    Bundle.model_validate(data)
    qr = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse")
    answers = [a for i in walk_items(qr["item"]) for a in i.get("answer", ()) if "valueDecimal" in a]
    assert answers and all(_ext(a, EXT_COMPARATOR)[0]["valueCode"] == ">=" for a in answers)
