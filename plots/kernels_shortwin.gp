# Kernels side by side: over windows of 1, 2, 4, ... ticks (shortwin.csv of a merged folder), the
# p95 of the niced task's CPU off its share of the pair's CPU in a nice 0 / nice N pair (its lag,
# ms), one series per kernel's run with its 95 % CI, and each kernel's lag scale (dashed; EEVDF: a
# base slice, at least a tick; CFS: its period), which the p95 is claimed within from 2 ticks.
# The caller passes names='host 6.1 6.12' and nruns.
load "plots/style.gp"
f = dir."/shortwin.csv"
set title "Short-window lag (p95) of the niced task of a nice 0 / nice N pair, per kernel"
set xlabel "window (scheduler ticks of each kernel, log scale)"
set ylabel "p95 of its CPU off its share of the pair's (ms)"
set logscale x 2
set xrange [0.7:90]
set yrange [0:*]
set offsets 0, 0, graph 0.3, 0
set key top left maxrows 3
w(r) = strcol("run") eq r
plot for [i=1:nruns] f using (w(word(names, i)) ? column("ticks") : NaN):"lag_p95_ms":"lag_p95_lo_ms":"lag_p95_hi_ms" \
         with yerrorlines ls i title word(names, i)." p95 (95% CI)", \
     for [i=1:nruns] f using (w(word(names, i)) ? column("ticks") : NaN):"lag_ms" with lines ls i dt 2 lw 1 title word(names, i)." lag scale"
