"""Answers of form rows: checklist grids and dot-leader lines of templated EHR output and faxes.

Two layouts answer a row without any word ConText could read as a cue:

- a **grid**: a header line ends in two column labels (``Yes  No``, ``Y  N``,
  ``Present  Absent``, optionally a third ``Unknown``) and the rows below mark one column (``[X]``, ``(X)``, ``☒`` or a
  lone ``X``) under one of them; the columns may be drawn with bars (``| Y | N | COMMENT``)::

      SAFETY SCREEN                                  Y     N
        Coagulopathy (INR 1.0, PLT 210) .......... ( )   (X)
        Active infection ...........................       X

- a **leader line**: a label, a run of dots or underscores (or three spaces), and the
  answer word at the end (``Active infection ........ No``, ``Body size adequate .... YES``).

A grid header may name a third column that answers nothing (``Yes   No   Unknown``) or
end in a free-text column (``Y    N    COMMENT``).

Three more layouts of office-staff forms:

- a **circled answer**: both choices written, the answer in parentheses
  (``Metastatic disease   (Y)  N    liver``, ``Dementia  Y (N)   |   Psychosis  Y (N)``); each
  label runs from the line start, a ``|`` or the previous answer to its choices;
- an **inline answer** on a line of ``|``-separated items (``Dementia N | Psychosis N |``), or a
  table row whose second cell is the answer (``| Dementia / psychosis      | N   |``);
- a **mark list**: items marked on the left (``X  Active infection``) under an instruction
  ("Put X by each item that applies:"); a marked item is present, and when the list's
  "none of the above" item is marked every unmarked item is absent (otherwise an unmarked
  item says nothing).

And **box items**: boxes written before their labels, one or several on a line
(``[ ] Trial  [X] Permanent  [ ] Replacement``, ``[ ] Spinal anomaly   [ ] Dementia``). A
marked item is present; an unmarked one is unanswered (``None``: a target in it is
uncertain, never asserted), unless the block of box-item lines is followed by a line saying none applies (``None present.``, ``None of the above``), which
makes every unmarked item of the block absent. A box whose label is a choice word (``[X]
Yes  [ ] No``) answers the label before it: ``Recall notice received?  [ ] Yes  [X] No``
is absent, a row with neither or both boxes marked is unanswered.

And a **listed field answered "none"**: a label that lists what it asks about in parentheses,
then a colon and ``none`` / ``no`` / ``negative`` ending the line ("Other implanted programmable
devices (SCS, cardiac device, cochlear implant, shunt): none.") - every item of the list is
absent (ConText's "none" would reach only the last few words).

And **criteria worksheets**, a reviewer's or office's status column after a wide gap
(``Active infection / site infection      Met      none documented``,
``OIH ruled out       Not documented``): ``Met`` says the row's criterion holds (``MET``),
``Not met`` that it does not (``NOT_MET``) and ``Not documented``, ``Pending`` or ``N/A``
answer nothing. What ``Met`` says of a finding depends on the criterion: for a
contraindication the criterion is its absence (the reader decides, context.yaml
``worksheet_status``).

And **questions** with their answer after the question mark, as review letters and
intake forms write them (``3. Is further surgery indicated? No. ...``, ``Any active
infection, coagulopathy or cytopenia? No.``, ``Is the device functioning? At this time,
yes.``): the question is the label, ``Yes`` / ``No`` / ``None (identified)`` the answer; a
question answered in prose on its line is unanswered (a question asserts nothing: its
targets are uncertain, and the prose after it states the facts), but a question used as a
field label with its free-text answer after a wide gap (``Trial result?      75% relief``)
or ending its line (a column header) is left to the prose reading.

``form_answers(text)`` returns, for each answered row, the character span of its label and
whether the answer says present (``True``) or absent (``False``); a grid row whose boxes
are all blank, marked twice or marked "unknown", or whose label ends before the answer
columns with nothing under them, gets ``None``. The reader marks a target
inside a label answered "absent" as negated, one in an unanswered grid row as uncertain
(a blank checklist row says nothing), and a row answered "present" keeps ConText's verdict. A label may wrap onto the next line, with the answer on the
continuation line. What counts as an answer word is this module's vocabulary; anything
else (free text after the leader, two marks, no mark, a mark half-way between the
columns) answers nothing.
"""
from __future__ import annotations

import re

_YES = {"yes", "y", "present", "positive", "pos", "true"}
_NO = {"no", "n", "absent", "negative", "neg", "none", "denies", "denied", "false", "not present"}
_LABELS = {"yes", "no", "y", "n", "present", "absent", "present?", "absent?", "positive", "negative"}
_UNKNOWN_LABELS = {"unknown", "unk", "unsure", "uncertain", "n/a", "na", "u", "?"}  # a third column: no answer
_MARK = re.compile(r"\[\s*[xX✓✔*]\s*\]|\(\s*[xX✓✔*]\s*\)|[☒☑⊠■]|(?<![\w/()\[\]])[xX✓✔](?![\w/()\[\]])")
_BOX = re.compile(r"\[\s*[xX✓✔*]?\s*\]|\(\s*[xX✓✔*]?\s*\)|[☐□☒☑⊠■]")
_INLINE_CHOICE = re.compile(r"\s*(?:yes|no|y|n)\b", re.IGNORECASE)  # "(X) Yes ( ) No": ConText's cues read these
# Linear-time pieces (a line may hold a run of thousands of spaces): the separator runs are
# found one after the other, and the answer is matched only right after each of them.
# (two spaces after a label that does not end a sentence: "Profound leukopenia / pancytopenia  NO   WBC 3.9")
_SEPARATOR = re.compile(r"[ \t]*(?:\.{3,}|…+|_{3,})[ \t]*|[ \t]{3,}|(?<![\s.!?:;,])[ \t]{2}(?=\S)")
_ANSWER = re.compile(
    # one answer for a compound label ("Dementia / psychosis ...... No / No"): all the same
    r"(?:(?:no|n|none|negative|neg)(?:[ \t]*/[ \t]*(?:no|n|none|negative|neg))+"
    r"|(?:yes|y|positive|pos|present)(?:[ \t]*/[ \t]*(?:yes|y|positive|pos|present))+"
    r"|no (?:hx|history|h/o|known)(?= of\b|\b)|not present|yes|no|y|n|none|negative|neg|positive|pos|present|absent|denies|denied)\b"
    r"(?=[ \t]*$|[ \t]*[-–(*;,:]|[ \t]{2})",
    re.IGNORECASE,
)
# a criteria worksheet's status column (after a wide gap, before another or the line end)
MET, NOT_MET = "met", "not met"
_STATUS = re.compile(
    r"(?P<status>(?:criteria |criterion )?met|not met|unmet|partially met|not documented|not addressed|not found|"
    r"undocumented|unable to (?:determine|verify)|pending|n/a|not applicable)(?=[ \t]*$|[ \t]{2})",
    re.IGNORECASE,
)
_STATUS_OF = {"met": MET, "criteria met": MET, "criterion met": MET, "not met": NOT_MET, "unmet": NOT_MET}
_COMMENT_LABELS = {"comment", "comments", "notes", "note", "remarks", "details", "source", "where documented"}
_CHOICE = r"(?:yes|no|y|n)"
_CIRCLED = re.compile(
    rf"(?<!\S)(?:\(\s*(?P<a>{_CHOICE})\s*\)\s+{_CHOICE}|{_CHOICE}\s+\(\s*(?P<b>{_CHOICE})\s*\))(?!\S)", re.IGNORECASE)
# a table row whose second cell is the answer: "| Active alcohol/drug abuse, opioid addiction  | N   |"
_TABLE_ROW = re.compile(rf"[ \t]*\|?[ \t]*(?P<label>[^|]*?[A-Za-z][^|]*?)[ \t]*\|[ \t]*(?P<answer>{_CHOICE}|yes|no)[ \t]*(?:\||$)",
                        re.IGNORECASE)
_PIPE_ITEM = re.compile(rf"(?P<label>[^|]*?[A-Za-z][^|]*?)\s+(?P<answer>{_CHOICE})\s*(?=\||$)", re.IGNORECASE)
_LEFT_MARK = re.compile(r"^[ \t]*(?:\[\s*[xX✓✔]\s*\]|\(\s*[xX✓✔]\s*\)|[xX✓✔☒☑])[ \t]{2,}(?=\S)")
_MARK_LIST_HEADER = re.compile(r"\b(?:put|place|mark|check|tick)\b[^:\n]{0,40}\b(?:applies|apply|true|present|positive)\b[^:\n]{0,10}:[ \t]*$",
                               re.IGNORECASE | re.MULTILINE)
_LINE_END_COLON = re.compile(r":[ \t]*$", re.MULTILINE)  # where a mark-list instruction can end
_CIRCLED_HINT = re.compile(rf"\(\s*{_CHOICE}\s*\)", re.IGNORECASE)
_NONE_ITEM = re.compile(r"\s*none(?: of the above| apply|)\b", re.IGNORECASE)
# what closes a block of box items as "every unmarked item is absent"
_NONE_STATEMENT = re.compile(r"\s*(?:none (?:present|of the above|apply|applies|noted|checked)|no contraindications?\b)",
                             re.IGNORECASE)
# (a parenthesis box only at a line's start: "( ) End of battery life / ERI alarm", "(X) Other - explain:")
_BOX_BEFORE_LABEL = re.compile(r"(?:\[\s*[xX✓✔*]?\s*\]|[☐□☒☑⊠]|(?:^|(?<=\n))[ \t]*\(\s*[xX✓✔*]?\s*\))[ \t]*[A-Za-z]")
_GRID_ROWS = 60  # a grid's header governs at most this many lines (it ends earlier at a blank line)
_SLACK = 2       # a mark must be this many columns nearer one label than the other


def form_answers(text: str) -> list[tuple[int, int, bool | str | None]]:
    """``(label_start, label_end, present)`` for every answered form row of ``text``, in
    text order (see the module docstring); ``present`` is None for a grid row left blank,
    ``MET`` / ``NOT_MET`` for a worksheet status."""
    # what each layout cannot do without: a separator run, a "|", a circled choice, a mark-list
    # instruction; each is looked for once per note, and a line is read for it only if the note has it
    separators = "..." in text or "…" in text or "__" in text or "  " in text
    inline_layouts = "|" in text or _CIRCLED_HINT.search(text) is not None
    mark_lists = _has_mark_list_header(text)
    box_layout = _BOX_BEFORE_LABEL.search(text) is not None
    questions = "?" in text
    colon_none = ":" in text and _COLON_NONE_HINT.search(text) is not None
    if not (separators or inline_layouts or mark_lists or box_layout or colon_none):
        return _question_answers(text, []) if questions else []  # no line layout to read
    boxes: list[tuple[int, int, bool]] = []  # the current block of box items (start, end, marked)
    answers: list[tuple[int, int, bool | None]] = []
    mark_list: list[tuple[int, int, bool]] | None = None  # items (start, end, marked) under a mark-list header
    grid: tuple | None = None  # (column of the first label, of the second, first is yes, of "unknown")
    rows_left = 0
    inline_block = False  # the line before held "item Y | item N" answers
    previous: tuple[int, str, bool] | None = None  # (start, text, answered) of the line before
    blank_rows: list[tuple[int, int]] = []  # grid rows with nothing under the answer columns
    for start, line in _lines(text):
        if boxes:
            items = _box_items(line) if box_layout else []
            if items:
                boxes.extend((start + a, start + b, marked) for a, b, marked in items)
                continue
            none = _NONE_STATEMENT.match(line) is not None
            answers.extend((a, b, True if marked else (False if none else None)) for a, b, marked in boxes)
            boxes = []
        if not line.strip():
            grid, previous, inline_block = None, None, False
            if mark_list is not None:
                answers.extend(_close_mark_list(mark_list, none_marked=False))
                mark_list = None
            continue
        if mark_lists and _MARK_LIST_HEADER.search(line):
            mark_list = []
            continue
        if mark_list is not None and box_layout and (_yes_no_answer(line) or _box_items(line)):
            # boxes written before their labels: the box-item layout reads them
            answers.extend(_close_mark_list(mark_list, none_marked=False))
            mark_list = None
        if mark_list is not None:
            marked = _LEFT_MARK.match(line)
            item_start = start + (marked.end() if marked else _indent(line))
            if _NONE_ITEM.match(line, marked.end() if marked else 0):
                if marked:
                    answers.extend(_close_mark_list(mark_list, none_marked=True))
                    mark_list = None
                continue
            mark_list.append((item_start, start + len(line.rstrip()), bool(marked)))
            continue
        inline = _inline_answers(line) if inline_layouts else None
        if not inline and inline_block:
            # one item alone on its line inside a block of "item Y | item N" lines ("Allergy to baclofen N")
            lone = _PIPE_ITEM.fullmatch(line)
            item = _pipe_item_answer(lone) if lone else None
            inline = [item] if item else None
        inline_block = bool(inline)
        if inline:
            answers.extend((start + s, start + e, present) for s, e, present in inline)
            previous = (start, line, True)
            continue
        yes_no = _yes_no_answer(line) if box_layout else None
        if yes_no is not None:  # before the grid header, whose last two words are Yes / No too
            answers.append((start + yes_no[0], start + yes_no[1], yes_no[2]))
            previous = (start, line, True)
            continue
        cells = line.replace("|", " ")  # a grid drawn with bars ("| Y | N | COMMENT") keeps its columns
        header = _header_columns(cells)
        if header is not None:
            grid = header
            rows_left, previous = _GRID_ROWS, None
            continue
        found = None
        if grid is not None and rows_left > 0:
            rows_left -= 1
            found = _grid_answer(cells, grid)
            if found is None and _blank_grid_row(cells, grid):
                blank_rows.append((start + _indent(line), start + len(line.rstrip())))
        if found is None:
            found = _leader_answer(line)
        if found is None and colon_none:
            found = _colon_none_answer(line)
        if found is not None:
            label_end, present = found
            label_start = start + _indent(line)
            if previous is not None and not previous[2] and _wraps_onto(previous[1], line):
                label_start = previous[0] + _indent(previous[1])  # the label began on the line before
            answers.append((label_start, start + label_end, present))
        elif box_layout:
            items = _box_items(line)
            if items:
                boxes = [(start + a, start + b, marked) for a, b, marked in items]
                previous = None
                continue
        previous = (start, line, found is not None)
    if mark_list is not None:
        answers.extend(_close_mark_list(mark_list, none_marked=False))
    answers.extend((a, b, True if marked else None) for a, b, marked in boxes)
    if blank_rows:
        # a blank row whose label the next line continues (and answers) is part of that answer
        continued = {a for a, _, _ in answers}
        answers.extend((a, b, None) for a, b in blank_rows if a not in continued)
    if questions:
        answers.extend(_question_answers(text, answers))
    answers.sort(key=lambda a: a[0])
    return answers


# the answer right after a question mark: "? No.", "?  Yes;", "? None identified.", "? At this time, yes."
_QUESTION_ANSWER = re.compile(
    r"\?[ \t]*(?:\n[ \t]*(?:[A-Z][A-Za-z'-]+(?:[ \t]+[A-Z][A-Za-z'-]+)?:[ \t]*)?)?"  # the answer may be the next speaker's ("SOTO: None.")
    r"(?:(?:at this time|at present|currently|per (?:the )?records|to my knowledge)[ \t]*,?[ \t]+)?"
    r"(?P<answer>yes|no|none|negative|positive)\b"
    r"(?=[ \t]*(?:[.,;:!]|$)|[ \t]+(?:identified|found|noted|documented|seen|known|reported)\b)",
    re.IGNORECASE | re.MULTILINE)
# where a question begins: after a sentence end, a list number or a blank line (a question may wrap)
_QUESTION_START = re.compile(
    r"(?:\A|(?<=[.!?:;])\s+|\n[ \t]*\n|\n(?=[ \t]*(?:\(?\d{1,2}[.)]|[-*•])[ \t]))[ \t]*(?:\(?\d{1,2}[.)][ \t]+|[-*•][ \t]+)?")
# a question answered in prose goes on, on its line, after one space ("considered? Dr. Pillai
# reduced ..."); one followed by a wide gap is a form field's label ("Trial result?      75%
# relief") and one at a line's end a header ("SAFETY REVIEW      Present?"): their targets keep
# what ConText says
_PROSE_AFTER_QUESTION = re.compile(r"\?[ ]?[^\s?]")
_QUESTION_REACH = 240  # characters a question may span before its "?"


# a field whose long label lists what it asks about, answered "none" at the line's end:
# "- Other implanted programmable devices (SCS, cardiac device, cochlear implant, shunt): none."
_COLON_NONE_HINT = re.compile(r":[ \t]*(?:none|nil|negative|denied|no)[ \t.;]*$", re.IGNORECASE | re.MULTILINE)
_COLON_NONE = re.compile(r"(?P<label>[^:\n]*[A-Za-z][^:\n]*?\([^()\n]{3,}\)[^:\n]*?)[ \t]*:[ \t]*(?P<answer>none|nil|negative|denied|no)[ \t.;]*$",
                         re.IGNORECASE)


def _colon_none_answer(line: str) -> tuple[int, bool] | None:
    """(where the answer starts, False) of a field with a parenthesised list in its label,
    answered "none" (``_COLON_NONE``); a short "Label: none" is left to ConText's cues."""
    m = _COLON_NONE.match(line)
    return (m.start("answer"), False) if m else None


def _question_answers(text: str, taken: list[tuple[int, int, bool | None]]) -> list[tuple[int, int, bool | None]]:
    """(question start, the "?", answer) for each question of ``text`` whose span no other
    layout answered; the answer is None for a question not answered by a choice word."""
    occupied = sorted((a, b) for a, b, _ in taken)
    out: list[tuple[int, int, bool | None]] = []
    pos = text.find("?")
    while pos != -1:
        lo = max(0, pos - _QUESTION_REACH)
        begin = lo
        for m in _QUESTION_START.finditer(text, lo, pos):
            if m.end() < pos:
                begin = m.end()
        while begin < pos and text[begin].isspace():
            begin += 1
        line_start = text.rfind("\n", 0, pos) + 1
        if "[" in text[line_start:pos + 40] or "(x)" in text[line_start:pos + 40].lower():
            pos = text.find("?", pos + 1)  # a box layout's row ("Alcohol?  [ ] yes  [x] no"): the boxes answer it
            continue
        if begin < pos and not any(a < pos and begin < b for a, b in occupied):
            answer = _QUESTION_ANSWER.match(text, pos)
            if answer is not None:
                out.append((begin, pos, _polarity(answer.group("answer").lower())))
            elif _PROSE_AFTER_QUESTION.match(text, pos):
                out.append((begin, pos, None))  # answered in prose: the question itself asserts nothing
        pos = text.find("?", pos + 1)
    return out


_BOX_RE = f"(?:{_BOX.pattern})"
_YES_NO_BOXES = re.compile(
    rf"^(?P<label>[ \t]*\S.*?)[ \t]*[:?]?[ \t]*(?P<b1>{_BOX_RE})[ \t]*(?P<w1>yes|no|y|n)\b[ \t]*[/,|]?[ \t]*"
    rf"(?P<b2>{_BOX_RE})[ \t]*(?P<w2>yes|no|y|n)\b", re.IGNORECASE)


def _yes_no_answer(line: str) -> tuple[int, int, bool | None] | None:
    """``Replacement requested for convenience only?  [ ] Yes  [X] No``: the label before a
    Yes box and a No box, answered by the one marked (None when neither or both are)."""
    m = _YES_NO_BOXES.match(line)
    if not m or m.group("w1")[0].lower() == m.group("w2")[0].lower():
        return None
    marks = {m.group("w1")[0].lower(): _MARK.fullmatch(m.group("b1")) is not None,
             m.group("w2")[0].lower(): _MARK.fullmatch(m.group("b2")) is not None}
    present = None if marks["y"] == marks["n"] else marks["y"]
    label = m.group("label")
    start = len(label) - len(label.lstrip())
    return start, len(label.rstrip()), present


def _box_items(line: str) -> list[tuple[int, int, bool]]:
    """``(label_start, label_end, marked)`` of each box written before its label on ``line``;
    labels that are choice words ("[X] Yes") or hold no letter are not items."""
    found = list(_BOX.finditer(line))
    out = []
    for i, box in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(line)
        label = line[box.end():end]
        first = len(label) - len(label.lstrip())
        body = label.strip()
        if not body or not re.search(r"[A-Za-z]{2}", body) or _INLINE_CHOICE.match(body) and (
                len(body) <= 3 or not body[3:4].isalpha()):
            continue
        if body[:1] in ":.-_=":
            continue
        out.append((box.end() + first, box.end() + first + len(body), _MARK.fullmatch(box.group()) is not None))
    return out


def _has_mark_list_header(text: str) -> bool:
    """Whether a line holds a mark-list instruction: only lines that end in a colon are read
    (the instruction's pattern, tried at every position of a long note, costs more than the
    whole forms reader)."""
    for colon in _LINE_END_COLON.finditer(text):
        if _MARK_LIST_HEADER.search(text, text.rfind("\n", 0, colon.start()) + 1, colon.end()):
            return True
    return False


def _close_mark_list(items, *, none_marked: bool) -> list[tuple[int, int, bool | None]]:
    """A marked item is present; an unmarked one is absent when "none of the above" was
    marked, and says nothing otherwise."""
    out = []
    for item_start, item_end, marked in items:
        if marked:
            out.append((item_start, item_end, True))
        elif none_marked:
            out.append((item_start, item_end, False))
    return out


def _inline_answers(line: str) -> list[tuple[int, int, bool]]:
    """Circled answers anywhere on the line, or ``Label Y|N`` items of a ``|``-separated line:
    ``(label_start, label_end, present)`` each, the label ending where its choices begin."""
    out = []
    cursor = 0
    for m in _CIRCLED.finditer(line):
        seg_start = max(line.rfind("|", cursor, m.start()) + 1, cursor)
        label = line[seg_start:m.start()]
        if any(c.isalpha() for c in label):
            lead = len(label) - len(label.lstrip(" \t"))
            present = _polarity(m.group("a") or m.group("b"))
            if present is not None:
                out.append((seg_start + lead, m.start(), present))
        cursor = m.end()
    if out or line.count("|") < 1:
        return out
    out = [a for a in map(_pipe_item_answer, _PIPE_ITEM.finditer(line)) if a is not None]
    if len(out) >= 2:
        return out
    row = _TABLE_ROW.match(line)  # "| Dementia / psychosis      | N   |  comment" (not a grid's "| Y | N |" header)
    if row is not None and (present := _polarity(row.group("answer"))) is not None \
            and _header_columns(line.replace("|", " ")) is None:
        return [(row.start("label"), row.end("label"), present)]
    return []


def _pipe_item_answer(m: re.Match) -> tuple[int, int, bool] | None:
    """(label_start, label_end, present) of one ``Label Y`` item, or None when the answer
    is no choice or the label too long to be one."""
    label = m.group("label")
    lead = len(label) - len(label.lstrip(" \t|"))
    present = _polarity(m.group("answer"))
    if present is None or len(label.split()) > 8:
        return None
    return m.start("label") + lead, m.start("answer"), present


def _header_columns(line: str) -> tuple[float, float, bool, float | None] | None:
    """(center column of the first label, of the second, the first says yes, center column
    of a third "unknown" label or None) when ``line`` ends in two opposite column labels
    ("SAFETY SCREEN      Y     N"), optionally followed by a third that answers nothing
    ("Yes   No    Unknown"), each set off by at least two spaces (or the first at the start
    of the line)."""
    body = line.rstrip()
    third = None
    last_start = max(body.rfind(" "), body.rfind("\t")) + 1
    if body[last_start:].lower() in _COMMENT_LABELS:  # a free-text column after the answers
        rest = body[:last_start].rstrip(" \t")
        if last_start - len(rest) < 2:
            return None
        body = rest
        last_start = max(body.rfind(" "), body.rfind("\t")) + 1
    if body[last_start:].lower() in _UNKNOWN_LABELS:
        rest = body[:last_start].rstrip(" \t")
        if last_start - len(rest) < 2:
            return None
        third = (last_start + len(body) - 1) / 2
        body = rest
    b_start = max(body.rfind(" "), body.rfind("\t")) + 1
    before_b = body[:b_start]
    a_end = len(before_b.rstrip(" \t"))
    if b_start - a_end < 2:
        return None
    a_start = max(before_b.rfind(" ", 0, a_end), before_b.rfind("\t", 0, a_end)) + 1
    title = before_b[:a_start]
    if title.strip() and a_start - len(title.rstrip(" \t")) < 2:
        return None
    a, b = body[a_start:a_end].lower(), body[b_start:].lower()
    if a not in _LABELS or b not in _LABELS:
        return None
    first, second = _polarity(a), _polarity(b)
    if first is None or second is None or first == second:
        return None
    return (a_start + a_end - 1) / 2, (b_start + len(body) - 1) / 2, first, third


def _leader_answer(line: str) -> tuple[int, bool | str | None] | None:
    """(where the answer word starts, present) of a leader line: a label, a run of dots or
    underscores (or three spaces), and the answer, then the end of the line, a comment
    mark or two spaces; or, after three spaces, a worksheet status (``MET``, ``NOT_MET``, or
    None for "not documented")."""
    first_text = len(line) - len(line.lstrip(" \t"))
    for separator in _SEPARATOR.finditer(line):
        if separator.start() <= first_text:
            continue  # no label before it
        answer = _ANSWER.match(line, separator.end())
        if answer is None:
            status = _STATUS.match(line, separator.end())
            if status is not None and not _BOX.search(line, 0, status.start()):
                return status.start(), _STATUS_OF.get(status.group("status").lower())
            continue
        if _BOX.search(line, 0, answer.start()):
            return None
        present = _polarity(answer.group(0).split("/")[0].strip())
        return None if present is None else (answer.start(), present)
    return None


def _wraps_onto(previous: str, line: str) -> bool:
    """A label that continues on a more indented line ("Requested for convenience or newer
    technology" / "    only (current device working) ..... [ ]  [X]")."""
    stripped = previous.strip()
    return stripped[-1:] not in ".:;!?" and not stripped.isupper() and _indent(line) > _indent(previous)


def _lines(text: str):
    start = 0
    for line in text.split("\n"):
        yield start, line.rstrip("\r")
        start += len(line) + 1


def _grid_answer(line: str, grid) -> tuple[int, bool | None] | None:
    """(where the answer starts, present) of a grid row: adjacent boxes, one per column,
    with one checked (the first box is the first column, however the columns are aligned),
    or one lone mark under one of the labels. A mark in the "unknown" column answers nothing."""
    first_col, second_col, first_is_yes, third_col = grid
    columns = [first_col, second_col] + ([third_col] if third_col is not None else [])
    boxes = [b for b in _BOX.finditer(line) if not _INLINE_CHOICE.match(line, b.end())]
    if boxes:
        if len(boxes) not in (2, len(columns)):
            return None
        if any(line[a.end():b.start()].strip() for a, b in zip(boxes, boxes[1:])):
            return None
        checked = [bool(_MARK.fullmatch(b.group(0))) for b in boxes]
        if checked.count(True) != 1 or checked.index(True) > 1:
            return boxes[0].start(), None  # a row of the grid left blank, marked twice or "unknown"
        return boxes[0].start(), checked[0] == first_is_yes
    leftmost = min(columns) - 6
    marks = [m for m in _MARK.finditer(line) if m.start() >= leftmost]
    if len(marks) != 1:
        return None
    col = (marks[0].start() + marks[0].end() - 1) / 2
    distances = sorted((abs(col - c), n) for n, c in enumerate(columns))
    if distances[1][0] - distances[0][0] < _SLACK or distances[0][1] == 2:
        return None
    return marks[0].start(), (distances[0][1] == 0) == first_is_yes


def _blank_grid_row(line: str, grid) -> bool:
    """A grid row left blank: a label that ends before the answer columns, nothing under
    them ("Life expectancy > 3 months" in a Y / N checklist whose other rows are marked)."""
    first_col, second_col = grid[0], grid[1]
    return bool(line.strip()) and len(line.rstrip()) < min(first_col, second_col) - 3


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _polarity(word: str) -> bool | None:
    word = word.lower().rstrip("?")
    if word in _YES:
        return True
    if word in _NO or word.startswith(("no hx", "no history", "no h", "no known")):
        return False
    return None
