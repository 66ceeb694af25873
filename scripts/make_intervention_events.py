#!/usr/bin/env python3
"""Turns the compiled intervention facts in data/public/ into failwell's `events` format.

Reads `la_intervention_events.csv`, `nhs_trust_special_measures_facts.csv` and
`nhs_trusts.csv` (data/public) and `case_study_events.csv` (data/demo); writes
`data/demo/intervention_events.csv` and `data/demo/intervention_organisations.csv`.

Why a converted file rather than `failwell import` flags: the facts name their kinds in
their own words (one kind becomes one event type and sometimes one actor), their dates are
only as precise as the source (`YYYY`, `YYYY-MM` or none), and the NHS facts name trusts
rather than code them. The rules, applied the same way to every row:

- A date of a month or a year is taken to have **happened on its first day and become
  known on its last** (`occurred_on`, `published_on`): a scan as of a day inside that
  month never sees it early. A row without a date is left out (and counted).
- The actor is the regime actor that acted (DfE, the local government ministry of the
  day, Monitor or the NHS TDA in 2013, ...), so the engine can tell a Best Value
  commissioner (local government ladder) from a children's services one.
- Rows whose key (organisation, event type, day) a case study already holds are left
  to the case study, which tells the story in more detail; two facts with one key are
  merged into one event.

Deterministic: the same inputs give byte-identical outputs. Standard library only.
"""

import csv
import calendar
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PUBLIC = os.path.join(ROOT, "data", "public")
DEMO = os.path.join(ROOT, "data", "demo")

# The facts' kinds, as failwell event types (docs/formats.md).
LA_KINDS = {
    "improvement_notice_issued": "improvement_notice",
    "statutory_direction": "statutory_direction",
    "commissioner_appointed": "commissioners_appointed",
    "commissioners_withdrawn": "commissioners_withdrawn",
    "trust_announced": "other",
    "trust_established": "service_transferred",
    "trust_ended": "service_returned",
    "partnership_ended": "service_returned",
    "notice_lifted": "intervention_lifted",
    "best_value_commissioners_appointed": "commissioners_appointed",
    "best_value_directions": "statutory_direction",
    "section_114": "financial_distress",
}
NHS_KINDS = {
    "special_measures_entered": "special_measures_in",
    "special_measures_recommended": "special_measures_in",
    "special_measures_exited": "special_measures_out",
    "rsp_entered": "special_measures_in",
    "rsp_exited": "special_measures_out",
}
FAILURE_TYPES = {
    "s114_finance": "financial",
    "MHCLG_best_value": "governance",
    "DfE_childrens_services": "performance;governance",
}

# The local government ministry by date (regimes/england.toml's actors).
LG_MINISTRIES = [
    ("2006-05-05", "dclg"),
    ("2018-01-08", "mhclg_2018"),
    ("2021-09-19", "dluhc"),
    ("2024-07-08", "mhclg"),
]

# Trusts named in the NHS facts, and the ODS code nhs_trusts.csv files them under.
TRUSTS = {
    "North Cumbria University Hospitals NHS Trust": "RNL",
    "Northern Lincolnshire and Goole Hospitals NHS Foundation Trust": "RJL",
    "Tameside Hospital NHS Foundation Trust": "RMP",
    "United Lincolnshire Hospitals NHS Trust": "RWD",
    "Basildon and Thurrock University Hospitals NHS Foundation Trust": "RDD",
    "Burton Hospitals NHS Foundation Trust": "RJF",
    "East Lancashire Hospitals NHS Trust": "RXR",
    "George Eliot Hospital NHS Trust": "RLT",
    "Sherwood Forest Hospitals NHS Foundation Trust": "RK5",
    "Buckinghamshire Healthcare NHS Trust": "RXQ",
    "Medway NHS Foundation Trust": "RPA",
    "The Queen Elizabeth Hospital King's Lynn NHS Foundation Trust": "RCX",
    "Hinchingbrooke Health Care NHS Trust": "RQQ",
}

# Councils in the facts that the DfE lookup (upper tier only) does not list.
DISTRICTS = {"E07000217": ("Woking", "South East")}


def span(date):
    """(occurred_on, published_on) of a date given as YYYY, YYYY-MM or YYYY-MM-DD."""
    if len(date) == 10:
        return date, date
    if len(date) == 7:
        y, m = int(date[:4]), int(date[5:])
        return f"{date}-01", f"{date}-{calendar.monthrange(y, m)[1]:02d}"
    if len(date) == 4:
        return f"{date}-01-01", f"{date}-12-31"
    raise ValueError(f"date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD")


def lg_ministry(day):
    return [a for start, a in LG_MINISTRIES if start <= day][-1]


def nhs_regulator(name, day):
    if day >= "2021-07-01":
        return "nhs_england"
    if day >= "2016-04-01":
        return "nhs_improvement"
    return "monitor" if "Foundation Trust" in name else "ntda"


def title_of(kind, detail):
    words = kind.replace("_", " ")
    return words[0].upper() + words[1:]


def main():
    known = {r["org_code"] for r in csv.DictReader(open(os.path.join(PUBLIC, "nhs_trusts.csv"), encoding="utf-8"))}
    case = {
        (r["organisation"], r["event_type"], r["occurred_on"])
        for r in csv.DictReader(open(os.path.join(DEMO, "case_study_events.csv"), encoding="utf-8"))
    }
    events = {}
    undated = skipped_case = merged = 0

    def add(org, event_type, date, actor, title, detail, failure_types, source):
        nonlocal skipped_case, merged
        occurred, published = span(date)
        if published != occurred:
            detail = f"{detail} (the source gives only {date}: taken as its first day, known by its last)"
        key = (org, event_type, occurred)
        if key in case:
            skipped_case += 1
            return
        if key in events:
            merged += 1
            e = events[key]
            e["detail"] += f"; also: {detail}"
            e["source"] += f" ; {source}"
            return
        events[key] = {
            "organisation": org,
            "event_type": event_type,
            "occurred_on": occurred,
            "ended_on": "",
            "published_on": published,
            "actor": actor,
            "title": title,
            "detail": detail,
            "failure_types": failure_types,
            "source": source,
        }

    for r in csv.DictReader(open(os.path.join(PUBLIC, "la_intervention_events.csv"), encoding="utf-8")):
        if not r["date"].strip():
            undated += 1
            continue
        kind, regime = r["event"], r["regime"]
        event_type = LA_KINDS[kind]
        occurred, _ = span(r["date"])
        if regime == "DfE_childrens_services":
            actor = "dfe"
        elif regime == "MHCLG_best_value":
            actor = lg_ministry(occurred)
        else:
            actor = "council chief finance officer (section 151)"
        title = f"{r['la_name']}: {kind.replace('_', ' ')} ({regime.replace('_', ' ')})"
        source = f"compiled intervention facts (data/public/la_intervention_events.csv): {r['source_url']}"
        add(r["gss_code"], event_type, r["date"], actor, title, r["detail"], FAILURE_TYPES[regime], source)

    for r in csv.DictReader(open(os.path.join(PUBLIC, "nhs_trust_special_measures_facts.csv"), encoding="utf-8")):
        if r["org_name"] == "(national)":
            continue
        code = TRUSTS[r["org_name"]]
        if code not in known:
            sys.exit(f"{r['org_name']}: {code} is not in nhs_trusts.csv")
        occurred, _ = span(r["date"])
        title = f"{r['org_name']}: {r['event'].replace('_', ' ')}"
        source = f"compiled special measures facts (data/public/nhs_trust_special_measures_facts.csv): {r['source_url']}"
        add(
            code,
            NHS_KINDS[r["event"]],
            r["date"],
            nhs_regulator(r["org_name"], occurred),
            title,
            r["detail"],
            "performance;governance",
            source,
        )

    fields = ["organisation", "event_type", "occurred_on", "ended_on", "published_on", "actor", "title", "detail",
              "failure_types", "source"]
    with open(os.path.join(DEMO, "intervention_events.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for key in sorted(events):
            w.writerow(events[key])
    with open(os.path.join(DEMO, "intervention_organisations.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "sector", "org_type", "region", "source"])
        for code, (name, region) in sorted(DISTRICTS.items()):
            w.writerow([code, name, "local_government", "lower_tier_council", region,
                        "named in the compiled intervention facts (district council)"])
    print(
        f"{len(events)} events written; {undated} undated facts left out; {skipped_case} left to the case studies; "
        f"{merged} merged into another with the same key",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
