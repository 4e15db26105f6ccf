"""Rule-file validation: a broken file raises a coded RuleFileError naming the file, the
node and what is allowed; the packaged files and the CLI (`screener rules check|show`)."""
from __future__ import annotations

import copy

import pytest
import yaml

from screener.cli import main
from screener.criteria import RuleFileError, load_policies, load_policy
from screener.criteria.cases import load_cases
from screener.criteria.schema import check_versions, policy_files
from screener.errors import RulesError

OUTCOME = {"outcome": "not_addressed", "text": "not addressed", "cite": "s1"}


def minimal() -> dict:
    cells = {
        ind: {rt: {**OUTCOME, "id": f"t.{ind}.{rt}"} for rt in ("trial", "permanent", "replacement")}
        for ind in ("cancer_pain", "nonmalignant_pain", "spasticity")
    }
    cells["nonmalignant_pain"]["trial"] = {
        "id": "t.nm.trial", "text": "all of", "cite": "s2",
        "all": [
            {"id": "t.nm.trial.relief", "text": "relief", "cite": "s2.a", "finding": "trial_pain_reduction_pct", "op": ">=", "value": 50},
            {"id": "t.nm.trial.dementia", "text": "no dementia", "cite": "s2.b", "finding": "dementia", "op": "is_false"},
        ],
    }
    return {"payer": "uhc", "policy_id": "T1", "name": "UHC T1", "title": "test", "source": "x.txt",
            "effective_from": None, "effective_to": None, "branches": cells}


def write(tmp_path, data, name="T1.yaml", payer="uhc"):
    path = tmp_path / "payers" / payer / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True) if isinstance(data, dict) else data, encoding="utf-8")
    return path


def leaf_of(data, i=0):
    return data["branches"]["nonmalignant_pain"]["trial"]["all"][i]


def test_rules_validation_minimal_file_loads(tmp_path):
    policy = load_policy(write(tmp_path, minimal()))
    node = policy.branches[("nonmalignant_pain", "trial")]
    assert [c.id for c in node.children] == ["t.nm.trial.relief", "t.nm.trial.dementia"]
    assert node.children[1].assume_absent is True  # every contraindication key


def _unknown_field(d):
    leaf_of(d)["weight"] = 2


def _unknown_finding(d):
    leaf_of(d)["finding"] = "pain_level"


def _unknown_op(d):
    leaf_of(d)["op"] = "gte"


def _bad_value_type(d):
    leaf_of(d)["value"] = "fifty"


def _bool_value_on_number(d):
    leaf_of(d)["value"] = True


def _op_for_wrong_type(d):
    leaf_of(d).update(op="is_true", value=None)


def _value_on_is_false(d):
    leaf_of(d, 1)["value"] = True


def _enum_value(d):
    leaf_of(d).update(finding="indication", op="==", value="migraine")


def _duplicate_id(d):
    leaf_of(d, 1)["id"] = "t.nm.trial.relief"


def _two_shapes(d):
    leaf_of(d)["all"] = [copy.deepcopy(leaf_of(d, 1))]


def _no_shape(d):
    for key in ("finding", "op", "value"):
        leaf_of(d).pop(key)


def _contraindication_read_as_presence(d):
    leaf_of(d, 1)["op"] = "is_true"


def _assume_absent_on_threshold(d):
    leaf_of(d)["assume_absent"] = True


def _unknown_ref(d):
    d["branches"]["nonmalignant_pain"]["trial"]["all"].append({"ref": "nowhere"})


def _circular_ref(d):
    d["definitions"] = {"a": {"id": "t.a", "text": "a", "cite": "c", "all": [{"ref": "b"}]},
                        "b": {"id": "t.b", "text": "b", "cite": "c", "all": [{"ref": "a"}]}}


def _missing_branch(d):
    del d["branches"]["spasticity"]["replacement"]


def _unknown_indication(d):
    d["branches"]["migraine"] = {}


def _evaluable_false_without_reason(d):
    d["branches"]["nonmalignant_pain"]["trial"]["all"].append(
        {"id": "t.nm.trial.x", "text": "x", "cite": "c", "evaluable": False})


def _bad_id(d):
    leaf_of(d)["id"] = "Bad Id"


def _external_without_refer_to(d):
    d["branches"]["cancer_pain"]["trial"]["outcome"] = "external_criteria"


def _wrong_payer_folder(d):
    d["payer"] = "molina"


@pytest.mark.parametrize(
    ("mutate", "code", "node", "says"),
    [
        (_unknown_field, "E102", "t.nm.trial.relief", "weight"),
        (_unknown_finding, "E103", "t.nm.trial.relief", "pain_level"),
        (_unknown_op, "E104", "t.nm.trial.relief", "allowed: is_true, is_false, >=, >, <=, <, ==, in"),
        (_bad_value_type, "E105", "t.nm.trial.relief", "'fifty'"),
        (_bool_value_on_number, "E105", "t.nm.trial.relief", "a number"),
        (_op_for_wrong_type, "E104", "t.nm.trial.relief", "does not apply to trial_pain_reduction_pct"),
        (_value_on_is_false, "E105", "t.nm.trial.dementia", "takes no value"),
        (_enum_value, "E105", "t.nm.trial.relief", "one of cancer_pain, nonmalignant_pain, spasticity"),
        (_duplicate_id, "E106", "t.nm.trial.relief", "duplicate"),
        (_two_shapes, "E107", "t.nm.trial.relief", "exactly one of"),
        (_no_shape, "E107", "t.nm.trial.relief", "exactly one of"),
        (_contraindication_read_as_presence, "E110", "t.nm.trial.dementia", "must be read as absence"),
        (_assume_absent_on_threshold, "E110", "t.nm.trial.relief", "assume_absent"),
        (_unknown_ref, "E108", "t.nm.trial.all[2]", "nowhere"),
        (_circular_ref, "E108", "t.b.all[0]", "circular ref a -> b -> a"),
        (_missing_branch, "E109", "branches", "spasticity/replacement"),
        (_unknown_indication, "E109", "branches.migraine", "allowed: cancer_pain"),
        (_evaluable_false_without_reason, "E102", "t.nm.trial.x", "reason"),
        (_bad_id, "E102", "Bad Id", "pattern"),
        (_external_without_refer_to, "E102", "t.cancer_pain.trial", "refer_to"),
        (_wrong_payer_folder, "E111", None, "rules/payers/molina/T1.yaml"),
    ],
)
def test_rules_validation_error_names_file_node_and_allowed(tmp_path, mutate, code, node, says):
    data = minimal()
    mutate(data)
    with pytest.raises(RuleFileError) as err:
        load_policy(write(tmp_path, data))
    exc = err.value
    assert isinstance(exc, RulesError)
    assert (exc.code, exc.node, exc.file.endswith("T1.yaml")) == (code, node, True)
    assert str(exc).startswith(f"{code} T1.yaml")
    assert says in str(exc)


@pytest.mark.parametrize("text", ["payer: [unclosed", "- just\n- a list\n", ""])
def test_rules_validation_unreadable_yaml(tmp_path, text):
    with pytest.raises(RuleFileError) as err:
        load_policy(write(tmp_path, text))
    assert err.value.code in ("E101", "E102")


def test_rules_validation_overlapping_versions(tmp_path):
    first = minimal()
    second = {**minimal(), "policy_id": "T2", "name": "UHC T2", "effective_from": "2026-01-01"}
    policies = [load_policy(write(tmp_path, first)), load_policy(write(tmp_path, second, name="T2.yaml"))]
    with pytest.raises(RuleFileError) as err:
        check_versions(policies)
    assert err.value.code == "E111"


def test_rules_validation_case_file_unknown_key(tmp_path):
    write(tmp_path, minimal())
    cases = {"policy": "T1", "service_date": "2026-08-01",
             "cases": [{"id": "c1", "set": {"pain_levl": 3}, "status": "meets_criteria"}]}
    with pytest.raises(RuleFileError) as err:
        load_cases(write(tmp_path, cases, name="T1.cases.yaml"))
    assert (err.value.code, err.value.node) == ("E103", "c1")


def test_rules_validation_packaged_files_load():
    policies = load_policies()
    assert {p: [v.name for v in vs] for p, vs in policies.items()} == {
        "uhc": ["UHC 2026T0626M", "UHC 2026T0626N"], "lhcc": ["LHCC LA.CP.MP.173"],
        "cohere": ["Cohere Intrathecal Pain Pumps v2"], "molina": ["Molina MCP-160"],
    }


@pytest.mark.parametrize("path", policy_files(), ids=lambda p: p.name)
def test_rules_validation_every_node_cites_policy_words(path):
    policy = load_policy(path)
    for node in policy.nodes():
        assert node.text.strip() and node.cite.strip()
        if node.kind == "unevaluable":
            assert node.reason.startswith("not evaluable from notes")


def test_rules_cli_check_ok(capsys):
    assert main(["rules", "check"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10 and all(line.startswith("ok") for line in lines)


def test_rules_cli_check_reports_broken_file(tmp_path, capsys):
    data = minimal()
    leaf_of(data)["finding"] = "pain_level"
    write(tmp_path, data)
    assert main(["rules", "check", "--dir", str(tmp_path / "payers")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("error uhc/T1.yaml: E103 T1.yaml: node t.nm.trial.relief")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["uhc", "--date", "2026-06-30"], ["UHC 2026T0626M", "[uhc.nonmalignant.replacement.not_addressed] NOT_ADDRESSED"]),
        (["uhc", "--date", "2026-07-01"], ["UHC 2026T0626N", "[uhc.nonmalignant.permanent.trial_relief_50] trial_pain_reduction_pct >= 50",
                                           "InterQual"]),
        (["lhcc"], ["[lhcc.nonmalignant.trial.life_expectancy] life_expectancy_months > 3", "Policy/Criteria I.A.2.b",
                    "NOT EVALUATED: not evaluable from notes"]),
        (["molina"], ["[molina.nonmalignant.severe_pain.nrs_over_6] pain_score_nrs > 6", "MCG A-0420"]),
    ],
)
def test_rules_cli_show(capsys, args, expected):
    assert main(["rules", "show", *args]) == 0
    out = capsys.readouterr().out
    assert all(text in out for text in expected)
