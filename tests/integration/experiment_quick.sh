#!/usr/bin/env bash
# Integration test of the lab runner: a small definition run with --direct (no engine needed)
# into a private results folder must leave every file of a run folder, rows for every run, and
# shares of a nice 0 / nice 0 pair that add up to 100 %; a bad definition must stop it with one line.
. "$(dirname "$0")/../lib.sh"
need_root "experiment quick run" || finish
[ -x "$BIN/lab" ] && [ -x "$BIN/cpu_hog" ] || { skip "experiment quick run" "build/bin/lab or cpu_hog not built"; finish; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/def.conf" <<'DEF'
[pairs]
nice = 0 10
work_ms = 200
repetitions = 2
[mix]
enabled = 0
[weights]
enabled = 0
[autogroup]
enabled = 0
[demo]
enabled = 0
[wakeup]
enabled = 0
DEF
if "$BIN/lab" --direct --results "$tmp/res" "$tmp/def.conf" 2>"$tmp/err"; then ok "lab runs a small definition"; else fail "lab runs a small definition" "$(tail -3 "$tmp/err")"; fi
run="$tmp/res/latest"
for f in samples.csv runs.csv summary.csv meta definition.conf; do
	check "run folder has $f" test -s "$run/$f"
done
check "runs.csv has 8 container rows (2 cases x 2 reps x 2)" test "$(($(wc -l <"$run/runs.csv") - 1))" -eq 8
check "the 0-vs-0 shares add up to 100%" awk -F, '$1 == "pairs" && $2 == "0-vs-0" && $8 == "share" { s += $12 } END { exit !(s > 99.9 && s < 100.1) }' "$run/summary.csv"
check "meta records the seed" grep -q '^seed=[0-9]' "$run/meta"
printf '[pairs]\nwork_ms = fast\n' >"$tmp/bad.conf"
out=$("$BIN/lab" --direct --results "$tmp/res" "$tmp/bad.conf" 2>&1)
check "a bad definition gives one line naming the key" test "$(printf '%s\n' "$out" | wc -l)" -eq 1 -a -n "$(printf '%s' "$out" | grep "bad.conf:2: key 'work_ms'")"
finish
