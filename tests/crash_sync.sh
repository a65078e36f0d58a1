#!/usr/bin/env bash
# Crash test for the real binary: SIGKILL `avstem sync` at random moments (at least 10 kills),
# re-run it, and check the cache equals an uninterrupted sync: same dates, same rows, same
# checksums, no duplicates, no rows without a status, no complete date missing rows.
#
# Usage: tests/crash_sync.sh [path/to/avstem]   (default target/debug/avstem)
# Env:   CRASH_KILLS (default 12), CRASH_SEED (default 2025), CRASH_FROM/CRASH_TO (a past range).
# Uses the built-in demo profile: each run starts its own in-process simulator with the same
# seed, so every process sees the same deterministic data.
set -euo pipefail

BIN=${1:-target/debug/avstem}
KILLS=${CRASH_KILLS:-12}
SEED=${CRASH_SEED:-2025}
FROM=${CRASH_FROM:-2025-07-01}
TO=${CRASH_TO:-2025-09-30}
[ -x "$BIN" ] || { echo "crash_sync: no avstem binary at $BIN (build it first)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "crash_sync: needs python3 (for sqlite3 checks)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sync_into() { AVSTEM_DATA_DIR="$1" "$BIN" sync --profile demo --from "$FROM" --to "$TO" >/dev/null 2>&1; }

# check.py snapshot DB -> prints "complete open rows checksum"; fails on any inconsistency.
cat > "$work/check.py" <<'PY'
import hashlib, sqlite3, sys
db = sys.argv[1]
c = sqlite3.connect(db)
assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity_check failed"
tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
if "date_status" not in tables:
    # Killed before the first migration committed: an empty file, which the next run sets up.
    assert "entries" not in tables, f"half a schema: {sorted(tables)}"
    print(0, 0, 0, hashlib.sha256().hexdigest())
    sys.exit(0)
status = {(l, t, d): (s, n) for l, t, d, s, n in
          c.execute("SELECT ledger_id, topic, date, state, entry_count FROM date_status")}
rows = {}
h = hashlib.sha256()
for r in c.execute("SELECT * FROM entries ORDER BY ledger_id, topic, date, seq"):
    key = r[:3]
    rows[key] = rows.get(key, 0) + 1
    h.update(repr(r).encode())
orphans = [k for k in rows if k not in status]
assert not orphans, f"rows without a date status (half-written dates): {orphans[:5]}"
for key, (state, n) in status.items():
    assert rows.get(key, 0) == n, f"{key} is {state} with {n} rows claimed, {rows.get(key, 0)} stored"
dupes = c.execute("SELECT count(*) FROM (SELECT 1 FROM entries GROUP BY ledger_id, topic, date, seq HAVING count(*) > 1)").fetchone()[0]
assert dupes == 0, f"{dupes} duplicate rows"
complete = sum(1 for s, _ in status.values() if s == "complete")
opened = sum(1 for s, _ in status.values() if s == "open")
print(complete, opened, sum(rows.values()), h.hexdigest())
PY

start=$(date +%s%N)
sync_into "$work/reference"
full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
read -r ref_complete ref_open ref_rows ref_sum < <(python3 "$work/check.py" "$work/reference/cache.sqlite")
echo "reference: $ref_complete complete dates, $ref_rows rows, one uninterrupted sync takes ${full_ms} ms"

RANDOM=$SEED
kills=0; runs=0; seen=()
while [ "$kills" -lt "$KILLS" ] && [ "$runs" -lt 80 ]; do
  runs=$((runs + 1))
  AVSTEM_DATA_DIR="$work/crashed" "$BIN" sync --profile demo --from "$FROM" --to "$TO" >/dev/null 2>&1 &
  pid=$!
  delay_ms=$(( 10 + RANDOM % (full_ms > 20 ? full_ms : 20) ))
  sleep "$(printf '0.%03d' "$delay_ms")" 2>/dev/null || sleep "$(( delay_ms / 1000 ))"
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
  fi
  wait "$pid" 2>/dev/null || true
  if [ -f "$work/crashed/cache.sqlite" ]; then
    read -r complete _ _ _ < <(python3 "$work/check.py" "$work/crashed/cache.sqlite")
    seen+=("$complete")
    if [ "$complete" = "$ref_complete" ]; then
      # Finished before the kill: start over so the next kills hit a live sync.
      rm -rf "$work/crashed"
    fi
  fi
done
echo "killed $kills times in $runs runs; complete dates seen after each run: ${seen[*]}"
[ "$kills" -ge 10 ] || { echo "FAIL: only $kills kills landed" >&2; exit 1; }

sync_into "$work/crashed"
read -r complete opened rows sum < <(python3 "$work/check.py" "$work/crashed/cache.sqlite")
if [ "$complete $opened $rows $sum" != "$ref_complete $ref_open $ref_rows $ref_sum" ]; then
  echo "FAIL: after the crashes: $complete complete, $rows rows, $sum" >&2
  echo "      uninterrupted:    $ref_complete complete, $ref_rows rows, $ref_sum" >&2
  exit 1
fi
echo "PASS: the cache after $kills SIGKILLs equals an uninterrupted sync ($complete dates, $rows rows, sha256 ${sum:0:16}…)"
