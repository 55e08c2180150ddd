#!/usr/bin/env bash
# Integration test of the lab runner: a small definition run with --direct (no engine needed)
# into a private results folder must leave every file of a run folder, rows for every run, shares
# that follow nice, and wake-up delays from the forced schedstat fallback; a bad definition must
# stop it with one line.
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
nice = 0
duration_ms = 300
DEF
if "$BIN/lab" --direct --wakeup-source schedstat --results "$tmp/res" "$tmp/def.conf" 2>"$tmp/err"; then ok "lab runs a small definition"; else fail "lab runs a small definition" "$(tail -3 "$tmp/err")"; fi
run="$tmp/res/latest"
for f in samples.csv runs.csv summary.csv wakeup.csv meta definition.conf; do
	check "run folder has $f" test -s "$run/$f"
done
check "runs.csv has 10 container rows, all ok (2 pair cases x 2 reps x 2, 1 wake-up run x 2)" \
	awk -F, 'NR > 1 { n++; bad += $NF != 1 } END { exit !(n == 10 && bad == 0) }' "$run/runs.csv"
check "the 0-vs-0 shares add up to 100%" awk -F, '$1 == "pairs" && $2 == "0-vs-0" && $8 == "share" { s += $12; n++ } END { exit !(n == 2 && s > 99.9 && s < 100.1) }' "$run/summary.csv"
check "nice 10 gets less than a fifth of the CPU against nice 0 (theory 9.7%)" \
	awk -F, '$2 == "0-vs-10" && $8 == "share" && $4 == 1 { f = $12 > 0 && $12 < 20 } END { exit !f }' "$run/summary.csv"
check "wake-up delays come from schedstat when forced" grep -q '^wakeup_delay_source=schedstat' "$run/meta"
check "wakeup.csv has a schedstat delay per wake-up (at least 30 in 300 ms)" \
	awk -F, '$4 == "schedstat" && $5 >= 0 { n++ } END { exit !(n >= 30) }' "$run/wakeup.csv"
check "summary has the sleeper's p50 <= p99 <= max" awk -F, '$8 ~ /^delay_/ { v[$8] = $12 }
	END { exit !(("delay_p50" in v) && v["delay_p50"] <= v["delay_p99"] && v["delay_p99"] <= v["delay_max"]) }' "$run/summary.csv"
check "meta records the seed" grep -q '^seed=[0-9]' "$run/meta"
printf '[pairs]\nwork_ms = fast\n' >"$tmp/bad.conf"
out=$("$BIN/lab" --direct --results "$tmp/res" "$tmp/bad.conf" 2>&1)
check "a bad definition gives one line naming the key" test "$(printf '%s\n' "$out" | wc -l)" -eq 1 -a -n "$(printf '%s' "$out" | grep "bad.conf:2: key 'work_ms'")"
finish
