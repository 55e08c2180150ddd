#!/usr/bin/env bash
# Runs the test suites and prints one closing line "N passed, N failed, N skipped".
# A test is an executable (C binary or script) that prints ok / not ok / skip lines
# (tests/lib.sh, tests/unit/check.h); one that exits non-zero without a "not ok" line
# counts as one failure, so a crash never passes silently.
# Usage: tests/run.sh [SUITE...]   suites: unit integration vm fuzz (default: all)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP BIN=${BIN:-$TOP/build/bin}
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit integration vm fuzz)

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

for s in "${suites[@]}"; do
	case $s in
	unit) for t in "$BIN"/test_* "$TOP"/tests/unit/*.sh; do [ -e "$t" ] && run_one "$t"; done ;;
	integration) for t in "$TOP"/tests/integration/*.sh; do [ -e "$t" ] && run_one "$t"; done ;;
	vm) for t in "$TOP"/tests/vm/run-vm-tests.sh; do [ -e "$t" ] && run_one "$t"; done ;;
	fuzz) run_one "$TOP/tests/fuzz/run-fuzz.sh" ;;
	*) echo "run.sh: unknown suite '$s' (unit, integration, vm, fuzz)" >&2; exit 2 ;;
	esac
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
