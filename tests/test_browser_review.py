"""The review page and app in headless Chromium (Debian's chromium + chromium-driver, `make browser`).

One browser per test session. Checks: highlighted text equals ``note.text[start:end]`` for
every evidence offset, clicking a criterion flashes its span in the viewport, injection
payloads stay inert, the CSP lets the page's own hashed script/style run and nothing else.
Screenshots go to ``test-artifacts/`` (gitignored).
"""
from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="headless Chromium not installed (/usr/bin/chromium and /usr/bin/chromedriver); run `make browser`",
    ),
]

from screener.report import write_report  # noqa: E402
from screener.report.examples import PAYLOADS, demo_case, example_screen_case, xss_case  # noqa: E402

SPAN_TEXT_JS = """
const [nid, a, b, k] = arguments;
const art = Array.from(document.querySelectorAll('article[data-note]')).find(x => x.dataset.note === nid);
if (!art) return null;
const anc = Array.from(art.querySelectorAll('span.anc')).find(x => x.dataset.a == a && x.dataset.b == b && x.dataset.k === k);
if (!anc) return null;
return Array.from(document.querySelectorAll('mark[data-s~="' + anc.id + '"]')).map(m => m.textContent).join('');
"""

IN_VIEW_JS = """
const el = arguments[0], r = el.getBoundingClientRect();
const pane = el.closest('.notes').getBoundingClientRect();
return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.top >= pane.top && r.bottom <= pane.bottom;
"""

INJECTED_JS = """
return {pwned: typeof window.__pwned, scripts: document.scripts.length,
        injected: document.querySelectorAll('img,svg,iframe,object,embed,frame').length,
        onattrs: Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length};
"""


@pytest.fixture(scope="session")
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,900"):
        options.add_argument(flag)
    profile = tempfile.TemporaryDirectory(prefix="screener-chromium-")
    options.add_argument(f"--user-data-dir={profile.name}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()
    profile.cleanup()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    record, notes = demo_case()
    xss_records, xss_notes = xss_case()
    path = write_report([record, *xss_records], {**notes, **xss_notes}, tmp_path_factory.mktemp("report") / "report.html")
    return path.as_uri(), record, notes, xss_notes


def _open(driver, url):
    driver.get("about:blank")
    driver.get(url)
    driver.get_log("browser")  # nothing to check yet; empties the buffer for this page


def _no_alert(driver):
    from selenium.common.exceptions import NoAlertPresentException

    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def _csp_errors(driver):
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"] or "Refused" in e["message"]]


def _screenshot(driver, name):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    return path


def test_browser_report_spans_match_evidence_offsets(driver, report):
    url, record, notes, _ = report
    _open(driver, url + "#case-0")
    checked = 0
    evidence = [(k, e) for k, f in record["findings"].items() for e in f["evidence"] + f["superseded"]]
    evidence += [(e["key"], e) for e in record["mentions"]]
    for key, e in evidence:
        got = driver.execute_script(SPAN_TEXT_JS, e["note_id"], e["start"], e["end"], key)
        assert got == notes[e["note_id"]].text[e["start"]:e["end"]], (key, e["note_id"])
        checked += 1
    assert checked >= 20
    for nid, note in notes.items():
        shown = driver.execute_script(
            "return Array.from(document.querySelectorAll('article[data-note]')).find(x => x.dataset.note === arguments[0])"
            ".querySelector('.ntext').textContent;", nid)
        assert shown == note.text


@pytest.mark.parametrize(
    "criterion,phrase,note_id",
    [("A trial showing at least 50% pain relief", "Pain went from 8/10 to 3/10", "N2"),
     ("Pain rated greater than 6 on the numeric rating scale", "NRS 8/10", "N1"),
     ("Functional improvement during the trial", "3/10 with improved walking tolerance", "N2")],
)
def test_browser_report_click_criterion_flashes_span(driver, report, criterion, phrase, note_id):
    from selenium.webdriver.common.by import By

    url, _, notes, _ = report
    _open(driver, url + "#case-0")
    driver.execute_script("document.querySelectorAll('.notes,.checks').forEach(p => p.scrollTop = 0);")
    items = [li for li in driver.find_elements(By.CSS_SELECTOR, "li.c[data-go]")
             if li.find_element(By.CSS_SELECTOR, ".ctext").text == criterion]
    assert len(items) == 1
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", items[0])
    items[0].click()
    start = notes[note_id].text.index(phrase)
    flashed = driver.find_elements(By.CSS_SELECTOR, "mark.flash")
    assert flashed, "clicking a criterion flashes its spans"
    first_id = items[0].get_attribute("data-go").split()[0]
    anchor = driver.find_element(By.ID, first_id)
    assert int(anchor.get_attribute("data-a")) <= start + len(phrase)
    marks = driver.find_elements(By.CSS_SELECTOR, f'mark[data-s~="{first_id}"]')
    assert marks and all("flash" in m.get_attribute("class").split() for m in marks)
    assert driver.execute_script(IN_VIEW_JS, marks[0])
    if criterion.startswith("A trial"):
        _screenshot(driver, "report-case.png")


def test_browser_report_chip_click_flashes_one_span(driver, report):
    from selenium.webdriver.common.by import By

    url, _, _, _ = report
    _open(driver, url + "#case-0")
    chip = driver.find_elements(By.CSS_SELECTOR, "#case-0 li.c a.chip[data-go]")[-1]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", chip)
    chip.click()
    sid = chip.get_attribute("data-go")
    flashed = driver.find_elements(By.CSS_SELECTOR, "mark.flash")
    assert flashed and all(sid in m.get_attribute("data-s").split() for m in flashed)
    assert driver.execute_script(IN_VIEW_JS, flashed[0])
    assert driver.execute_script("return location.hash") == "#case-0"


def test_browser_report_payloads_inert(driver, report):
    url, _, _, xss_notes = report
    _open(driver, url + "#case-1")
    assert _no_alert(driver)
    assert driver.execute_script("return Array.from(document.querySelectorAll('section.case')).map(s => s.hidden)") == [True, False, True]
    assert driver.execute_script("return document.querySelector('li.ci.on').dataset.i") == "1"
    state = driver.execute_script(INJECTED_JS)
    assert state == {"pwned": "undefined", "scripts": 1, "injected": 0, "onattrs": 0}
    (note,) = xss_notes.values()
    shown = driver.execute_script("return document.querySelector('#case-1 .ntext').textContent;")
    assert shown == note.text
    for payload in PAYLOADS:
        assert payload in shown
    # clicking through every span and criterion of the hostile case runs nothing either
    driver.execute_script("document.querySelectorAll('#case-1 [data-go]').forEach(e => e.click());")
    _open(driver, url + "#case-2")
    assert driver.execute_script("return document.querySelector('#case-2').hidden") is False
    assert driver.execute_script(INJECTED_JS)["pwned"] == "undefined"
    _open(driver, url + "#case-1")
    _screenshot(driver, "report-xss.png")
    assert not _csp_errors(driver)


@pytest.mark.parametrize(
    "payer,status,query,visible",
    [("", "", "", 3), ("", "error", "", 1), ("uhc", "meets_criteria", "", 1), ("cohere", "meets_criteria", "", 0),
     ("", "does_not_meet", "", 1), ("", "", "p-demo", 1)],
)
def test_browser_report_filters(driver, report, payer, status, query, visible):
    from selenium.webdriver.common.by import By

    url, *_ = report
    _open(driver, url)
    driver.execute_script(
        "const [p, s, q] = arguments;"
        "document.getElementById('f-payer').value = p; document.getElementById('f-status').value = s;"
        "const f = document.getElementById('f-q'); f.value = q; f.dispatchEvent(new Event('input'));",
        payer, status, query)
    shown = [li for li in driver.find_elements(By.CSS_SELECTOR, "#cases li.ci") if li.is_displayed()]
    assert len(shown) == visible
    assert driver.find_element(By.ID, "f-count").text == f"{visible} of 3 cases"


def test_browser_report_csp_allows_own_code_only(driver, report):
    url, *_ = report
    _open(driver, url)
    # the hashed script ran (filter count) and the hashed stylesheet applied (mark colour)
    assert driver.execute_script("return document.getElementById('f-count').textContent") == "3 of 3 cases"
    assert driver.execute_script("return getComputedStyle(document.querySelector('mark.k-affirmed')).backgroundColor") == "rgb(255, 233, 138)"
    # anything else is refused: an injected inline script does not run
    driver.execute_script("const s = document.createElement('script'); s.textContent = 'window.__pwned = 1'; document.body.appendChild(s);")
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert any("Content Security Policy" in m for m in _csp_errors(driver))


@pytest.fixture(scope="module")
def app():
    from screener.web.app import ReviewService, make_server

    srv = make_server("127.0.0.1", 0, service=ReviewService(example_screen_case, warm=False))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.url
    srv.shutdown()
    srv.server_close()


def test_browser_app_paste_screen_and_review(driver, app):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    _open(driver, app + "/")
    assert not _csp_errors(driver)
    _screenshot(driver, "app-form.png")
    text = ("Pain clinic note. " + " ".join(PAYLOADS) + " Patient denies dementia; chronic intractable low back pain.")
    area = driver.find_element(By.ID, "f-text")
    area.clear()
    area.send_keys(text)
    driver.find_element(By.ID, "f-pid").send_keys("P-APP")
    driver.execute_script("document.getElementById('f-ndate').value = '2026-03-02';"
                          "document.getElementById('f-sdate').value = '2026-08-01';")
    for box in driver.find_elements(By.CSS_SELECTOR, "input[name=payers]"):
        if box.get_attribute("value") in ("lhcc", "molina"):
            box.click()
    driver.find_element(By.ID, "f-submit").click()
    WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.CSS_SELECTOR, "section.case")))
    assert _no_alert(driver)
    state = driver.execute_script(INJECTED_JS)
    assert state == {"pwned": "undefined", "scripts": 1, "injected": 0, "onattrs": 0}
    # the pasted note comes back intact in its textarea and in the review view
    assert driver.find_element(By.ID, "f-text").get_attribute("value") == text
    assert driver.execute_script("return document.querySelector('section.case .ntext').textContent") == text
    statuses = driver.find_element(By.CSS_SELECTOR, "#cases li.ci").get_attribute("data-st")
    assert statuses == "uhc:insufficient_documentation cohere:insufficient_documentation"
    start = text.index("dementia")
    assert driver.execute_script(SPAN_TEXT_JS, "N1", start, start + 8, "dementia") == text[start:start + 8]
    crit = driver.find_element(By.CSS_SELECTOR, "li.c[data-go]")
    crit.click()
    mark = driver.find_element(By.CSS_SELECTOR, "mark.flash")
    assert mark.text == "dementia" and driver.execute_script(IN_VIEW_JS, mark)
    assert not _csp_errors(driver)
    _screenshot(driver, "app-review.png")


def test_browser_app_bad_upload_shows_reason(driver, app, tmp_path):
    from selenium.webdriver.common.by import By

    bad = tmp_path / "notes.exe"
    bad.write_bytes(b"MZ")
    _open(driver, app + "/")
    driver.find_element(By.ID, "f-file").send_keys(str(bad))
    driver.find_element(By.ID, "f-submit").click()
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    err = WebDriverWait(driver, 20).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".formerr"))
    )
    assert "upload must be one of" in err.text


def test_browser_report_case_list_navigation(driver, report):
    from selenium.webdriver.common.by import By

    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    url, *_ = report
    _open(driver, url)
    visible = "return Array.from(document.querySelectorAll('section.case')).map(s => !s.hidden)"

    def shown(expected):
        """The case list's handler runs on the hashchange event, after the click returns."""
        try:
            WebDriverWait(driver, 10).until(lambda d: d.execute_script(visible) == expected)
        except TimeoutException:
            pass
        return driver.execute_script(visible)

    assert shown([True, False, False]) == [True, False, False]
    driver.find_elements(By.CSS_SELECTOR, "#cases li.ci a")[2].click()
    assert shown([False, False, True]) == [False, False, True]
    assert "E201" in driver.find_element(By.ID, "case-2").text
    driver.find_element(By.TAG_NAME, "body").send_keys("k")
    assert shown([False, True, False]) == [False, True, False]
    assert driver.execute_script("return location.hash") == "#case-1"


SELECT_JS = """
const [nid, phrase] = arguments;
const pre = Array.from(document.querySelectorAll('pre.nt')).find(p => p.dataset.note === nid);
const text = pre.textContent, at = text.indexOf(phrase);
if (at < 0) return null;
const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
let n, pos = 0, r = document.createRange(), started = false;
while ((n = walker.nextNode())) {
  const len = n.nodeValue.length;
  if (!started && at <= pos + len) { r.setStart(n, at - pos); started = true; }
  if (started && at + phrase.length <= pos + len) { r.setEnd(n, at + phrase.length - pos); break; }
  pos += len;
}
pre.scrollIntoView();
const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
return at;
"""


@pytest.fixture(scope="module")
def worklist_app(tmp_path_factory):
    """A worklist of two sample cases (loaded by `screener worklist load` from real results) behind the app."""
    from screener.cli import main
    from screener.gold import load_gold
    from screener.io.writers import write_records
    from screener.pipeline import screen_case
    from screener.suggest import Suggester
    from screener.web.app import ReviewService, make_server
    from screener.worklist.db import open_database

    root = Path(__file__).resolve().parents[1]
    tmp = tmp_path_factory.mktemp("worklist")
    cases = [c for c in load_gold(root / "sample_notes") if c.patient_id in ("C01", "C10")]
    write_records([screen_case(c.plain_notes, service_date=c.service_date) for c in cases], tmp / "results.jsonl")
    db_path = tmp / "w.db"
    assert main(["worklist", "load", str(tmp / "results.jsonl"), "--notes", str(root / "sample_notes"), "--db", str(db_path)]) == 0
    db = open_database(db_path)
    srv = make_server("127.0.0.1", 0, service=ReviewService(example_screen_case, warm=False), db=db,
                      suggester=Suggester.train([root / "sample_notes"]))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.url, db, tmp
    srv.shutdown()
    srv.server_close()
    db.dispose()


def test_browser_worklist_override_with_a_selected_span_then_export_and_evaluate(driver, worklist_app):
    """Load a worklist, open a case, override a criterion with a span selected in the note, see the
    recomputed status, mark the case done, export it and evaluate the export."""
    import json

    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from screener.cli import main
    from screener.gold import load_gold
    from screener.worklist import store

    url, db, tmp = worklist_app
    _open(driver, url + "/worklist")
    assert not _csp_errors(driver)
    assert [r.get_attribute("data-pid") for r in driver.find_elements(By.CSS_SELECTOR, "tr.wl-row")] == ["C01", "C10"]
    driver.find_element(By.LINK_TEXT, "C10").click()
    WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.ID, "wl-statuses")))
    assert not _csp_errors(driver) and _no_alert(driver)
    before = driver.find_element(By.CSS_SELECTOR, 'tr[data-payer="lhcc"] td.rev').text
    leaf = driver.find_element(By.CSS_SELECTOR, 'li.leaf[id="c-lhcc.nonmalignant.trial.intractable_pain"]')
    note_id = driver.find_element(By.CSS_SELECTOR, "pre.nt").get_attribute("data-note")
    phrase = "Chronic low back pain"
    at = driver.execute_script(SELECT_JS, note_id, phrase)
    assert at is not None and phrase in driver.find_element(By.ID, "wl-sel").text
    form = leaf.find_element(By.CSS_SELECTOR, "form.dec")
    form.find_element(By.CSS_SELECTOR, "button.use-sel").click()
    assert form.find_element(By.NAME, "span_start").get_attribute("value") == str(at)
    Select(form.find_element(By.NAME, "verdict")).select_by_value("not_met")
    form.find_element(By.NAME, "reviewer").send_keys("rn.browser")
    form.find_element(By.NAME, "reason").send_keys("pain is controlled on the current regimen")
    form.find_element(By.CSS_SELECTOR, "button.dec-save").click()
    WebDriverWait(driver, 30).until(lambda d: "reviewer=rn.browser" in d.current_url)
    WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.ID, "wl-statuses")))
    after = driver.find_element(By.CSS_SELECTOR, 'tr[data-payer="lhcc"] td.rev').text
    assert before != "Does not meet" and after == "Does not meet"
    assert driver.find_element(By.CSS_SELECTOR, 'tr[data-payer="lhcc"] td.scr').text == before  # the screener's stays
    view = store.case_view(db, "C10")
    (decision,) = view.history
    assert decision["spans"][0]["text"] == phrase and decision["reviewer"] == "rn.browser"
    _screenshot(driver, "worklist-case.png")
    driver.find_element(By.ID, "state-done").click()
    WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(
        lambda d: d.find_element(By.ID, "wl-cur-state").text == "done")
    out = tmp / "export"
    assert main(["worklist", "export", "--db", db.url.render_as_string(hide_password=False), "-o", str(out)]) == 0
    (case,) = load_gold(out)
    assert case.patient_id == "C10" and case.determinations["lhcc"] == "does_not_meet"
    assert case.findings["pain_intractable"] is False
    assert main(["evaluate", str(out), "--json", str(tmp / "eval.json")]) == 0
    evaluation = json.loads((tmp / "eval.json").read_text())
    lhcc = next(r for r in evaluation["determinations"]["accuracy"] if r["payer"] == "lhcc")
    assert lhcc["n"] == 1 and lhcc["correct"] == 0  # the screener said otherwise; the reviewer's export says so
