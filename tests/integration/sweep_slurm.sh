#!/usr/bin/env bash
# test-timeout: 300
# Integration test of `make sweep SWEEP=slurm` on a real single-node Slurm brought up here from
# Debian's packages: munged with its key, socket and pid file in a private temp dir, a generated
# slurm.conf (one node = this machine's short hostname with nproc CPUs, proctrack/linuxproc and
# task/none so that Slurm's cgroups stay out of the engine's, no accounting, state and spool in
# the temp dir, ports found free), slurmctld and slurmd in the foreground with pid files. A sweep
# of three tiny units plus an injected unit whose definition the lab refuses goes in as one array
# (--exclusive) and an afterany merge job; the merged report must hold all three units tagged
# with this host and their claims, the refused one failed with exit code 2. Torn down on every
# path: jobs cancelled, daemons stopped by their PIDs, the temp dir removed, and checked.
. "$(dirname "$0")/../lib.sh"
name="sweep-slurm"
need_root "$name" || finish
B=$TOP/build/bin
need_bins "$name" "$B" lab labmerge sweepmerge engine cpu_hog
[ -d "$TOP/rootfs/base" ] || { fail "$name" "rootfs/base is missing (make rootfs)"; finish; }
missing=""
for c in slurmctld slurmd munged mungekey sbatch squeue scancel sinfo ss gnuplot; do
	command -v "$c" >/dev/null || missing="$missing $c"
done
[ -z "$missing" ] || { skip "$name" "not installed:$missing (make deps installs slurmctld slurmd munge slurm-client)"; finish; }

tmp=$(mktemp -d /tmp/hoglab-slurm.XXXXXX)
pids=()
# Everything this test started, on every path: no job left, daemons stopped by PID, dir gone.
# The slurmstepd processes of this test's cluster (slurmd detaches them; they carry its SLURM_CONF).
stepds() {
	local e
	for e in /proc/[0-9]*/environ; do
		[ "$(cat "${e%/environ}/comm" 2>/dev/null)" = slurmstepd ] &&
			{ tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qxF "SLURM_CONF=$tmp/slurm.conf" && echo "${e//[^0-9]/}"
	done
}
teardown() {
	local p i
	if [ -f "$tmp/slurm.conf" ] && [ -n "${SLURM_CONF:-}" ]; then
		scancel --quiet --user=root 2>/dev/null
		for ((i = 0; i < 20; i++)); do
			jobs_left=$(squeue -h 2>&1)
			[ -z "$jobs_left" ] && break
			sleep 0.5
		done
		for ((i = 0; i < 20; i++)); do
			[ -z "$(stepds)" ] && break
			sleep 0.5
		done
		steps_left=$(stepds)
	fi
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 40 ]; do sleep 0.25; i=$((i + 1)); done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
jobs_left="" steps_left=""
trap teardown EXIT

# munged refuses a socket whose directories are not searchable by all.
chmod 711 "$tmp"
mkdir -m 755 "$tmp/munge"
mkdir "$tmp/state" "$tmp/spool"
mungekey --create --keyfile="$tmp/munge.key" || { fail "$name" "mungekey --create failed"; finish; }
munged -F --socket="$tmp/munge/munge.socket" --key-file="$tmp/munge.key" --pid-file="$tmp/munge/munged.pid" \
	--log-file="$tmp/munged.log" --seed-file="$tmp/munged.seed" >"$tmp/munged.out" 2>&1 &
pids+=($!)
i=0
while [ ! -S "$tmp/munge/munge.socket" ] && [ $i -lt 40 ]; do sleep 0.25; i=$((i + 1)); done
[ -S "$tmp/munge/munge.socket" ] || { fail "$name" "munged did not come up: $(tail -2 "$tmp/munged.out" | tr '\n' ' ')"; finish; }

# Two free TCP ports for the controller and the node daemon, away from Slurm's own 6817/6818.
free_port() {
	local p
	for ((p = $1; p < $1 + 200; p++)); do
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}
port1=$(free_port $((20000 + RANDOM % 20000)))
port2=$(free_port $((port1 + 1)))
host=$(hostname -s)
cat >"$tmp/slurm.conf" <<CONF
ClusterName=hoglabtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port1
SlurmdPort=$port2
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=600
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=hoglab Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -D -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
for ((i = 0; i < 60; i++)); do
	[ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && break
	sleep 0.5
done
if [ "$(sinfo -h -o %t 2>/dev/null)" != idle ]; then
	fail "$name" "the node did not come up idle in 30 s: $(grep -h error "$tmp"/slurm*.out | tail -3 | tr '\n' ' ')"
	finish
fi
ok "$name: single-node Slurm up ($host, $(nproc) CPUs, ports $port1/$port2)"

cat >"$tmp/def.conf" <<'DEF'
cpu = 0
rootfs = rootfs/base
[pairs]
nice = 0 5
work_ms = 150
repetitions = 2
[mix]
nice = 0 5
work_ms = 100
repetitions = 2
[weights]
enabled = 0
[autogroup]
enabled = 0
[demo]
enabled = 0
[wakeup]
enabled = 0
[window]
enabled = 0
DEF
HOGLAB_TEST_FAULTS=1 "$TOP/ci/sweep.sh" --mode slurm --inject-refused-unit --results "$tmp/res" "$tmp/def.conf" \
	>"$tmp/submit.out" 2>"$tmp/submit.err"
rc=$?
d=$(readlink -f "$tmp/res/latest")
job=$(sed -n 's/^array_job=//p' "$d/sweep.conf" 2>/dev/null)
mjob=$(sed -n 's/^merge_job=//p' "$d/sweep.conf" 2>/dev/null)
check "$name: one array job and one merge job submitted" bash -c \
	'[ "$1" -eq 0 ] && [[ $2 =~ ^[0-9]+$ ]] && [[ $3 =~ ^[0-9]+$ ]] || { echo "exit $1"; cat "$4"; }' _ "$rc" "$job" "$mjob" "$tmp/submit.err"
# Bounded wait: four units of about 1 s of CPU each, one after another (--exclusive).
i=0 seen_steps=""
while [ ! -f "$d/merge.exit" ] && [ $i -lt 240 ]; do
	[ -n "$seen_steps" ] || seen_steps=$(stepds)
	sleep 0.5
	i=$((i + 1))
done
check "$name: the merge job ran within 120 s and says a unit failed (exit 1)" bash -c \
	'[ "$(cat "$1/merge.exit" 2>/dev/null)" = 1 ] || { squeue; cat "$1/merge.log"; }' _ "$d"
csv() { awk -F, -v c="$1" -v k="$2" -v v="$3" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h[k] == v { print $h[c] }' "$4"; }
export -f csv
check "$name: tasks.csv: the three units completed on $host as array tasks, merged" bash -c '
	[ "$(awk -F, "NR > 1 && NR < 5 { print \$2 \"/\" \$3 \"/\" \$4 \"/\" \$5 \"/\" \$6 }" "$1/tasks.csv" | tr "\n" " ")" = \
	  "pairs/0-vs-0/$2/completed/0/yes pairs/0-vs-5/$2/completed/0/yes mix/mix/$2/completed/0/yes " ] &&
	for t in 0 1 2; do grep -q "^sweep: task $t: unit .* (Slurm job [0-9]*)$" "$1/tasks/$t.log" || exit 1; done' _ "$d" "$host"
check "$name: the refused unit is failed with exit code 2, in tasks.csv and REPORT.md with the lab's line" bash -c '
	[ "$(csv state unit injected/refused-definition "$1/tasks.csv")/$(csv exit_code unit injected/refused-definition "$1/tasks.csv")" = failed/2 ] &&
	grep -q "^- task 3, unit injected/refused-definition, host $2: failed, exit code 2" "$1/REPORT.md" &&
	grep -q "^lab: .*inject-refused.conf:1: key .cpu.: expected an integer" "$1/REPORT.md"' _ "$d" "$host"
check "$name: the merged summary has all three units, every row tagged with host $host" bash -c '
	for c in 0-vs-0 0-vs-5 mix; do csv host case "$c" "$1/summary.csv" | grep -qx "$2" || { echo "no rows of $c"; exit 1; }; done
	[ "$(awk -F, "NR > 1 && \$2 != \"$2\"" "$1/summary.csv" | wc -l)" -eq 0 ]' _ "$d" "$host"
check "$name: claims computed: the six share claims have a measured value and a verdict" bash -c '
	n=$(awk -F, "NR == 1 { for (i = 1; i <= NF; i++) h[\$i] = i; next }
		\$h[\"quantity\"] == \"share\" && \$h[\"measured\"] ~ /^[0-9.]+\$/ && \$h[\"verdict\"] ~ /^(true|false|no-data)\$/ { n++ }
		END { print n + 0 }" "$1/claims.csv")
	[ "$n" -eq 6 ] || echo "$n share claims with data"' _ "$d"
check "$name: REPORT.md shows the array job, the host and the shares per host" bash -c '
	grep -q "as Slurm array job $2 (merge job $3)" "$1/REPORT.md" && grep -q "^| $4 | " "$1/REPORT.md" &&
	grep -q "^| mix/mix/nice5/share | 24.65" "$1/REPORT.md" && [ -s "$1/sweep.svg" ]' _ "$d" "$job" "$mjob" "$host"
# afterany: the merge started once every task had ended, the failed one too.
check "$name: the merge job started after every array task ended" bash -c '
	m=$(date -d "$(sed -n "s/^sweep: merge started //p" "$1/merge.log")" +%s) || exit 1
	for t in 0 1 2 3; do [ "$(date -d "$(sed -n "s/^end=//p" "$1/tasks/$t.exit")" +%s)" -le "$m" ] || { echo "task $t ended after $m"; exit 1; }; done' _ "$d"
# --exclusive: a whole node per task, so on this one node the tasks ran one after another; each
# one's own start and end (tasks/N.exit, 1 s resolution) may touch but never overlap.
check "$name: --exclusive: no two tasks overlapped on the node" bash -c '
	for t in 0 1 2 3; do
		s=$(sed -n "s/^start=//p" "$1/tasks/$t.exit"); e=$(sed -n "s/^end=//p" "$1/tasks/$t.exit")
		echo "$(date -d "$s" +%s) $(date -d "$e" +%s)"
	done | sort -n | awk "NR > 1 && \$1 < prev { bad = 1; print \"overlap at \" \$1 } { prev = \$2 } END { exit bad }"' _ "$d"
check "$name: sweep --status: 3 completed, 1 failed, from squeue and the exit files (no accounting)" bash -c '
	out=$("$1/ci/sweep.sh" --status "$2"); echo "$out" | grep -q "^from squeue" && echo "$out" | grep -q "^units: .*3 completed" &&
	echo "$out" | grep -q "^units: .*1 failed" && echo "$out" | grep -q "^task 3 injected/refused-definition: failed on $3, exit 2$" || echo "$out"' _ "$TOP" "$d" "$host"

# The teardown's check for a slurmstepd left behind must be able to see one.
check "$name: the cluster's slurmstepd processes were seen while the jobs ran" test -n "$seen_steps"
teardown
trap - EXIT
check "$name: torn down: no job left in the queue, no slurmstepd, no daemon of the test left, the temp dir removed" bash -c '
	[ -z "$2" ] || { echo "jobs: $2"; exit 1; }
	[ -z "$3" ] || { echo "slurmstepd left: $3"; exit 1; }
	for p in "${@:4}"; do kill -0 "$p" 2>/dev/null && { echo "pid $p alive"; exit 1; }; done; [ ! -e "$1" ]' _ "$tmp" "$jobs_left" "$steps_left" "${pids[@]}"
finish
