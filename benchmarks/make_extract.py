"""Generate a synthetic chart extract of intrathecal-pump candidates (for benchmarks).

Deterministic (``--seed``): notes are composed from section templates and sentence
pools with varied values (ages, pain scores, durations, drugs, diagnoses, negations,
trial results, psychological evaluations, contraindications, device reports), so the
text is varied like a real extract, not one note repeated. No PHI: everything is made up.

    python benchmarks/make_extract.py --notes 20000 -o out/bench/extract-20k.jsonl
    python benchmarks/make_extract.py --notes 200000 -o out/bench/extract-200k.jsonl

Patients have 1-5 notes (pain consult, psychology evaluation, trial procedure note,
oncology consult, pump interrogation, follow-up). By default a patient's notes are
spread through the file (an extract sorted by date, not by patient), which exercises the
bulk runner's regrouping; ``--grouped`` writes each patient's notes together. Written
streaming (memory does not grow with ``--notes``); ``.jsonl``, ``.csv`` or ``.parquet``.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

FIRST = ["James", "Maria", "Robert", "Linda", "Michael", "Patricia", "David", "Barbara", "Carlos", "Aisha",
         "Wei", "Olga", "Tomas", "Grace", "Hector", "Priya", "Samuel", "Ingrid", "Kwame", "Rosa"]
DOCTORS = ["Dr. Alvarez", "Dr. Becker", "Dr. Chen", "Dr. Douglas", "Dr. Evans", "Dr. Farouk", "Dr. Gupta",
           "Dr. Halvorsen", "Dr. Ibarra", "Dr. Jensen", "Dr. Kowalski", "Dr. Lindqvist"]
ETIOLOGIES = [
    "failed back surgery syndrome after L4-S1 fusion", "complex regional pain syndrome of the right lower extremity",
    "lumbar spinal osteoarthritis with multilevel degenerative disc disease", "painful diabetic peripheral neuropathy",
    "post-laminectomy syndrome with chronic radiculopathy", "chronic pancreatitis with visceral pain",
    "metastatic prostate cancer to the lumbar spine", "pancreatic adenocarcinoma with celiac plexus involvement",
    "multiple myeloma with diffuse lytic lesions", "post-herpetic neuralgia of the thoracic dermatomes",
    "arachnoiditis following multiple spine surgeries", "cervical spondylotic radiculopathy",
]
SPASTIC = ["multiple sclerosis", "spinal cord injury at T6", "cerebral palsy", "traumatic brain injury", "stroke"]
DRUGS = ["gabapentin 600 mg three times daily", "pregabalin 150 mg twice daily", "duloxetine 60 mg daily",
         "nortriptyline 25 mg nightly", "meloxicam 15 mg daily", "cyclobenzaprine 10 mg at bedtime",
         "topical lidocaine", "tramadol 50 mg every 6 hours", "naproxen 500 mg twice daily"]
OPIOIDS = ["oxycodone ER 30 mg every 12 hours", "morphine ER 60 mg twice daily", "hydromorphone 4 mg every 4 hours",
           "fentanyl patch 50 mcg/hr", "methadone 10 mg three times daily", "oxycodone IR 10 mg every 6 hours"]
SIDE_EFFECTS = ["constipation", "sedation", "nausea", "cognitive slowing", "pruritus", "dizziness"]
COMORBID = ["hypertension", "type 2 diabetes mellitus", "obstructive sleep apnea on CPAP", "hyperlipidemia",
            "hypothyroidism", "GERD", "osteoporosis", "chronic kidney disease stage 2", "atrial fibrillation",
            "coronary artery disease", "depression, treated", "anxiety disorder"]
FILLER = [
    "Vital signs were reviewed and are stable.", "The patient arrived ambulating with a cane.",
    "Medication reconciliation was completed today.", "We reviewed the risks, benefits and alternatives in detail.",
    "All questions were answered to the patient's satisfaction.", "The spouse was present for the discussion.",
    "Imaging was reviewed with the patient on the monitor.", "Sleep remains fragmented because of pain.",
    "He reports that mornings are the most difficult time of day.", "She reports that sitting makes the pain worse.",
    "There were no acute events since the last visit.", "The PDMP report was reviewed and is consistent.",
    "Urine drug screen was appropriate.", "Weight is stable compared with the prior visit.",
    "Gait is antalgic.", "Straight leg raise is positive on the left at 40 degrees.",
    "Strength is 5/5 in the upper extremities.", "Reflexes are symmetric.", "Sensation is decreased in the L5 distribution.",
    "Skin over the lumbar spine is intact without erythema.",
]


def _date(rng: random.Random, start: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(0, 700))


def _pick(rng: random.Random, pool: list[str], k: int) -> list[str]:
    return rng.sample(pool, k=min(k, len(pool)))


def _pain_consult(rng: random.Random, p: dict) -> str:
    age, sex = p["age"], p["sex"]
    pronoun = "He" if sex == "male" else "She"
    months = rng.choice([3, 5, 6, 8, 9, 12, 18, 24, 36])
    score = rng.randint(5, 10)
    lines = [
        rng.choice(["INTERVENTIONAL PAIN MANAGEMENT CONSULTATION", "PAIN CLINIC NEW PATIENT VISIT",
                    "CHRONIC PAIN FOLLOW-UP NOTE", "PAIN MEDICINE CONSULT"]),
        "",
        f"REFERRING PHYSICIAN: {rng.choice(DOCTORS)}",
        f"REASON FOR VISIT: evaluation for intrathecal drug delivery ({p['request']}).",
        "",
        "HISTORY OF PRESENT ILLNESS:",
        f"The patient is a {age}-year-old {sex} with {p['etiology']}. "
        f"{pronoun} rates the pain at {score}/10 today, "
        + rng.choice(["worse with standing and walking.", "constant and burning in quality.",
                      "described as chronic intractable pain despite treatment.", "severe and refractory to medical management."]),
        f"Pain has limited activities of daily living for {rng.choice([6, 9, 12, 24])} months. "
        + rng.choice(["Needs help with dressing and bathing.", "Unable to walk more than one block.",
                      "Stopped working because of pain.", "Cannot do household chores."]),
        " ".join(_pick(rng, FILLER, rng.randint(2, 5))),
        "",
        "CONSERVATIVE TREATMENT:",
        f"Over the past {months} months {pronoun.lower()} has tried physical therapy, "
        + ", ".join(_pick(rng, DRUGS, rng.randint(2, 4))) + ", "
        + rng.choice(["epidural steroid injections x2", "facet blocks", "a sympathetic nerve block", "radiofrequency ablation"])
        + ", all without durable benefit.",
        rng.choice([f"Systemic opioids ({rng.choice(OPIOIDS)}) failed to control pain and caused {rng.choice(SIDE_EFFECTS)}.",
                    f"Currently taking {rng.choice(OPIOIDS)} on a fixed schedule with inadequate relief.",
                    "Opioids were weaned from 120 MME to 60 MME over three months.",
                    "Oral opioids were not tolerated because of severe side effects."]),
        rng.choice(["Completed cognitive behavioral therapy for pain.", "Participates in a home exercise program.",
                    "Behavioral health treatment is ongoing.", "Declined pain psychology referral in the past."]),
        rng.choice(["Neurosurgery feels further surgery is not indicated.", "The patient is not a surgical candidate.",
                    "He was offered further surgery and declined.", "Surgical consultation is pending."]),
        "",
        "PAST MEDICAL HISTORY: " + "; ".join(_pick(rng, COMORBID, rng.randint(1, 4))) + ".",
        "SOCIAL HISTORY: " + rng.choice(["Former smoker. Denies alcohol or illicit drug use.",
                                         "Drinks socially. No history of substance use disorder.",
                                         "History of opioid use disorder, in remission for 10 years.",
                                         "Active alcohol use disorder, drinks daily.", "Never smoker, no drug use."]),
        "REVIEW OF SYSTEMS: " + rng.choice(["Denies fevers or chills.", "Denies dementia or memory problems.",
                                            "No bleeding disorder.", "Denies suicidal ideation."]) + " "
        + rng.choice(["No active infection.", "Recent urinary tract infection, treated.", "Denies psychosis."]),
        "",
        "ASSESSMENT AND PLAN:",
        f"{age}-year-old with {p['etiology']}, {rng.choice(['chronic', 'intractable', 'refractory'])} pain, "
        f"failed {months} months of conservative care. "
        + rng.choice(["Plan intrathecal morphine trial.", "Will refer for psychological evaluation prior to the trial.",
                      "Candidate for permanent intrathecal pump implantation.", "Discussed intrathecal baclofen trial.",
                      "If the trial is successful we will proceed with permanent implant."]),
    ]
    return "\n".join(lines)


def _psych_eval(rng: random.Random, p: dict) -> str:
    outcome = rng.choice([
        "The patient is psychologically cleared for intrathecal pump implantation.",
        "Favorable candidate from a psychological standpoint; no contraindication identified.",
        "Psychological evaluation is pending; clearance cannot be given at this time.",
        "Untreated major depression is a significant barrier; not cleared at this time.",
        "No psychological barrier to proceeding with the trial.",
    ])
    return "\n".join([
        "PSYCHOLOGICAL EVALUATION FOR IMPLANTABLE DEVICE",
        f"Evaluator: {rng.choice(DOCTORS)}, PhD",
        f"Identifying data: {p['age']}-year-old {p['sex']} referred for pre-implant evaluation.",
        "Tests administered: " + ", ".join(_pick(rng, ["MMPI-2-RF", "BDI-II", "PHQ-9", "GAD-7", "PCS", "MoCA"], 3)) + ".",
        rng.choice(["Mood is mildly depressed, affect congruent.", "Euthymic, well groomed, cooperative.",
                    "Reports anxiety related to the procedure."]),
        rng.choice(["Denies suicidal ideation, plan or intent.", "No history of psychosis.",
                    "Cognition intact, MoCA 28/30, no evidence of dementia.", "Family history of depression in mother."]),
        "Expectations of the device are realistic.",
        "SUMMARY: " + outcome,
    ])


def _trial_note(rng: random.Random, p: dict) -> str:
    before = rng.randint(6, 10)
    after = rng.randint(1, before)
    drug = "baclofen 50 mcg" if p["spastic"] else rng.choice(["morphine 0.2 mg", "hydromorphone 0.1 mg", "ziconotide 2 mcg"])
    body = [
        "PROCEDURE NOTE: INTRATHECAL TRIAL",
        f"Procedure: single-shot intrathecal bolus of {drug} at L3-L4 under fluoroscopy.",
        "Consent was obtained. Time-out performed. Sterile prep and drape.",
        f"Pre-procedure pain score {before}/10. At 4 hours pain score {after}/10.",
    ]
    if p["spastic"]:
        body.append(f"Modified Ashworth score decreased from {rng.randint(3, 4)} to {rng.randint(1, 2)} in the lower extremities.")
    body += [
        rng.choice(["The patient walked in the hallway with less difficulty.", "Function improved: able to stand 20 minutes.",
                    "No functional change was observed."]),
        rng.choice(["Side effects were minimal: mild pruritus.", "Tolerated the trial without side effects.",
                    "Intolerable nausea and urinary retention during the trial."]),
        "Impression: " + rng.choice(["successful trial", "equivocal trial", "failed trial"]) + ".",
    ]
    return "\n".join(body)


def _oncology(rng: random.Random, p: dict) -> str:
    return "\n".join([
        "ONCOLOGY CONSULTATION",
        f"Diagnosis: {p['etiology']}.",
        rng.choice(["Metastatic disease to bone and liver on recent PET-CT.", "No evidence of metastatic disease.",
                    "Widely metastatic disease."]),
        rng.choice(["Life expectancy is estimated at 6 to 12 months.", "Prognosis is less than 3 months.",
                    "Expected survival greater than one year.", "Life expectancy approximately 4 months."]),
        rng.choice(["MRI shows epidural tumor encroaching on the thecal sac at T10.",
                    "No tumor encroachment of the thecal sac on MRI.", "No spinal canal compromise."]),
        "Plan: palliative radiation and referral to pain management for intrathecal therapy.",
    ])


def _interrogation(rng: random.Random, p: dict) -> str:
    return "\n".join([
        "PUMP REFILL AND INTERROGATION",
        f"Device: {rng.choice(['SynchroMed II 40 mL', 'SynchroMed II 20 mL', 'Prometra II'])}, implanted {rng.randint(2012, 2019)}.",
        rng.choice(["Elective replacement indicator reached; battery near end of life.",
                    "Pump is functioning normally; reservoir volume as expected.",
                    "Low reservoir alarm; refill performed.", "Motor stall detected on interrogation; device not functioning.",
                    "Device is out of warranty and cannot be repaired."]),
        f"Refilled with {rng.randint(18, 40)} mL. Daily dose {rng.choice(['0.5', '1.2', '2.4', '4.0'])} mg.",
        rng.choice(["Patient requests replacement with a newer model for convenience.", "Plan: replacement of the pump.",
                    "Next refill in 3 months."]),
    ])


def _followup(rng: random.Random, p: dict) -> str:
    return "\n".join([
        "FOLLOW-UP VISIT",
        f"{p['age']}-year-old {p['sex']} returns for follow-up of {p['etiology']}.",
        " ".join(_pick(rng, FILLER, rng.randint(3, 7))),
        f"Pain today {rng.randint(3, 10)}/10.",
        rng.choice(["Continue current regimen.", "Proceed with the intrathecal trial as planned.",
                    "Awaiting insurance authorization.", "Patient is compliant with medications."]),
    ])


KINDS = [(_pain_consult, 5), (_psych_eval, 2), (_trial_note, 2), (_followup, 3), (_oncology, 1), (_interrogation, 1)]


def _patient(rng: random.Random, index: int) -> dict:
    spastic = rng.random() < 0.12
    return {
        "patient_id": f"BP{index:07d}",
        "age": rng.randint(15, 88),
        "sex": rng.choice(["male", "female"]),
        "etiology": ("spasticity due to " + rng.choice(SPASTIC)) if spastic else rng.choice(ETIOLOGIES),
        "spastic": spastic,
        "request": rng.choice(["trial", "permanent", "replacement", "permanent", "trial"]),
        "notes": rng.choice([1, 2, 2, 3, 3, 3, 4, 5]),
        "start": dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 365)),
    }


def _note(rng: random.Random, p: dict, k: int) -> dict:
    kinds, weights = zip(*KINDS)
    make = _pain_consult if k == 0 else rng.choices(kinds, weights=weights)[0]
    return {
        "patient_id": p["patient_id"],
        "note_id": f"{p['patient_id']}-N{k + 1}",
        "note_date": _date(rng, p["start"]).isoformat(),
        "request_type": p["request"] if rng.random() < 0.3 else None,
        "text": make(rng, p),
    }


def generate(n_notes: int, seed: int = 7, grouped: bool = False, window: int = 400) -> Iterator[dict]:
    """``n_notes`` notes. Not grouped: notes of the ``window`` most recent patients are
    interleaved at random, so a patient's notes are spread through the output."""
    rng = random.Random(seed)
    produced = 0
    index = 0
    active: list[tuple[dict, int]] = []  # (patient, next note index)
    while produced < n_notes:
        if grouped:
            p = _patient(rng, index)
            index += 1
            for k in range(p["notes"]):
                if produced >= n_notes:
                    return
                yield _note(rng, p, k)
                produced += 1
            continue
        while len(active) < window:
            active.append((_patient(rng, index), 0))
            index += 1
        slot = rng.randrange(len(active))
        p, k = active[slot]
        yield _note(rng, p, k)
        produced += 1
        if k + 1 >= p["notes"]:
            active[slot] = active[-1]
            active.pop()
        else:
            active[slot] = (p, k + 1)


def write(path: Path, notes: Iterator[dict]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = ["patient_id", "note_id", "note_date", "request_type", "text"]
    count = 0
    if path.suffix == ".jsonl":
        with open(path, "w", encoding="utf-8") as handle:
            for note in notes:
                handle.write(json.dumps(note) + "\n")
                count += 1
    elif path.suffix == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for note in notes:
                writer.writerow(note)
                count += 1
    elif path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(f, pa.string()) for f in fields])
        with pq.ParquetWriter(path, schema) as writer:
            batch: list[dict] = []
            for note in notes:
                batch.append(note)
                count += 1
                if len(batch) >= 5000:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
            if batch:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    else:
        raise SystemExit(f"unknown output format: {path.suffix} (use .jsonl, .csv or .parquet)")
    return count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notes", type=int, default=20000, help="number of notes (default 20000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--grouped", action="store_true", help="write each patient's notes together")
    ap.add_argument("-o", "--output", type=Path, default=Path("out/bench/extract-20k.jsonl"))
    args = ap.parse_args(argv)
    count = write(args.output, generate(args.notes, seed=args.seed, grouped=args.grouped))
    print(f"wrote {count} notes to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
