#!/usr/bin/env bash
# The supervisor validates what it receives: a malformed, truncated or oversized message
# closes that connection only, and the supervisor keeps serving everyone else.
. "$(dirname "$0")/engine_lib.sh"
engine_setup engine-wire
PROBE=$BIN/engine_wire_probe
[ -x "$PROBE" ] || { skip engine-wire "no $PROBE (make runtime)"; exit 0; }
supervisor_start
"$ENGINE" start keep "$ROOTFS" /bin/sleep 60 >/dev/null

for how in magic version oversize type truncated; do
	check "a message with bad $how closes its connection" test "$("$PROBE" "$how")" = closed
done
r=$("$PROBE" empty)
check "a connection that sends nothing, then EOF, is closed by the supervisor within 5 s ($r)" \
	grep -Eq '^closed after [0-9]+ ms$' <<<"$r"
check "a bad ID in a valid message gets an error reply" \
	bash -c '[ "$("$1" badpayload)" = "reply -22" ]' _ "$PROBE"
check "the supervisor still serves other clients" test "$(state_of keep)" = running
check "and is still alive" kill -0 "$SV_PID"
"$ENGINE" stop keep --timeout 0 >/dev/null

# A supervisor killed outright: its containers die with it, its socket is stale and the
# next supervisor replaces it.
orphan=$("$ENGINE" start orphan "$ROOTFS" /bin/sleep 60)
kill -9 "$SV_PID"
wait "$SV_PID" 2>/dev/null
gone=1
for _ in $(seq 100); do [ -e "/proc/$orphan" ] || { gone=0; break; }; sleep 0.05; done
check "a container dies with its supervisor (PR_SET_PDEATHSIG)" test "$gone" -eq 0
check "the killed supervisor left a stale socket" test -S "$HOGLAB_SOCKET"
supervisor_start
check "a new supervisor replaces the stale socket" test "$("$ENGINE" ps --json)" = '{"containers":[]}'
finish
