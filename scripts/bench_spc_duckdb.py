#!/usr/bin/env python3
"""DuckDB comparison for failwell's SPC benchmark.

Computes the same XmR limits (mean +/- 2.66 x mean moving range, no screening: rule
set mdc) and the same shift rule (runs of 7+ points strictly on one side of the
mean) with window functions, over the CSV written by

    cargo run --release -p failwell-stats --example bench_spc -- \
        --series 100000 --write-csv /tmp/spc.csv

and prints the counts the Rust example prints (shift_points, outside_points), so
the two can be checked against each other, with timings:

  * in-memory: the query over a table already loaded into DuckDB;
  * end-to-end: read_csv plus the same query, from the file.

Usage: pip install duckdb; python3 scripts/bench_spc_duckdb.py /tmp/spc.csv [threads]
threads defaults to 1, to compare with the single-threaded Rust figures.

With a third argument, `--write-csv OUT` (any series labels, as text), it instead writes
one row per point (series, t, value, mean, lpl, upl, rule: outside_limits or shift) to
OUT, as `failwell spc FILE --group series --date t --value value --format csv > OUT`
does, and prints the time end to end: the comparison of issue 15, item 6.
"""

import sys
import time

import duckdb

QUERY = """
WITH d AS (
    SELECT series, t, value,
           abs(value - lag(value) OVER (PARTITION BY series ORDER BY t)) AS mr
    FROM {src}
),
lim AS (
    SELECT series, avg(value) AS mean, avg(mr) AS mr_bar FROM d GROUP BY series
),
s AS (
    SELECT d.series, d.t, d.value, l.mean,
           l.mean - 2.66 * l.mr_bar AS lpl,
           l.mean + 2.66 * l.mr_bar AS upl,
           sign(d.value - l.mean) AS side
    FROM d JOIN lim l USING (series)
),
r AS (
    SELECT *,
           row_number() OVER (PARTITION BY series ORDER BY t)
         - row_number() OVER (PARTITION BY series, side ORDER BY t) AS island
    FROM s
),
runs AS (
    SELECT series, side, island, count(*) AS len
    FROM r WHERE side <> 0
    GROUP BY series, side, island
)
SELECT
    (SELECT coalesce(sum(len), 0) FROM runs WHERE len >= 7) AS shift_points,
    (SELECT count(*) FROM s WHERE value > upl OR value < lpl) AS outside_points,
    (SELECT count(*) FROM s) AS points
"""


PER_POINT = QUERY[: QUERY.index("SELECT\n    (SELECT coalesce")] + """
SELECT r.series, r.t, r.value, r.mean, r.lpl, r.upl,
       CASE WHEN r.value > r.upl OR r.value < r.lpl THEN 'outside_limits'
            WHEN runs.len >= 7 THEN 'shift' ELSE '' END AS rule
FROM r LEFT JOIN runs USING (series, side, island)
ORDER BY r.series, r.t
"""


def per_point(path: str, threads: int, out: str) -> None:
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    src = f"read_csv('{path}', header = true, columns = {{'series': 'VARCHAR', 't': 'INTEGER', 'value': 'DOUBLE'}})"
    t0 = time.perf_counter()
    con.execute(f"COPY ({PER_POINT.format(src=src)}) TO '{out}' (HEADER)")
    e2e = time.perf_counter() - t0
    print(f"duckdb per-point rows to CSV threads={threads} time={e2e:.3f}s")


def main() -> None:
    path = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    if len(sys.argv) > 4 and sys.argv[3] == "--write-csv":
        per_point(path, threads, sys.argv[4])
        return
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    src_csv = f"read_csv('{path}', header = true, columns = {{'series': 'INTEGER', 't': 'INTEGER', 'value': 'DOUBLE'}})"

    t0 = time.perf_counter()
    shift, outside, points = con.execute(QUERY.format(src=src_csv)).fetchone()
    e2e = time.perf_counter() - t0
    print(f"duckdb end-to-end (csv + query) threads={threads} points={points} time={e2e:.3f}s "
          f"points/s={points / e2e / 1e6:.1f}M shift_points={shift} outside_points={outside}")

    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE data AS SELECT * FROM {src_csv}")
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    shift, outside, points = con.execute(QUERY.format(src="data")).fetchone()
    mem = time.perf_counter() - t0
    print(f"duckdb load csv into table threads={threads} time={load:.3f}s")
    print(f"duckdb in-memory (query only) threads={threads} points={points} time={mem:.3f}s "
          f"points/s={points / mem / 1e6:.1f}M shift_points={shift} outside_points={outside}")


if __name__ == "__main__":
    main()
