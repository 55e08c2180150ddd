#!/usr/bin/env bash
# `make sweep` / `lab sweep`: one definition split into units (`lab --list-units`: one case with
# its repetitions; the wake-up and window experiments one unit each), run one after another here
# (--mode local) or as one Slurm job array, one task per unit on a whole node (--mode slurm), each
# into SWEEP/<host>/<unit>/; then merged: build/bin/sweepmerge (per host, and every unit's state in
# tasks.csv), build/bin/labmerge (across hosts) and report/sweep.sh (REPORT.md). Only drives:
# every figure and claim comes from the C programs. Layout and use: experiments/README.md "Sweeps".
# Usage: ci/sweep.sh [--mode local|slurm] [--profile NAME] [--results DIR] [--units "U ..."] [--force] DEFINITION
#        ci/sweep.sh --status [SWEEP_DIR]  the units' progress (squeue/sacct, the tasks' exit files)
#        ci/sweep.sh --merge SWEEP_DIR     merge what the units left (the Slurm merge job runs this)
#        ci/sweep.sh --task SWEEP_DIR N    run unit N (each array task runs this)
# Env: SWEEP_SBATCH_FLAGS (words for both sbatch calls: --partition=P --nodes=1 --time=...),
# HOGLAB_TEST_FAULTS=1 allows --inject-refused-unit (a last unit whose definition the lab refuses).
# Exit: 0 every unit completed and merged; 1 a unit failed (the others still merge); 2 bad input.
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
LAB=$TOP/build/bin/lab
die() { echo "sweep: $*" >&2; exit 2; }
usage() { sed -n '8,15p' "$0" | sed 's/^# \{0,1\}//'; }

# conf_get DIR KEY: the value of KEY= in DIR/sweep.conf (the last one wins).
conf_get() { conf_get_file "$1/sweep.conf" "$2"; }
conf_get_file() { sed -n "s/^$2=//p" "$1" | tail -1; }
# unit_get DIR N COLUMN(2: unit, 3: definition): row N of units.csv.
unit_get() { awk -F, -v n="$2" -v c="$3" 'NR > 1 && $1 == n { print $c }' "$1/units.csv"; }
is_sweep() { [ -f "$1/sweep.conf" ] && [ -f "$1/units.csv" ] || die "$1: not a sweep folder (no sweep.conf and units.csv)"; }

# --task DIR N: unit N into DIR/<host>/<unit>/, and tasks/N.exit saying how it ended.
task_run() {
	local dir=$1 n=$2 unit def profile host tmp exitf rc state=completed rel="" pid=""
	is_sweep "$dir"
	unit=$(unit_get "$dir" "$n" 2)
	def=$(unit_get "$dir" "$n" 3)
	[ -n "$unit" ] || die "$dir: no unit $n in units.csv"
	profile=$(conf_get "$dir" profile)
	host=$(hostname -s)
	tmp=$dir/$host/.task-$n
	exitf=$dir/tasks/$n.exit
	rm -rf "$tmp" "$exitf"
	mkdir -p "$tmp" "$dir/tasks" || die "cannot create $tmp"
	end() { # RC STATE: the exit file, written whole or not at all
		printf 'task=%s\nunit=%s\nhost=%s\nrc=%s\nstate=%s\ndir=%s\nstart=%s\nend=%s\n' "$n" "$unit" "$host" "$1" "$2" \
			"$rel" "$start" "$(date +%Y-%m-%dT%H:%M:%S%z)" >"$exitf.new" && mv "$exitf.new" "$exitf"
		rm -rf "$tmp"
	}
	# scancel (or a time limit) sends SIGTERM first: the lab stops its containers, the task says so.
	trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; end 143 cancelled; exit 143' TERM INT
	start=$(date +%Y-%m-%dT%H:%M:%S%z)
	echo "sweep: task $n: unit $unit on $host${SLURM_JOB_ID:+ (Slurm job $SLURM_JOB_ID)}"
	(cd "$TOP" && exec "$LAB" --unit "$unit" ${profile:+--profile "$profile"} --results "$tmp" "$dir/$def") &
	pid=$!
	wait "$pid"
	rc=$?
	pid=""
	if [ -f "$tmp/latest/claims.csv" ]; then
		mkdir -p "$(dirname "$dir/$host/$unit")" && rm -rf "${dir:?}/$host/$unit" &&
			mv "$(readlink -f "$tmp/latest")" "$dir/$host/$unit" && rel=$host/$unit
	fi
	[ "$rc" -eq 0 ] && [ -n "$rel" ] || state=failed
	end "$rc" "$state"
	trap - TERM INT
	echo "sweep: task $n: unit $unit $state (exit $rc)${rel:+ into $dir/$rel}"
	return "$rc"
}

# What Slurm says of each task of the array: "TASK|STATE|EXIT|HOST" lines, from sacct where
# accounting works, else from squeue (pending and running tasks only); how, on stdout's first line.
slurm_tasks() {
	local job=$1 out
	if out=$(sacct -n -P -X -j "$job" -o JobID,State,ExitCode,NodeList 2>/dev/null) && [ -n "$out" ]; then
		echo "source=sacct"
		echo "$out" | awk -F'|' -v j="$job" '$1 ~ "^" j "_[0-9]+$" { sub("^" j "_", "", $1); print $1 "|" $2 "|" $3 "|" $4 }'
	else
		echo "source=squeue (no accounting: finished tasks from their exit files)"
		squeue -h -r -j "$job" -o '%K|%T||%N' 2>/dev/null | awk -F'|' '$1 ~ /^[0-9]+$/'
	fi
}

# --merge DIR: the scheduler's word on tasks that wrote no exit file, then collect, merge, render.
merge() {
	local dir=$1 job n rc=0 hosts force=()
	is_sweep "$dir"
	echo "sweep: merge started $(date +%Y-%m-%dT%H:%M:%S%z)"
	job=$(conf_get "$dir" array_job)
	[ "$(conf_get "$dir" force)" = 1 ] && force=(--force)
	if [ -n "$job" ]; then
		local info
		info=$(slurm_tasks "$job")
		for n in $(awk -F, 'NR > 1 { print $1 }' "$dir/units.csv"); do
			[ -f "$dir/tasks/$n.exit" ] && continue
			echo "$info" | awk -F'|' -v n="$n" -v src="$(echo "$info" | head -1)" '
				NR > 1 && $1 == n { f = 1; printf "state=%s\nexit_code=%s\nhost=%s\n%s\n", $2, $3, $4, src }
				END { if (!f) printf "state=missing (no exit file; Slurm has no record of it in the queue)\n%s\n", src }' \
				>"$dir/tasks/$n.sched"
		done
	fi
	hosts=$("$TOP/build/bin/sweepmerge" "${force[@]}" "$dir")
	rc=$?
	[ "$rc" -le 1 ] || { echo "$rc" >"$dir/merge.exit"; return 2; }
	if [ -n "$hosts" ]; then
		# shellcheck disable=SC2086 # host folders have no spaces (hostname -s)
		"$TOP/build/bin/labmerge" "${force[@]}" "$dir" $hosts || rc=2
	fi
	"$TOP/report/sweep.sh" "$dir" >/dev/null || rc=2
	echo "$rc" >"$dir/merge.exit"
	echo "sweep: merged $dir: $(awk -F, 'NR > 1 && $4 == "completed" { c++ } NR > 1 { n++ } END { print c + 0 " of " n " units completed" }' "$dir/tasks.csv"); report $dir/REPORT.md" >&2
	return "$rc"
}

# --status DIR: one line per unit, then the counts.
status() {
	local dir=$1 job mjob info n unit st lines
	is_sweep "$dir"
	job=$(conf_get "$dir" array_job)
	mjob=$(conf_get "$dir" merge_job)
	echo "sweep $(conf_get "$dir" id): $(conf_get "$dir" mode), $(($(wc -l <"$dir/units.csv") - 1)) units of $(conf_get "$dir" definition)${job:+, array job $job, merge job $mjob}"
	info=""
	[ -n "$job" ] && info=$(slurm_tasks "$job") && echo "from $(echo "$info" | head -1 | sed 's/^source=//')"
	lines=$(for n in $(awk -F, 'NR > 1 { print $1 }' "$dir/units.csv"); do
		unit=$(unit_get "$dir" "$n" 2)
		if [ -f "$dir/tasks/$n.exit" ]; then
			st="$(conf_get_file "$dir/tasks/$n.exit" state) on $(conf_get_file "$dir/tasks/$n.exit" host), exit $(conf_get_file "$dir/tasks/$n.exit" rc)"
		else
			st=$(echo "$info" | awk -F'|' -v n="$n" 'NR > 1 && $1 == n { print tolower($2) ($4 != "" && $4 != "None assigned" ? " on " $4 : "") }')
			[ -n "$st" ] || st=$([ -n "$job" ] && echo "not in the queue, no exit file" || echo "not started")
		fi
		printf 'task %s %s: %s\n' "$n" "$unit" "$st"
	done)
	echo "$lines"
	# The state is the word after "task N UNIT:".
	echo "$lines" | awk '{ c[$4]++ } END { for (k in c) { printf "%s%d %s", sep, c[k], k; sep = ", " } print "" }' |
		sed 's/^/units: /'
	if [ -f "$dir/merge.exit" ]; then
		echo "merge: done (exit $(cat "$dir/merge.exit")): $dir/REPORT.md"
	elif [ -n "$mjob" ]; then
		echo "merge: job $mjob $(squeue -h -j "$mjob" -o %T 2>/dev/null | tr 'A-Z' 'a-z' || true)"
	fi
}
# A new sweep folder with its plan; prints its path.
plan() {
	local def=$1 profile=$2 results=$3 units=$4 mode=$5 inject=$6 id dir n=0 u all
	all=$("$LAB" --list-units ${profile:+--profile "$profile"} "$def") || exit 2
	[ -n "$units" ] || units=$all
	for u in $units; do
		echo "$all" | grep -qxF "$u" || die "$def: no unit '$u' (its units: $(echo "$all" | tr '\n' ' '))"
	done
	[ "$(echo "$units" | tr ' ' '\n' | sort | uniq -d)" = "" ] || die "--units names a unit twice: $units"
	id=$(date +%Y%m%d-%H%M%S)${profile:+-$profile}
	dir=$results/$id
	[ -e "$dir" ] && { sleep 1; id=$(date +%Y%m%d-%H%M%S)${profile:+-$profile}; dir=$results/$id; }
	mkdir -p "$dir/tasks" || die "cannot create $dir"
	cp "$def" "$dir/definition.conf" || die "cannot copy $def into $dir"
	{
		echo "id=$id"
		echo "mode=$mode"
		echo "definition=$def"
		echo "profile=$profile"
		# As the lab's meta says it (experiments/Makefile): "-dirty" with uncommitted changes.
		echo "revision=$(r=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null) &&
			echo "$r$(git -C "$TOP" diff --quiet HEAD 2>/dev/null || echo -dirty)" || echo unknown)"
		echo "tree=$TOP"
		echo "created=$(date +%Y-%m-%dT%H:%M:%S%z) on $(hostname -s)"
	} >"$dir/sweep.conf"
	{
		echo "task,unit,definition"
		for u in $units; do echo "$n,$u,definition.conf" && n=$((n + 1)); done
		if [ "$inject" = 1 ]; then
			# A definition the lab refuses at its first line: the unit must fail with exit 2.
			{ echo "cpu = -1"; cat "$def"; } >"$dir/inject-refused.conf"
			echo "$n,injected/refused-definition,inject-refused.conf"
		fi
	} >"$dir/units.csv"
	ln -sfn "$id" "$results/latest"
	echo "$dir"
}

mode=local profile="" results=$TOP/results/sweeps units="" inject=0 force=0
case ${1:-} in
-h | --help) usage; exit 0 ;;
--task) [ $# -eq 3 ] || die "--task takes SWEEP_DIR and a unit number"; task_run "$(cd "$2" && pwd)" "$3"; exit ;;
--merge) [ $# -eq 2 ] || die "--merge takes one SWEEP_DIR"; merge "$(cd "$2" && pwd)"; exit ;;
--status)
	[ $# -le 2 ] || die "--status takes one SWEEP_DIR"
	d=${2:-$TOP/results/sweeps/latest}
	[ -d "$d" ] || die "$d: no such sweep folder"
	status "$(cd "$d" && pwd -P)"
	exit ;;
esac
while [ $# -gt 0 ]; do
	case $1 in
	--mode) [ $# -ge 2 ] || die "--mode needs local or slurm"; mode=$2; shift 2 ;;
	--profile) [ $# -ge 2 ] || die "--profile needs a NAME"; profile=$2; shift 2 ;;
	--results) [ $# -ge 2 ] || die "--results needs a DIR"; results=$2; shift 2 ;;
	--units) [ $# -ge 2 ] || die "--units needs a list of units"; units=$2; shift 2 ;;
	--force) force=1; shift ;;
	--inject-refused-unit)
		[ "${HOGLAB_TEST_FAULTS:-}" = 1 ] || die "--inject-refused-unit is for tests only: set HOGLAB_TEST_FAULTS=1 to allow it"
		inject=1; shift ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || die "$([ $# -eq 0 ] && echo "no DEFINITION given" || echo "one DEFINITION only") (see --help)"
case $mode in local | slurm) ;; *) die "--mode '$mode': local or slurm" ;; esac
def=$(realpath -e "$1" 2>/dev/null) || die "definition $1: no such file"
for b in lab labmerge sweepmerge engine cpu_hog; do [ -x "$TOP/build/bin/$b" ] || die "build/bin/$b is missing (make all)"; done
[ "$mode" = local ] || for c in sbatch squeue; do
	command -v "$c" >/dev/null || die "--mode slurm: $c is missing (slurm-client; make deps installs it)"
done
mkdir -p "$results" && results=$(cd "$results" && pwd) || die "cannot create $results"
dir=$(plan "$def" "$profile" "$results" "$units" "$mode" "$inject") || exit 2
[ "$force" = 0 ] || echo "force=1" >>"$dir/sweep.conf"
n=$(($(wc -l <"$dir/units.csv") - 1))

if [ "$mode" = local ]; then
	rc=0 t0=$(date +%s)
	for ((i = 0; i < n; i++)); do
		echo "sweep: unit $((i + 1))/$n: $(unit_get "$dir" "$i" 2) ($(($(date +%s) - t0)) s elapsed)" >&2
		task_run "$dir" "$i" >"$dir/tasks/$i.log" 2>&1 || { rc=1; tail -1 "$dir/tasks/$i.log" | sed 's/^/sweep: /' >&2; }
	done
	merge "$dir" >"$dir/merge.log" || rc=$(($? > rc ? $? : rc))
	echo "sweep: $n units in $(($(date +%s) - t0)) s; $dir/REPORT.md" >&2
	exit "$rc"
fi

# Slurm: the array (a whole node per task), then the merge once every task ended in any state.
printf '#!/bin/sh\n# One unit of the sweep: its number is the array task id.\nexec %q --task %q "$SLURM_ARRAY_TASK_ID"\n' \
	"$TOP/ci/sweep.sh" "$dir" >"$dir/task.sbatch"
printf '#!/bin/sh\n# The sweep'"'"'s merge, once every task of the array ended.\nexec %q --merge %q\n' \
	"$TOP/ci/sweep.sh" "$dir" >"$dir/merge.sbatch"
id=$(conf_get "$dir" id)
# shellcheck disable=SC2086 # SWEEP_SBATCH_FLAGS is a list of words
job=$(sbatch --parsable --array=0-$((n - 1)) --exclusive --job-name="hoglab-sweep-$id" --chdir="$TOP" \
	--output="$dir/tasks/%a.log" ${SWEEP_SBATCH_FLAGS:-} "$dir/task.sbatch") || die "sbatch of the array failed"
job=${job%%;*}
echo "array_job=$job" >>"$dir/sweep.conf"
# shellcheck disable=SC2086
mjob=$(sbatch --parsable --dependency="afterany:$job" --job-name="hoglab-merge-$id" --chdir="$TOP" \
	--output="$dir/merge.log" ${SWEEP_SBATCH_FLAGS:-} "$dir/merge.sbatch") || {
	scancel "$job"
	die "sbatch of the merge job failed (the array $job is cancelled)"
}
mjob=${mjob%%;*}
echo "merge_job=$mjob" >>"$dir/sweep.conf"
echo "sweep: $n units as Slurm array job $job, merge job $mjob; progress: make sweep-status (ci/sweep.sh --status $dir)" >&2
echo "$dir"
