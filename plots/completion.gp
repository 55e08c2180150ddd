# Pairs: completion time of the niced container relative to the first to end: measured, the
# theory for a CPU of the pair's own (curve) and the theory on the CPU the machine left (open).
load "plots/style.gp"
set title "Completion times of the pairs (equal CPU work each)"
set xlabel "nice of the second container"
set ylabel "completion time / completion time of the first to end (ratio)"
set xrange [-1:20]
set yrange [0.8:2.6]
set samples 20
set key left top
plot sum using (is("pairs","wall_ratio",1) ? column("param") : NaN):"mean":"ci95" with yerrorbars ls 2 title "nice N container, measured (95% CI)", \
     sum using (is("pairs","wall_ratio_avail",1) ? column("param") + 0.3 : NaN):"theory" with points ls 1 pt 6 ps 1.6 title "theory on the CPU the machine left (per-run A1, A2)", \
     nice_theory using (column("nice") < 0 ? NaN : column("nice")):"wall_ratio" with lines ls 4 title "theory for a CPU of its own: 2 w_0 / (w_0 + w_N)"
