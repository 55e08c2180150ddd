#!/usr/bin/env bash
# Integration test of the labs' run folders on awkward paths: lab (direct, then through its
# private supervisor) and memlab run a one-case definition whose path, and whose results folder,
# hold a space and both quotes; each must leave its files, the definition copy and the latest
# link there, and remove its private temp dir. Quick: about 5 s.
. "$(dirname "$0")/../lib.sh"
need_root "experiment paths" || finish
[ -x "$BIN/lab" ] && [ -x "$BIN/memlab" ] && [ -x "$BIN/engine" ] ||
	{ skip "experiment paths" "build/bin/lab, memlab or engine not built"; finish; }
[ -x "$TOP/rootfs/base/cpu_hog" ] && [ -x "$TOP/rootfs/base/memory_hog" ] ||
	{ skip "experiment paths" "rootfs/base has no workloads (make rootfs)"; finish; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir="$tmp/it's a \"dir\""
mkdir -p "$dir"
def="$dir/cfs 'one' \"case\".conf"
cat >"$def" <<DEF
rootfs = $TOP/rootfs/base
[pairs]
nice = 5
work_ms = 100
repetitions = 1
[mix]
enabled = 0
[weights]
enabled = 0
[autogroup]
enabled = 0
[demo]
enabled = 0
[wakeup]
enabled = 0
DEF
res="$dir/results 'cfs'"

# The run folder a lab leaves: its files, the definition byte for byte, latest pointing at it.
run_folder_checks() {
	local what=$1 run=$2 def=$3 link
	shift 3
	for f in "$@" meta definition.conf; do
		check "$what: run folder has $f" test -s "$run/$f"
	done
	check "$what: definition.conf is the definition" cmp "$def" "$run/definition.conf"
	link=$(readlink "$run")
	check "$what: latest is a relative link to the run folder ($link)" test -n "$link" -a "${link#/}" = "$link" -a -d "$run"
}

if timeout 120 "$BIN/lab" --direct --results "$res" "$def" 2>"$tmp/err"; then
	ok "lab --direct runs into a results folder with a space and quotes"
else
	fail "lab --direct runs into a results folder with a space and quotes" "$(tail -3 "$tmp/err")"
fi
run_folder_checks "lab --direct" "$res/latest" "$def" samples.csv runs.csv summary.csv
first=$(readlink "$res/latest")
sleep 1 # run ids have one-second resolution
if timeout 120 "$BIN/lab" --results "$res" "$def" 2>"$tmp/err"; then
	ok "lab through its private supervisor runs into the same folder"
else
	fail "lab through its private supervisor runs into the same folder" "$(tail -3 "$tmp/err")"
fi
run_folder_checks "lab" "$res/latest" "$def" samples.csv runs.csv summary.csv
check "lab: latest moved to the second run ($first -> $(readlink "$res/latest"))" \
	test "$(readlink "$res/latest")" != "$first" -a -d "$res/$first"
# The private supervisor's socket sat in the lab's temp dir: the meta names it.
sock=$(sed -n 's/^launcher=//p' "$res/latest/meta")
check "lab: its private temp dir ${sock%/engine.sock} is removed" \
	test -n "$sock" -a "${sock%/engine.sock}" != "$sock" -a ! -e "${sock%/engine.sock}"

mdef="$dir/mem \"limits\" 'x'.conf"
cat >"$mdef" <<DEF
sample_ms = 1
rootfs = $TOP/rootfs/base
[memdemo]
backends = proc
period_ms = 50
rate = 40
soft_mib = 10
hard_mib = 20
[overshoot]
enabled = 0
[moncost]
enabled = 0
DEF
mres="$dir/results \"mem\""
before=$(ls -d /tmp/hoglab-memlab.* 2>/dev/null | sort)
if timeout 120 "$BIN/memlab" --profile quick --results "$mres" "$mdef" 2>"$tmp/err"; then
	ok "memlab runs into a results folder with a space and quotes"
else
	fail "memlab runs into a results folder with a space and quotes" "$(tail -3 "$tmp/err")"
fi
run_folder_checks "memlab" "$mres/latest" "$mdef" samples.csv runs.csv cost.csv summary.csv
id=$(readlink "$mres/latest")
check "memlab: the run id ends in its profile ($id)" test -n "$id" -a "${id%-quick}" != "$id"
# Another lab may run beside this test: only a dir that was not there before counts.
left=$(comm -13 <(printf '%s\n' "$before") <(ls -d /tmp/hoglab-memlab.* 2>/dev/null | sort) | tr '\n' ' ')
check "memlab: no private temp dir left behind (${left:-none})" test -z "${left// /}"
finish
