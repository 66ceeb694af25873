#!/bin/sh
# Load benchmark of the web service (issue 13): wrk at 64 connections against the demo
# store, on SQLite and, when FAILWELL_BENCH_POSTGRES_URL names an empty database, on
# PostgreSQL. Prints wrk's figures (requests/s, latency percentiles) for the overview, an
# organisation page with its SPC charts (E06000004 also with the demo case), and an API read, each as a signed-in analyst
# (an API token: every read of unpublished data is authenticated and audited) and, for
# the pages, as the public.
#
# Usage: sh benches/web-load.sh [SECONDS]   (from the repository root; builds --release)
set -eu
secs=${1:-15}
bin=target/release/failwell
cargo build --release -q
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
server=

run() { # backend url
  backend=$1 url=$2
  $bin --database "$url" demo --no-serve --data data >/dev/null
  token=$($bin --database "$url" user token analyst --name wrk | grep '^fw_')
  $bin --database "$url" serve --addr 127.0.0.1:8099 >"$work/serve.log" 2>/dev/null &
  server=$!
  # Wait for the first judged snapshot (built in the background at start).
  for _ in $(seq 1 120); do
    curl -sf -H "Authorization: Bearer $token" http://127.0.0.1:8099/api/v1/organisations?limit=1 >/dev/null 2>&1 && break
    sleep 0.5
  done
  for path in / /organisations/E06000002 /organisations/E06000004 /api/v1/organisations/E06000002; do
    echo "== $backend analyst $path"
    wrk -t2 -c64 -d"${secs}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:8099$path" \
      | grep -E 'Requests/sec|50%|90%|99%|Non-2xx|Socket errors'
  done
  for path in / /organisations/E06000002; do
    echo "== $backend public $path"
    wrk -t2 -c64 -d"${secs}s" --latency "http://127.0.0.1:8099$path" | grep -E 'Requests/sec|50%|90%|99%|Non-2xx|Socket errors'
  done
  kill "$server"; wait "$server" 2>/dev/null || true
}

run sqlite "$work/demo.db"
if [ -n "${FAILWELL_BENCH_POSTGRES_URL:-}" ]; then
  run postgres "$FAILWELL_BENCH_POSTGRES_URL"
fi
