#!/usr/bin/env python3
"""Backtest the early-warning scan against Ofsted ILACS judgements (2018-2025).

What it measures (the method of "Backtest against Ofsted ILACS" in docs/engine.md):

- Moves to Inadequate: in the ILACS file (`la_ofsted_ilacs_inspections.csv`), an
  Inadequate overall judgement whose previous ILACS judgement for the same council (by
  publication date) was not Inadequate, or which is the council's first one.
- Each move is scanned as of the day before its publication (`failwell scan --as-of
  D-1 --no-record --format json`), so the judgement itself is not yet known. It is a
  hit when the council is "flagged": its recommended rung is above universal monitoring
  (recommendation level > 0). The stricter reading counts a hit only when the overall
  band is high or severe. A council the scan does not report is a miss.
- False alarms: scans on 1 June 2019-2023. Each council of the ILACS file that the scan
  reports and that is not then Inadequate (its latest judgement published on or before
  that day is not Inadequate) is one council-year. A flagged council-year is followed
  by Inadequate when an Inadequate judgement is published in the next 24 months (after
  the day, up to the same day two years on); otherwise it is a false alarm. The same is
  counted for the council-years not flagged, and for both readings.
- Which signals drive the flags: over the flagged council-years, the concern signals
  counted by rule prefix (`spc`, `returns`, `inspection`, ...): how many flagged
  council-years have one, and how many have nothing else.

Run (one command, from the repository root, after `failwell --database STORE demo`):

    python3 scripts/backtest_ilacs.py target/release/failwell STORE data/public/la_ofsted_ilacs_inspections.csv

It runs the scans one at a time (one per distinct date) and prints the figures, then
every move with hit or miss. Standard library only; the output is deterministic (the
time taken goes to standard error).
"""

import argparse
import collections
import csv
import datetime as dt
import json
import subprocess
import sys
import time

JUNE_YEARS = range(2019, 2024)
INADEQUATE = "Inadequate"
STRICT_BANDS = ("high", "severe")


def read_ilacs(path):
    """Judgements per council, oldest first: [(published, inspected, overall), ...]."""
    by_council = collections.defaultdict(list)
    names = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = row["la_code"]
            names[code] = row["la_name"]
            by_council[code].append(
                (
                    dt.date.fromisoformat(row["publication_date"]),
                    dt.date.fromisoformat(row["inspection_date"]),
                    row["overall_effectiveness"],
                )
            )
    for judgements in by_council.values():
        judgements.sort()
    return dict(sorted(by_council.items())), names


def moves_to_inadequate(by_council):
    """[(published, council, has_earlier_judgement)], by date then council."""
    moves = []
    for code, judgements in by_council.items():
        for i, (published, _, overall) in enumerate(judgements):
            if overall == INADEQUATE and (i == 0 or judgements[i - 1][2] != INADEQUATE):
                moves.append((published, code, i > 0))
    return sorted(moves)


def two_years_on(day):
    try:
        return day.replace(year=day.year + 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 2, day=28)


class Scanner:
    """Runs `failwell scan --as-of D` once per day, one at a time."""

    def __init__(self, binary, store):
        self.binary = binary
        self.store = store
        self.cache = {}
        self.runs = 0

    def organisations(self, day):
        if day not in self.cache:
            cmd = [
                self.binary,
                "--database",
                self.store,
                "scan",
                "--as-of",
                day.isoformat(),
                "--no-record",
                "--format",
                "json",
            ]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            self.runs += 1
            report = json.loads(out)
            self.cache[day] = {o["organisation"]: o for o in report["organisations"]}
        return self.cache[day]


def flagged(org):
    rec = org.get("recommendation") or {}
    level = (rec.get("recommended") or {}).get("level")
    if level is not None:
        return level > 0
    return org.get("recommended_rung") not in (None, "universal_monitoring")


def strict(org):
    return org["overall_band"] in STRICT_BANDS


def concern_prefixes(org):
    return collections.Counter(
        s["rule"].split(".")[0] for s in org.get("signals", []) if s.get("direction") == "concern"
    )


def pct(a, b):
    return f"{100.0 * a / b:.1f} %" if b else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("failwell", help="path to the failwell binary")
    ap.add_argument("store", help="the demo store (failwell --database STORE demo)")
    ap.add_argument("ilacs_csv", help="la_ofsted_ilacs_inspections.csv")
    args = ap.parse_args()

    started = time.monotonic()
    by_council, names = read_ilacs(args.ilacs_csv)
    scanner = Scanner(args.failwell, args.store)

    # Moves to Inadequate, scanned the day before publication.
    moves = moves_to_inadequate(by_council)
    move_rows = []
    for published, code, earlier in moves:
        org = scanner.organisations(published - dt.timedelta(days=1)).get(code)
        move_rows.append((published, code, earlier, org))
    hits = sum(1 for *_, org in move_rows if org and flagged(org))
    hits_band = sum(1 for *_, org in move_rows if org and strict(org))
    with_earlier = [r for r in move_rows if r[2]]
    earlier_hits = sum(1 for *_, org in with_earlier if org and flagged(org))
    earlier_hits_band = sum(1 for *_, org in with_earlier if org and strict(org))
    misses = [r for r in move_rows if not (r[3] and flagged(r[3]))]
    misses_first = sum(1 for r in misses if not r[2])

    # Council-years on 1 June.
    years = []  # (year, code, org, followed)
    for year in JUNE_YEARS:
        day = dt.date(year, 6, 1)
        orgs = scanner.organisations(day)
        for code, judgements in by_council.items():
            org = orgs.get(code)
            if org is None:
                continue
            known = [j for j in judgements if j[0] <= day]
            if known and known[-1][2] == INADEQUATE:
                continue
            later = two_years_on(day)
            followed = any(day < p <= later and o == INADEQUATE for p, _, o in judgements)
            years.append((year, code, org, followed))

    def tally(test):
        yes = [y for y in years if test(y[2])]
        no = [y for y in years if not test(y[2])]
        return len(yes), sum(y[3] for y in yes), len(no), sum(y[3] for y in no)

    f_n, f_fol, u_n, u_fol = tally(flagged)
    fb_n, fb_fol, ub_n, ub_fol = tally(strict)

    print("Backtest against Ofsted ILACS (2018-2025)")
    print(f"scans run: {scanner.runs} (one per distinct day)")
    print()
    print("| | figure |")
    print("|---|---|")
    print(f"| moves to Inadequate | {len(moves)} |")
    print(
        f"| flagged the day before | **{hits} hits, {len(moves) - hits} misses** "
        f"(band: {hits_band} hits, {len(moves) - hits_band} misses) |"
    )
    print(
        f"| of which moves with an earlier ILACS judgement in the file | "
        f"{earlier_hits} of {len(with_earlier)} flagged (band: {earlier_hits_band}) |"
    )
    print(
        f"| yearly flags of councils not then Inadequate | {f_n}, of which {f_fol} followed by "
        f"Inadequate within 24 months, **{f_n - f_fol} false alarms** "
        f"(band: {fb_n}, {fb_fol}, {fb_n - fb_fol}) |"
    )
    print(
        f"| council-years not flagged | {u_n}, of which {u_fol} followed by Inadequate within "
        f"24 months (band: {ub_n}, {ub_fol}) |"
    )
    print()
    print(
        f"followed by Inadequate within 24 months: flagged {pct(f_fol, f_n)}, not flagged "
        f"{pct(u_fol, u_n)}; band high/severe {pct(fb_fol, fb_n)}, not {pct(ub_fol, ub_n)}"
    )
    print(f"misses that are a council's first ILACS judgement: {misses_first} of {len(misses)}")
    print()

    # What the flags rest on.
    flagged_years = [y for y in years if flagged(y[2])]
    any_of = collections.Counter()
    only = collections.Counter()
    signals = collections.Counter()
    rules = collections.Counter()
    for _, _, org, _ in flagged_years:
        prefixes = concern_prefixes(org)
        signals.update(prefixes)
        any_of.update(prefixes.keys())
        if len(prefixes) == 1:
            only.update(prefixes.keys())
        elif not prefixes:
            only["(no concern signal)"] += 1
        rules.update(
            {s["rule"] for s in org.get("signals", []) if s.get("direction") == "concern"}
        )
    print(f"concern signals of the {len(flagged_years)} flagged council-years, by rule prefix:")
    print(f"  {'prefix':<22} {'with one':>9} {'only this':>10} {'signals':>8}")
    for prefix in sorted(set(any_of) | set(only), key=lambda p: (-any_of[p], p)):
        print(f"  {prefix:<22} {any_of[prefix]:>9} {only[prefix]:>10} {signals[prefix]:>8}")
    print("  by rule (council-years with one):")
    for rule, n in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"    {rule:<32} {n:>4}")
    for year in JUNE_YEARS:
        fy = [y for y in flagged_years if y[0] == year]
        stale_only = sum(
            1
            for _, _, org, _ in fy
            if {s["rule"] for s in org.get("signals", []) if s.get("direction") == "concern"}
            == {"inspection.stale"}
        )
        returns_only = sum(1 for _, _, org, _ in fy if set(concern_prefixes(org)) == {"returns"})
        print(
            f"  1 June {year}: {len(fy)} flagged councils, {stale_only} on inspection.stale alone, "
            f"{returns_only} on returns.missing alone"
        )
    print()

    print("moves to Inadequate (scan the day before publication):")
    for published, code, earlier, org in move_rows:
        if org is None:
            verdict, band, rung, pre = "MISS", "-", "(not reported)", ""
        else:
            verdict = "hit " if flagged(org) else "MISS"
            band, rung = org["overall_band"], org.get("recommended_rung") or "-"
            pre = " ".join(f"{p}:{n}" for p, n in sorted(concern_prefixes(org).items()))
        print(
            f"  {verdict} {published} {code} {names[code][:28]:<28} "
            f"{'earlier' if earlier else 'first  '} {band:<8} {rung:<22} {pre}"
        )
    print(f"elapsed {time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
