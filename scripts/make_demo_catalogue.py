#!/usr/bin/env python3
"""Writes data/demo/indicators.csv and data/demo/regions.csv from data/public/.

The catalogue is our editorial judgement (as the source README says of its metadata):
failure types, methods and reporting-culture kinds are assigned here, by rules written
out below so a reviewer can disagree with a line rather than with a black box.
Run from the repository root: python3 scripts/make_demo_catalogue.py
"""
import csv

META = "data/public/indicator_metadata.csv"

# Indicators the demo derives from the wide NHS files (code, title, unit, polarity, kind, counts).
NHS = [
    ("ae_attendances", "A&E attendances, all department types", "count", "neutral", "context", "none", "none"),
    ("ae_4h_breach_rate", "Share of A&E attendances over 4 hours, all types", "proportion", "higher_is_worse", "process", "numerator_denominator", "spc"),
    ("ae_type1_4h_breach_rate", "Share of type 1 (major) A&E attendances over 4 hours", "proportion", "higher_is_worse", "process", "numerator_denominator", "funnel"),
    ("emergency_admissions_total", "All emergency admissions", "count", "neutral", "context", "none", "none"),
    ("emergency_admissions_dta_over_4h", "Waits over 4 hours from decision to admit", "count", "higher_is_worse", "process", "none", "spc"),
    ("ga_occupancy_rate", "General and acute bed occupancy (monthly mean)", "proportion", "higher_is_worse", "process", "numerator_denominator", "spc"),
    ("adult_cc_occupancy_rate", "Adult critical care bed occupancy (monthly mean)", "proportion", "higher_is_worse", "process", "numerator_denominator", "spc"),
]

# Referrals and re-referrals rise when staff and partners report more: after a
# designation of failure that is often honest reporting (the report's Insight 7).
REPORTING_CULTURE = {"referrals", "referrals_rate_per_10k", "cin_episodes_started"}


def failure_types(code, kind):
    if code.startswith("sw_"):
        return "governance;financial"
    if code.startswith("ons_"):
        return "external"
    if code.startswith(("referrals", "rereferrals")):
        return "performance;connection"
    if kind == "context":
        return "external"
    return "performance"


def method(code, polarity, kind):
    if kind == "context" or polarity == "neutral" and code not in REPORTING_CULTURE:
        return "none"
    return "spc"


def main():
    rows = []
    with open(META, newline="") as f:
        for r in csv.DictReader(f):
            if not r["file"].startswith("la_"):
                continue
            code, polarity = r["indicator"], r["polarity"]
            kind = "reporting_culture" if code in REPORTING_CULTURE else r["kind"]
            rows.append({
                "code": code, "title": r["definition"], "unit": r["unit"], "polarity": polarity,
                "kind": kind, "failure_types": failure_types(code, kind), "method": method(code, polarity, kind),
                "counts": "none", "definition": r["definition"] + " (DfE, year to 31 March)",
                "definition_version": "1", "valid_from": "", "source": "data/public/indicator_metadata.csv (editorial)",
                "learned_on": "",
            })
    for code, title, unit, polarity, kind, counts, meth in NHS:
        rows.append({
            "code": code, "title": title, "unit": unit, "polarity": polarity, "kind": kind,
            "failure_types": "performance" if kind != "context" else "external", "method": meth, "counts": counts,
            "definition": title + " (NHS England monthly statistics)", "definition_version": "1", "valid_from": "",
            "source": "NHS England A&E and sitrep statistics (editorial catalogue)", "learned_on": "",
        })
    cols = ["code", "title", "unit", "polarity", "kind", "failure_types", "method", "counts", "definition",
            "definition_version", "valid_from", "source", "learned_on"]
    with open("data/demo/indicators.csv", "w", newline="") as f:
        w = csv.DictWriter(f, cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)

    regions = {}
    with open("data/public/la_lookup.csv", newline="") as f:
        for r in csv.DictReader(f):
            regions[r["region_code"]] = r["region_name"]
    with open("data/demo/regions.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "sector", "org_type", "region", "opened_on", "closed_on", "source", "learned_on"])
        for code, name in sorted(regions.items()):
            w.writerow([code, name, "group", "region", name, "", "", "ONS region (from data/public/la_lookup.csv)", ""])


if __name__ == "__main__":
    main()
