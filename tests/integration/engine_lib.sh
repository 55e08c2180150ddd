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

# state_of ID: the container's state from ps --json, or "none".
state_of() {
	"$ENGINE" ps --json | tr '{' '\n' | grep "\"id\":\"$1\"" | sed 's/.*"state":"\([^"]*\)".*/\1/' |
		grep . || echo none
}

# wait_state ID STATE: polls up to 10 s.
wait_state() {
	for _ in $(seq 200); do
		[ "$(state_of "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
