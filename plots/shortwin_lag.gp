# Short-window fairness in CPU time: per window of 1, 2, 4, ... scheduler ticks (shortwin.csv,
# pooled over the runs), the niced task's CPU off its share of the pair's CPU in that window (ms):
# its p95 with the 95 % distribution-free CI, and its max, against the kernel's lag scale (EEVDF:
# a base slice, at least a tick; CFS: its period), which the p95 is claimed within. Unlike the pp
# error it needs no window length or CPU availability to compare. The caller passes sched.
load "plots/style.gp"
f = dir."/shortwin.csv"
set title sprintf("Lag of the niced task of a nice 0 / nice N pair over short windows (%s)", sched)
set xlabel "window (scheduler ticks, log scale)"
set ylabel "CPU off its share of the pair's CPU (ms)"
set logscale x 2
set xrange [0.7:90]
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set key bottom right
plot f using "ticks":"lag_max_ms" with linespoints ls 2 title "max", \
     f using "ticks":"lag_p95_ms":"lag_p95_lo_ms":"lag_p95_hi_ms" with yerrorlines ls 1 title "p95 (95% CI; claimed from 2 ticks)", \
     f using "ticks":"lag_ms" with lines ls 4 title "lag scale of the kernel"
