# Shared setup of the engine's integration tests (sourced, not run): a private supervisor
# on a temp socket, state and log dir, torn down by a trap on every path.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ENGINE=$BIN/engine
ROOTFS=$TOP/rootfs/alpha

# engine_setup NAME: skips (and exits) when root, the engine or the rootfs is missing.
engine_setup() {
	need_root "$1" || exit 0
	if [ ! -x "$ENGINE" ]; then skip "$1" "no $ENGINE (make runtime)"; exit 0; fi
	if [ ! -x "$ROOTFS/bin/sh" ] || [ ! -x "$ROOTFS/cpu_hog" ]; then
		skip "$1" "no rootfs at $ROOTFS (make rootfs)"; exit 0
	fi
	T=$(mktemp -d /tmp/hoglab-test.XXXXXX)
	export HOGLAB_SOCKET=$T/run/engine.sock
	SV_PID=
	trap engine_teardown EXIT
}

engine_teardown() {
	if [ -n "$SV_PID" ] && kill -0 "$SV_PID" 2>/dev/null; then
		kill -TERM "$SV_PID" 2>/dev/null
		wait "$SV_PID" 2>/dev/null
	fi
	rm -rf "$T"
}

# supervisor_start [ARGS...]: starts one in the background and waits until it says it listens
# (a stale socket of a killed one may still be there meanwhile).
supervisor_start() {
	"$ENGINE" supervisor --state-dir "$T/state" --log-dir "$T/logs" "$@" >"$T/supervisor.out" 2>"$T/supervisor.err" &
	SV_PID=$!
	for _ in $(seq 200); do
		grep -q "^engine: supervisor $SV_PID on " "$T/supervisor.out" 2>/dev/null && return 0
		kill -0 "$SV_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "supervisor starts" "$(cat "$T/supervisor.err")"
	finish
}

# supervisor_stop: SIGTERM and wait; its exit status in SV_RC.
supervisor_stop() {
	kill -TERM "$SV_PID"
	wait "$SV_PID"
	SV_RC=$?
	SV_PID=
}

# json_eval [--lines] EXPR [ARG...]: parses stdin as one JSON document (--lines: one document a
# line, as a list) bound to d, the ARGs bound to the list a, and prints the Python expression EXPR
# (it may span lines) evaluated on it: a string bare, anything else as JSON. Input that is not
# strict JSON (a truncated reply, a repeated key, NaN), or an EXPR that does not fit it (a missing
# key), prints one line on stderr and returns 2, so the check reading the value fails.
json_eval() {
	python3 -c '
import json, sys
lines = len(sys.argv) > 1 and sys.argv[1] == "--lines"
expr, a = sys.argv[1 + lines], sys.argv[2 + lines:]
def pairs(kv):
    keys = [k for k, _ in kv]
    if len(set(keys)) != len(keys):
        raise ValueError("repeated key in %r" % keys)
    return dict(kv)
def bad_constant(c):
    raise ValueError("not JSON: " + c)
def load(t):
    return json.loads(t, object_pairs_hook=pairs, parse_constant=bad_constant)
text = sys.stdin.read()
try:
    d = [load(l) for l in text.split("\n")[:-1]] if lines else load(text)
    if lines and not text.endswith("\n") and text:
        raise ValueError("last line has no newline")
except ValueError as e:
    sys.stderr.write("json_eval: not JSON (%s): %.100r\n" % (e, text))
    sys.exit(2)
try:
    v = eval("(" + expr + "\n)", {"d": d, "a": a})
except Exception as e:
    sys.stderr.write("json_eval: %s on %.100r: %s: %s\n" % (expr, text, type(e).__name__, e))
    sys.exit(2)
print(v if isinstance(v, str) else json.dumps(v))
' "$@"
}

# ps_field ID KEY: the KEY of container ID in ps --json, "none" when no container has that ID.
ps_field() {
	"$ENGINE" ps --json | json_eval 'next((c[a[1]] for c in d["containers"] if c["id"] == a[0]), "none")' "$1" "$2"
}

# state_of ID: the container's state from ps --json, or "none"; nothing (and a line on stderr)
# when the supervisor does not answer with JSON.
state_of() { ps_field "$1" state; }

# wait_state ID STATE: polls 200 times, 0.05 s apart (10 s plus the polls themselves).
wait_state() {
	for _ in $(seq 200); do
		[ "$(state_of "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
