# The scheduler gate's history (ci/REGRESS.md): each share claim's distance from its reference in
# units of its tolerance, gate run after gate run (x: the history's seq), so a slow drift across
# many commits shows before it crosses +-1 and fails. Data: `data` (the gate's history.csv, one
# row per claim per gate run, appended by build/bin/regress-gate); one colour per case.
load "plots/style.gp"
set title "Scheduler gate: every share claim against its noise-derived tolerance, run after run"
set xlabel "gate run (seq in history.csv; its run folder and git revision are in the same row)"
set ylabel "(measured - reference) / tolerance"
set yrange [-2.5:2.5]
set ytics 0.5
set key outside right top
set style line 5 lc rgb "#9467bd" lw 2 pt 13 ps 1.0
set style line 6 lc rgb "#8c564b" lw 2 pt 11 ps 1.0
z(c) = strcol("case") eq c ? (column("measured") - column("reference")) / column("tolerance") : NaN
plot data using "seq":(z("pairs/0-vs-5")) with points ls 1 title "pairs/0-vs-5", \
     data using "seq":(z("pairs/0-vs-10")) with points ls 2 title "pairs/0-vs-10", \
     data using "seq":(z("pairs/0-vs-15")) with points ls 3 title "pairs/0-vs-15", \
     data using "seq":(z("weights/400-vs-100")) with points ls 5 title "weights/400-vs-100", \
     data using "seq":(z("mix/mix")) with points ls 6 title "mix (7 containers)", \
     1 with lines ls 4 title "a claim fails beyond +-1", -1 with lines ls 4 notitle
