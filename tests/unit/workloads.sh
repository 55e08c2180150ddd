#!/usr/bin/env bash
# cpu_hog and memory_hog as a user runs them: fixed CPU work, real RSS growth, strict arguments.
. "$(dirname "$0")/../lib.sh"
W=$BIN
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${hog:-}" ] && kill "$hog" 2>/dev/null' EXIT

# cpu_hog: final line parses; CPU time within 30% of the requested work when run alone.
"$W/cpu_hog" --calibrate --save "$tmp/cal" >/dev/null
out=$("$W/cpu_hog" --work-ms 500 --calibration "$tmp/cal" --quiet)
if [[ $out =~ ^cpu_hog\ done\ iterations=([0-9]+)\ cpu_ms=([0-9.]+)\ wall_ms=([0-9.]+)$ ]]; then
	ok "cpu_hog final line parses"
	cpu=${BASH_REMATCH[2]}
	check "cpu_hog --work-ms 500 uses 350..650 ms of CPU (got $cpu)" \
		awk -v c="$cpu" 'BEGIN { exit !(c >= 350 && c <= 650) }'
else
	fail "cpu_hog final line parses" "got '$out'"
fi
out=$("$W/cpu_hog" --iterations 7 --quiet)
check "cpu_hog --iterations 7 does exactly 7" grep -q '^cpu_hog done iterations=7 ' <<<"$out"
out=$("$W/cpu_hog" --work-ms 1200 --calibration "$tmp/cal")
check "cpu_hog prints progress once a second" grep -q '^cpu_hog progress iterations=' <<<"$out"

# memory_hog: the RSS the kernel reports reaches what was asked for.
"$W/memory_hog" --rate 0 --max 64 --hold-s 30 >"$tmp/mem.out" &
hog=$!
rss=0
for _ in $(seq 100); do
	grep -q '^memory_hog reached' "$tmp/mem.out" && break
	sleep 0.1
done
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$hog/status")
check "memory_hog --max 64 reaches >= 64 MiB RSS in /proc (got ${rss} KiB)" test "${rss:-0}" -ge $((64 * 1024))
check "memory_hog says when it reached --max, with its RSS" grep -Eq '^memory_hog reached rss_kib=[0-9]+ allocated_mib=64.000$' "$tmp/mem.out"
kill "$hog"; wait "$hog" 2>/dev/null; hog=

start=$(date +%s%N)
"$W/memory_hog" --rate 100 --step 2 --max 40 --quiet >/dev/null
took=$(( ($(date +%s%N) - start) / 1000000 ))
check "memory_hog --rate 100 --max 40 paces itself (>= 380 ms, took $took ms)" test "$took" -ge 380

# log_hog: exactly N bytes of numbered lines, the same bytes every time.
"$W/log_hog" --bytes 1M >"$tmp/a"
"$W/log_hog" --bytes 1M >"$tmp/b"
check "log_hog --bytes 1M writes exactly 1048576 bytes" test "$(stat -c %s "$tmp/a")" -eq 1048576
check "log_hog gives the same bytes for the same arguments" cmp -s "$tmp/a" "$tmp/b"
check "log_hog numbers its lines from 0 (line 16383 of 64 bytes)" \
	test "$(sed -n 16384p "$tmp/a" | cut -c1-15)" = 000000000016383
check "log_hog --line-len 100: every whole line is 100 bytes" \
	bash -c "'$W/log_hog' --bytes 100000 --line-len 100 | awk 'length(\$0) != 99 { bad++ } END { exit bad > 0 || NR != 1000 }'"

# Bad arguments: exit 2 with one line; --help exits 0.
bad() {
	local prog=$1 err rc
	shift
	err=$("$W/$prog" "$@" 2>&1 >/dev/null); rc=$?
	if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [[ $err == "$prog: "* ]]; then
		ok "$prog $* -> exit 2, one line"
	else
		fail "$prog $* -> exit 2, one line" "rc=$rc err='$err'"
	fi
}
bad cpu_hog --work-ms abc
bad cpu_hog --work-ms -5
bad cpu_hog --work-ms 0
bad cpu_hog --iterations 10x
bad cpu_hog --work-ms 10 --iterations 10
bad cpu_hog --frobnicate
bad cpu_hog stray
bad memory_hog --rate -1
bad memory_hog --max abc
bad memory_hog --step 0
bad memory_hog --hold-s 5
bad memory_hog --max
bad log_hog
bad log_hog --bytes 0
bad log_hog --bytes 1X
bad log_hog --bytes 1M --line-len 5
for p in cpu_hog memory_hog log_hog; do
	check "$p --help exits 0 and shows usage" bash -c "'$W/$p' --help | grep -q '^usage: $p'"
done
finish
