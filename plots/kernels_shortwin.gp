# Kernels side by side: the p95 of the niced task's |share - theory| in a nice 0 / nice N pair
# over windows of 1, 2, 4, ... ticks (shortwin.csv of a merged folder), one series per kernel's
# run, with each kernel's expected bound 100 lag / T (dashed; EEVDF: a base slice, at least a
# tick; CFS: its period). The caller passes names='host 6.1 6.12' and nruns.
load "plots/style.gp"
f = dir."/shortwin.csv"
set title "Short-window share error (p95) of a nice 0 / nice N pair, per kernel"
set xlabel "window (scheduler ticks of each kernel, log scale)"
set ylabel "p95 of |share - theory| of the niced task (pp, log scale)"
set logscale xy 2
set xrange [0.7:*]
set yrange [0.05:128]
set ytics ("0.1" 0.1, "1" 1, "10" 10, "100" 100)
set key bottom left
w(r) = strcol("run") eq r
plot for [i=1:nruns] f using (w(word(names, i)) ? column("ticks") : NaN):"err_p95" with linespoints ls i title word(names, i)." p95", \
     for [i=1:nruns] f using (w(word(names, i)) ? column("ticks") : NaN):"bound_pp" with lines ls i dt 2 lw 1 title word(names, i)." bound"
