# Autogroup: share of the niced container when started by the engine and when each container
# sits in a session (autogroup) of its own, beside the nice-weight theory.
load "plots/style.gp"
set title "Autogroup: nice 0 against nice N, engine vs. one session per container"
set xlabel "nice of the second container"
set ylabel "share of the niced container (%)"
set yrange [0:60]
set xrange [-1:20]
set key right center
set samples 20
plot sum using (is("autogroup","share",1) && strstrt(strcol("case"), "engine") == 1 ? column("param") - 0.3 : NaN):"mean":"ci95" with yerrorbars ls 1 title "through the engine (95% CI)", \
     sum using (is("autogroup","share",1) && strstrt(strcol("case"), "sessions") == 1 ? column("param") + 0.3 : NaN):"mean":"ci95" with yerrorbars ls 2 title "own session each, naive runtime (95% CI)", \
     nice_theory using (column("nice") < 0 ? NaN : column("nice")):"share" with lines ls 4 title "nice theory w(N)/(1024+w(N))", \
     50 with lines ls 4 lc rgb "#2ca02c" title "equal groups: 50%"
