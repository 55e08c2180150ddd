#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets and runs each for FUZZ_SECONDS (default 60) from the
# committed corpus (tests/fuzz/corpus/<target>, read-only here: new inputs go to a temp dir).
# One ok / not ok line per target; a crash leaves its input in build/fuzz/ and fails the run.
. "$(dirname "$0")/../lib.sh"
seconds=${FUZZ_SECONDS:-60}
out=$TOP/build/fuzz

if ! command -v clang >/dev/null; then
	skip "fuzzing" "clang is not installed (make deps installs it)"
	finish
fi
if ! make -s -C "$TOP/tests/fuzz" >"$out.build.log" 2>&1; then
	fail "fuzz targets build" "$(tail -n 3 "$out.build.log" | tr '\n' ' ')"
	finish
fi
rm -f "$out.build.log"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for target in protocol labconf; do
	mkdir -p "$tmp/$target"
	log=$tmp/$target.log
	if "$out/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$out/crash-$target-" "$tmp/$target" "$TOP/tests/fuzz/corpus/$target" \
		>"$log" 2>&1; then
		runs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$log")
		ok "fuzz_$target: ${seconds} s, ${runs:-?} inputs, no crash"
	else
		fail "fuzz_$target" "crashed: $(grep -m1 -E 'ERROR|runtime error|deadly signal' "$log"); input in $out/crash-$target-*"
		tail -n 40 "$log" >&2
	fi
done
finish
