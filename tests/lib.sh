# Shared helpers for shell tests. Each test prints one line per assertion:
#   "ok - NAME", "not ok - NAME: why" or "skip - NAME: why"; tests/run.sh counts them.
# Source it from a test; TOP and BIN point at the tree and its built binaries.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BIN=${BIN:-$TOP/build/bin}
_failures=0

ok()   { printf 'ok - %s\n' "$1"; }
fail() { printf 'not ok - %s: %s\n' "$1" "$2"; _failures=$((_failures + 1)); }
skip() { printf 'skip - %s: %s\n' "$1" "$2"; }

# check NAME CONDITION-COMMAND...: ok when the command succeeds, else not ok with its output.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)"; fi
}

need_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	skip "$1" "needs root"
	return 1
}

# need_bins NAME DIR BINARY...: every BINARY is an executable in DIR, else one not ok naming the
# first missing one, and the test ends.
need_bins() {
	local name=$1 dir=$2 b
	shift 2
	for b; do
		[ -x "$dir/$b" ] || { fail "$name" "${dir#"$TOP"/}/$b is missing (make all)"; finish; }
	done
}

# The exit status a test ends with: non-zero when any assertion failed.
finish() { exit $((_failures > 0)); }
