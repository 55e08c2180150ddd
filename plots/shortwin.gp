# Short-window fairness: the niced task's |share - theory| of a nice 0 / nice N pair on one CPU over
# consecutive windows of 1, 2, 4, ... scheduler ticks (shortwin.csv, pooled over the runs), with
# the bound the scheduler's source states: 100 lag / T (EEVDF: lag within about a base slice, at
# least a tick; CFS: within its period). The caller passes sched='EEVDF' (meta scheduler).
load "plots/style.gp"
f = dir."/shortwin.csv"
set title sprintf("Share error of a nice 0 / nice N pair over short windows (%s)", sched)
set xlabel "window (scheduler ticks, log scale)"
set ylabel "|share - theory| of the niced task (pp, log scale)"
set logscale xy 2
set xrange [0.7:*]
set yrange [0.01:128]
set ytics ("0.01" 0.01, "0.1" 0.1, "1" 1, "10" 10, "100" 100)
set key top right
plot f using "ticks":"err_max" with linespoints ls 2 title "max", \
     f using "ticks":"err_p95" with linespoints ls 1 title "p95", \
     f using "ticks":"err_mean" with linespoints ls 3 title "mean", \
     f using "ticks":"bound_pp" with lines ls 4 title "expected bound 100 lag / T"
