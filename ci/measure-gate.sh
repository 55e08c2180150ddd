#!/usr/bin/env bash
# ci/measure-gate.sh: the scheduler gate's measured false-alarm and detection rates (ci/REGRESS.md).
# On a snapshot of the tree (build/bin, ci, plots, experiments, the baseline and rootfs/base
# copied to a temp dir, so edits during the loops change nothing), RUNS honest gate runs of the
# whole of experiments/regress.conf, then RUNS gate runs of its 0-vs-15 pair alone with b-nice15
# started one nice step off (nice 16; HOGLAB_TEST_FAULTS=1). Writes experiments/noise/KIND-gate.csv
# (kind honest|inject, i, exit, the gate's summary line, its FAIL and flaky lines) and .meta
# (provenance, counts, the load). A gate run takes 30..60 s on an idle machine here, minutes at
# load 10. Run as root from the tree, after `make && make rootfs` and `make baseline`.
# Usage: ci/measure-gate.sh [--kind K] [--runs N] [--only honest|inject]
set -eu
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/.." && pwd)
kind=c runs=20 only=
die() { printf 'measure-gate: %s\n' "$*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--kind) [ $# -ge 2 ] || die "--kind needs a value"; kind=$2; shift 2 ;;
	--runs) [ $# -ge 2 ] || die "--runs needs a value"; case $2 in '' | *[!0-9]* | 0) die "--runs: not a count: $2" ;; esac
		runs=$2; shift 2 ;;
	--only) [ $# -ge 2 ] || die "--only needs honest or inject"; case $2 in honest | inject) only=$2 ;; *) die "--only: honest or inject, not $2" ;; esac
		shift 2 ;;
	-h | --help) sed -n '2,10p' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
cd "$TOP"
for f in build/bin/lab build/bin/regress-gate results/baseline/cfs-quick.csv rootfs/base; do
	[ -e "$f" ] || die "$f missing (make && make rootfs && make baseline)"
done
# The revision of the snapshot, taken now: commits made while the loops run change nothing in it.
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo -dirty)
S=$(mktemp -d /tmp/hoglab-gate.XXXXXX)
trap 'rm -rf "$S"' EXIT
mkdir -p "$S/build" "$S/results" "$S/rootfs" "$S/logs"
cp -a build/bin "$S/build/"
cp -a ci plots experiments "$S/"
cp -a results/baseline "$S/results/"
cp -a rootfs/base "$S/rootfs/"
# The pair alone: the same keys as regress.conf's, every other case off (they cannot change its verdict).
sed -e '/^\[\(mix\|weights\)\]/a enabled = 0' -e 's/^nice = 5 10 15$/nice = 15/' \
	experiments/regress.conf >"$S/experiments/regress-0vs15.conf"
out=experiments/noise/$kind-gate.csv
rows=$S/rows.csv
echo "kind,i,exit,load1,summary,fails" >"$rows"
loadlog=$S/load.log
(while sleep 60; do echo "$(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >>"$loadlog"; done) &
sampler=$!
trap 'kill "$sampler" 2>/dev/null; rm -rf "$S"' EXIT
one() { # KIND I CMD...
	local k=$1 i=$2 rc=0 log=$S/logs/$1-$2.log
	shift 2
	"$@" >"$log" 2>&1 || rc=$?
	printf '%s,%s,%s,%s,%s,%s\n' "$k" "$i" "$rc" "$(cut -d' ' -f1 /proc/loadavg)" \
		"$(grep -m1 '^regress-gate: [0-9]* passed' "$log" | tr ',' ';')" \
		"$(grep '^FAIL \|^flaky ' "$log" | tr -s ' ' | tr ',\n' '; ' | cut -c1-400)" >>"$rows"
	printf 'measure-gate: %s %s/%s: exit %s, %s\n' "$k" "$i" "$runs" "$rc" "$(grep -m1 '^regress-gate: [0-9]* passed' "$log" || echo 'no summary')" >&2
	cp "$rows" "$out"
}
for i in $(seq 1 "$runs"); do
	[ "$only" = inject ] && break
	one honest "$i" timeout 900 "$S"/ci/regress-sched --results "$S/honest" --history "$S/honest/history.csv"
done
for i in $(seq 1 "$runs"); do
	[ "$only" = honest ] && break
	one inject "$i" env HOGLAB_TEST_FAULTS=1 timeout 900 "$S"/ci/regress-sched \
		--definition "$S/experiments/regress-0vs15.conf" --results "$S/inject" --no-history \
		--inject-nice-step pairs/0-vs-15:b-nice15:+1
done
{
	echo "what=the scheduler gate (ci/regress-sched) on a snapshot of the tree: honest runs of experiments/regress.conf, and its 0-vs-15 pair alone with b-nice15 at nice 16 (injected)"
	echo "date=$(date -Iseconds)"
	echo "kernel=$(uname -sr)"
	echo "git_revision=$rev"
	echo "command=ci/measure-gate.sh --kind $kind --runs $runs${only:+ --only $only}"
	echo "noise=experiments/noise/$kind.csv sha256 $(sha256sum "experiments/noise/$kind.csv" | cut -d' ' -f1)"
	echo "baseline=results/baseline/cfs-quick.csv sha256 $(sha256sum results/baseline/cfs-quick.csv | cut -d' ' -f1)"
	awk -F, 'NR > 1 { n[$1]++; if ($3 == 0 && $5 !~ / [1-9][0-9]* flaky/) clean[$1]++; if ($3 == 0 && $5 ~ / [1-9][0-9]* flaky/) flaky[$1]++; if ($3 == 1) failed[$1]++; if ($3 != 0 && $3 != 1) other[$1]++ }
		END { for (k in n) printf "result_%s=%d runs: %d passed clean, %d passed flaky, %d failed, %d other exits\n", k, n[k], clean[k], flaky[k], failed[k], other[k] }' "$rows"
	echo "# load average (1, 5, 15 min) every 60 s:"
	sed 's/^/loadavg /' "$loadlog" 2>/dev/null || :
} >"${out%.csv}.meta"
cat "${out%.csv}.meta" | grep '^result' >&2
