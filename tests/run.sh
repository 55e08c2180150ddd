#!/usr/bin/env bash
# Runs the test suites and prints one closing line "N passed, N failed, N skipped".
# A test is an executable (C binary or script) that prints ok / not ok / skip lines
# (tests/lib.sh, tests/unit/check.h); one that exits non-zero without a "not ok" line
# counts as one failure, so a crash never passes silently.
# Usage: tests/run.sh [SUITE...]   suites: unit integration vm fuzz asan (default: all)
# asan: unit and integration again against the ASAN=1 build (build/asan/bin).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP BIN=${BIN:-$TOP/build/bin}
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit integration vm fuzz asan)

passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
	local t=$1 name rc np nf ns
	name=${t#"$TOP"/}
	printf '# %s\n' "$name"
	if [ -x "$t" ] && [ ! -d "$t" ]; then
		"$t" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
	else
		return
	fi
	np=$(grep -c '^ok - ' "$log")
	nf=$(grep -c '^not ok - ' "$log")
	ns=$(grep -c '^skip - ' "$log")
	if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
		printf 'not ok - %s: exited %d without a failing assertion\n' "$name" "$rc"
		nf=1
	fi
	passed=$((passed + np)) failed=$((failed + nf)) skipped=$((skipped + ns))
}

suite_unit() { for t in "$BIN"/test_* "$TOP"/tests/unit/*.sh; do [ -e "$t" ] && run_one "$t"; done; }
suite_integration() { for t in "$TOP"/tests/integration/*.sh; do [ -e "$t" ] && run_one "$t"; done; }

for s in "${suites[@]}"; do
	case $s in
	unit) suite_unit ;;
	integration) suite_integration ;;
	asan)
		if [ ! -x "$TOP/build/asan/bin/engine" ]; then
			printf 'not ok - asan: build/asan/bin/engine missing (make ASAN=1 all)\n'
			failed=$((failed + 1))
			continue
		fi
		plain=$BIN
		export BIN=$TOP/build/asan/bin
		printf '# asan: unit and integration against %s\n' "$BIN"
		suite_unit
		suite_integration
		export BIN=$plain
		;;
	vm) for t in "$TOP"/tests/vm/run-vm-tests.sh; do [ -e "$t" ] && run_one "$t"; done ;;
	fuzz) run_one "$TOP/tests/fuzz/run-fuzz.sh" ;;
	*) echo "run.sh: unknown suite '$s' (unit, integration, vm, fuzz, asan)" >&2; exit 2 ;;
	esac
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
