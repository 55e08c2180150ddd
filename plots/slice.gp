# Custom slices (Linux 6.12+): the sleeper's run-queue delay per wake-up (p50, p99, max; its own
# schedstat, 95% CI of p50 and p99; a delay below 1 µs drawn at 1) and its share of the CPU against a nice-0 hog, per --slice-us.
load "plots/style.gp"
set title sprintf("A sleeper at each custom slice (--slice-us) against a nice-0 hog on one CPU (%s)", sched)
set xlabel "the sleeper's slice (µs, log scale)"
set ylabel "run-queue delay per wake-up (µs, log scale)"
set y2label "the sleeper's share of the CPU (%)"
set logscale x
set logscale y
set yrange [1:*]
set y2range [0:60]
set y2tics
set ytics nomirror
set xrange [50:30000]
set key top left
d(m) = is("slice", m, 0) ? column("param") : NaN
v(x) = x > 1 ? x : 1
plot sum using (d("delay_p50")):(v(column("mean"))):(column("ci95")) with yerrorbars ls 1 title "delay p50 (95% CI)", \
     sum using (d("delay_p99")):(v(column("mean"))):(column("ci95")) with yerrorbars ls 2 title "delay p99 (95% CI)", \
     sum using (d("delay_max")):(v(column("mean"))) with points ls 3 title "delay max", \
     sum using (d("share")):"mean":"ci95" axes x1y2 with yerrorbars ls 4 lc rgb "#9467bd" title "share (%, right axis)"
