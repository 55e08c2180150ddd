#!/usr/bin/env bash
# build/bin/labmerge on synthetic run folders (no root, nothing is run): two hosts merge with every
# row tagged and the columns read by name (a run whose claims.csv has its columns in another order
# merges the same); the cross-run claim agrees within the claims' tolerances in quadrature and
# fails beyond them; runs of different definitions, profiles or revisions are refused with one
# line unless --force; runs on different machines are not compared; bad arguments are one line.
. "$(dirname "$0")/../lib.sh"
LM=$BIN/labmerge
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# mkrun DIR HOST SCHED MACHINE SHARE [REVISION] [PROFILE]: a run folder with one pair claim.
mkrun() {
	local d=$1 s=$5 o
	o=$(awk -v s="$s" 'BEGIN { printf "%.4f", 100 - s }')
	mkdir -p "$d"
	printf 'date=x\nhost=%s\ncpu_model=AMD EPYC\nkernel=Linux 6.%s\nscheduler=%s\ngit_revision=%s\nprofile=%s\n%s' "$2" \
		"$([ "$3" = CFS ] && echo 1.0 || echo 12.0)" "$3" "${6:-abc1234}" "${7:-quick}" \
		"$([ "$4" = host ] || echo "machine=$4")" >"$d/meta"
	printf '[pairs]\nnice = 15\n' >"$d/definition.conf"
	printf 'experiment,case,metric,mean\npairs,0-vs-15,share,%s\n' "$s" >"$d/summary.csv"
	{
		echo "id,experiment,case,container,quantity,measured,ci95,n,theory,reference,tolerance,tolerance_kind,verdict,sentence"
		echo "pairs/0-vs-15/a-nice0/share,pairs,0-vs-15,a-nice0,share,$o,0.1,5,96.6038,96.6038,0.15,noise,true,a"
		echo "pairs/0-vs-15/b-nice15/share,pairs,0-vs-15,b-nice15,share,$s,0.1,5,3.3962,3.3962,0.15,noise,true,b"
	} >"$d/claims.csv"
}
mkrun "$tmp/a" alpha CFS qemu-tcg 3.40
mkrun "$tmp/b" beta EEVDF qemu-tcg 3.50
check "two runs on one machine kind merge" "$LM" "$tmp/m1" "$tmp/a" "$tmp/b"
check "every summary row is tagged with its run, host, kernel, scheduler, machine, CPU model and revision" bash -c '
	grep -qx "run,host,kernel,scheduler,machine,cpu_model,revision,experiment,case,metric,mean" "$1/summary.csv" &&
	grep -qx "a,alpha,6.1.0,CFS,qemu-tcg,AMD EPYC,abc1234,pairs,0-vs-15,share,3.40" "$1/summary.csv" &&
	grep -qx "b,beta,6.12.0,EEVDF,qemu-tcg,AMD EPYC,abc1234,pairs,0-vs-15,share,3.50" "$1/summary.csv"' _ "$tmp/m1"
# 0.10 pp apart, tolerance hypot(0.15, 0.15) = 0.212 pp: they agree.
check "a difference inside the claims' tolerances in quadrature is a true cross-run claim" bash -c '
	grep -q "^a~b,alpha~beta,6.1.0~6.12.0,CFS~EEVDF,qemu-tcg,AMD EPYC,abc1234,across/a~b/pairs/0-vs-15/b-nice15/share,across,0-vs-15,b-nice15,share_diff,0.1,.*,0.212132,.*,true," "$1/claims.csv"' _ "$tmp/m1"
check "shares.csv puts each run's mean side by side" grep -qx "pairs/0-vs-15/b-nice15/share,3.3962,3.40,0.1,3.50,0.1" "$tmp/m1/shares.csv"
check "sources.csv names each run's folder and revision" bash -c 'grep -q "^a,alpha,.*,$2/a,.*abc1234" "$1/sources.csv"' _ "$tmp/m1" "$tmp"

# One nice step: nice 16 gets 2.79 %, 0.61 pp off, beyond 0.212: false, and the tool says how many.
mkrun "$tmp/c" gamma EEVDF qemu-tcg 2.79
out=$("$LM" "$tmp/m2" "$tmp/a" "$tmp/c" 2>&1)
check "a one-step difference is a false cross-run claim" grep -q "across/a~c/pairs/0-vs-15/b-nice15/share,.*,false," "$tmp/m2/claims.csv"
check "the tool counts the false cross-run claims" grep -q "2 cross-run claims false" <<<"$out"

# Another theory on one kernel (a guest without autogroup holds the sessions case at its nice): no
# verdict across, said, and not counted false.
mkrun "$tmp/g" gamma EEVDF qemu-tcg 50.0
sed -i 's/,3\.3962,3\.3962,/,50,50,/' "$tmp/g/claims.csv"
out=$("$LM" "$tmp/m2b" "$tmp/a" "$tmp/g" 2>&1)
check "different theories: b-nice15 no verdict across, said, not counted false; a-nice0 (same theory, 46 pp off) false: $(grep -o "[0-9]* cross-run claims false" <<<"$out")" bash -c '
	grep -q "across/a~g/pairs/0-vs-15/b-nice15/share,.*,no-data,.*held different theories" "$1/claims.csv" &&
	grep -q "across/a~g/pairs/0-vs-15/a-nice0/share,.*,false," "$1/claims.csv" && grep -q "1 cross-run claims false" <<<"$2"' _ "$tmp/m2b" "$out"
# Columns by name: the same claims with the columns in another order merge to the same claims.
mkrun "$tmp/d" delta EEVDF qemu-tcg 3.50
awk -F, -v OFS=, '{ t = $1; $1 = $14; $14 = t } 1' "$tmp/b/claims.csv" >"$tmp/d/claims.csv"
check "claims with their columns in another order merge" "$LM" "$tmp/m3" "$tmp/a" "$tmp/d"
check "columns are taken by name: the same cross-run claim as in the header's order" bash -c '
	grep "^a~d,.*across" "$1/claims.csv" | sed "s/^a~d,alpha~delta/X/; s|across/a~d|Y|; s/ on d / on R /" >"$1/x" &&
	grep "^a~b,.*across" "$2/claims.csv" | sed "s/^a~b,alpha~beta/X/; s|across/a~b|Y|; s/ on b / on R /" >"$1/y" &&
	[ -s "$1/x" ] && cmp -s "$1/x" "$1/y" && grep -qx "d,delta,6.12.0,EEVDF,qemu-tcg,AMD EPYC,abc1234,pairs/0-vs-15/b-nice15/share,pairs,0-vs-15,b-nice15,share,3.50,0.1,5,3.3962,3.3962,0.15,noise,true,b" "$1/claims.csv"' _ "$tmp/m3" "$tmp/m1"
awk -F, -v OFS=, 'NR == 1 { $2 = "experimentX" } 1' "$tmp/b/claims.csv" >"$tmp/d/claims.csv"
out=$("$LM" "$tmp/m3b" "$tmp/a" "$tmp/d" 2>&1)
check "claims with another set of columns are refused as another lab version" bash -c '[ $1 -ne 0 ] && grep -q "different CSV columns" <<<"$2"' _ $? "$out"

mkrun "$tmp/h" host EEVDF host 3.45
check "runs on different machines merge" "$LM" "$tmp/m4" "$tmp/a" "$tmp/h"
check "runs on different machines are not compared" bash -c '! grep -q ",across," "$1/claims.csv" && grep -q "^h,host,.*,host," "$1/summary.csv"' _ "$tmp/m4"

mkrun "$tmp/e" eps EEVDF qemu-tcg 3.40 abc1234 default
printf '[pairs]\nnice = 14\n' >"$tmp/e/definition.conf"
out=$("$LM" "$tmp/m5" "$tmp/a" "$tmp/e" 2>&1)
check "runs of different definitions are refused with one line" bash -c '[ $1 -ne 0 ] && [ $(wc -l <<<"$2") -eq 1 ] && grep -q "different definitions.*--force" <<<"$2" && [ ! -e "$3" ]' _ $? "$out" "$tmp/m5"
check "--force merges different definitions and says so" bash -c '"$1" --force "$2" "$3" "$4" 2>&1 | grep -q "merged anyway"' _ "$LM" "$tmp/m6" "$tmp/a" "$tmp/e"
mkrun "$tmp/f" phi EEVDF qemu-tcg 3.40 def5678
out=$("$LM" "$tmp/m7" "$tmp/a" "$tmp/f" 2>&1)
check "runs of different revisions are refused, naming both" bash -c '[ $1 -ne 0 ] && grep -q "different revisions (abc1234, def5678)" <<<"$2"' _ $? "$out"
mkrun "$tmp/g" gam EEVDF qemu-tcg 3.40 abc1234 default
out=$("$LM" "$tmp/m8" "$tmp/a" "$tmp/g" 2>&1)
check "runs of different profiles are refused" bash -c '[ $1 -ne 0 ] && grep -q "different profiles (quick, default)" <<<"$2"' _ $? "$out"

out=$("$LM" "$tmp/m9" "$tmp/nothere" 2>&1)
check "a folder that is not a run is one line" bash -c '[ $1 -ne 0 ] && [ $(wc -l <<<"$2") -eq 1 ] && grep -q "nothere: no meta" <<<"$2"' _ $? "$out"
out=$("$LM" "$tmp/m9" 2>&1)
check "no run folder: usage error, exit 2" bash -c '[ $1 -eq 2 ] && grep -q "at least one RUN_DIR" <<<"$2"' _ $? "$out"
out=$("$LM" --bogus x y 2>&1)
check "an unknown option: exit 2" test $? -eq 2
check "--help shows the usage" bash -c '"$1" --help | grep -q "^usage: labmerge"' _ "$LM"
finish
