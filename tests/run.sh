#!/usr/bin/env bash
# Runs the test suites and prints one closing line "N passed, N failed, N skipped", with every
# skip listed once above it. A test is an executable (C binary or script) that prints ok / not ok /
# skip lines (tests/lib.sh, tests/unit/check.h); one that exits non-zero without a "not ok" line
# counts as one failure, so a crash never passes silently. Every test runs under a timeout: the
# suite's default, or a longer one a script declares in its first lines as "# test-timeout: N";
# one that hangs is killed with all it started (its process group) and the suite goes on. A file
# without its run bit, or a suite that finds no test, is a failure, not a silent gap; files named
# *_lib.sh are libraries the tests source, not tests.
# Usage: tests/run.sh [SUITE...]   suites: unit integration vm fuzz asan (default: all)
# asan: unit and integration again against the ASAN=1 build (build/asan/bin).
# Env: HOGLAB_TEST_TIMEOUT overrides every default (not the declared ones).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP BIN=${BIN:-$TOP/build/bin}
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit integration vm fuzz asan)

passed=0 failed=0 skipped=0
log=$(mktemp) skips=$(mktemp)
trap 'rm -f "$log" "$skips"' EXIT

fail_line() { printf 'not ok - %s\n' "$1"; failed=$((failed + 1)); }

# test_timeout FILE DEFAULT: the declared "# test-timeout: N" of a script, else DEFAULT.
test_timeout() {
	local n=
	[ "$(head -c 2 "$1")" = '#!' ] && n=$(sed -n '1,20s/^# test-timeout: \([0-9][0-9]*\)$/\1/p' "$1" | head -n 1)
	echo "${n:-${HOGLAB_TEST_TIMEOUT:-$2}}"
}

# run_one FILE DEFAULT_TIMEOUT
run_one() {
	local t=$1 name limit rc np nf ns
	name=${t#"$TOP"/}
	printf '# %s\n' "$name"
	if [ -d "$t" ] || [ ! -x "$t" ]; then
		fail_line "$name: not an executable file (chmod +x)"
		return
	fi
	limit=$(test_timeout "$t" "$2")
	# timeout signals the test's whole process group; -k: SIGKILL if TERM is not enough.
	timeout -k 10 "$limit" "$t" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	np=$(grep -c '^ok - ' "$log")
	nf=$(grep -c '^not ok - ' "$log")
	ns=$(grep -c '^skip - ' "$log")
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		printf 'not ok - %s: timed out after %d s\n' "$name" "$limit"
		nf=$((nf + 1))
	elif [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
		printf 'not ok - %s: exited %d without a failing assertion\n' "$name" "$rc"
		nf=1
	fi
	grep '^skip - ' "$log" | sed "s|^skip - |$name: |" >>"$skips"
	passed=$((passed + np)) failed=$((failed + nf)) skipped=$((skipped + ns))
}

# run_suite NAME DEFAULT_TIMEOUT FILE...: unexpanded globs count as nothing found.
run_suite() {
	local name=$1 limit=$2 t n=0
	shift 2
	for t; do
		[ -e "$t" ] || continue
		case $t in *_lib.sh) continue ;; esac # sourced by tests, not one itself
		run_one "$t" "$limit"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail_line "suite $name: no test found ($*)"
}

suite_unit() { run_suite unit 120 "$BIN"/test_* "$TOP"/tests/unit/*.sh; }
suite_integration() { run_suite integration 300 "$TOP"/tests/integration/*.sh; }

for s in "${suites[@]}"; do
	case $s in
	unit) suite_unit ;;
	integration) suite_integration ;;
	asan)
		if [ ! -x "$TOP/build/asan/bin/engine" ]; then
			fail_line "asan: build/asan/bin/engine missing (make ASAN=1 all)"
			continue
		fi
		plain=$BIN
		export BIN=$TOP/build/asan/bin
		printf '# asan: unit and integration against %s\n' "$BIN"
		suite_unit
		suite_integration
		export BIN=$plain
		;;
	vm) run_suite vm 600 "$TOP"/tests/vm/run-vm-tests.sh ;;
	fuzz) run_suite fuzz 600 "$TOP"/tests/fuzz/run-fuzz.sh ;;
	*) echo "run.sh: unknown suite '$s' (unit, integration, vm, fuzz, asan)" >&2; exit 2 ;;
	esac
done

if [ -s "$skips" ]; then
	echo "# skipped, and why:"
	awk '!seen[$0]++ { print "#   " $0 }' "$skips"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
