# The window-length experiment: the niced container's excess share over the weight table
# against the window T (ms of the pair's CPU while both ran), per nice, with the fitted model
# c / T and one turn / T (the model's bound: the longer of the base slice and the tick) beside it. Data: the run's window.csv
# (experiments/labwindow.c); `nices` (e.g. '15 19') names the nices to draw, from the caller.
# Optional `ref`: a `noisestat window` CSV whose burnpair-staggered rows are drawn as the
# reference outside the engine (ci/measure-bias.sh).
load "plots/style.gp"
win = dir."/window.csv"
set title "Excess share of the niced container over the weight table, against the window"
set xlabel "window T (ms of the pair's CPU while both ran)"
set ylabel "measured share - theory (pp)"
set logscale x
set key top right
set samples 200
N = words(nices)
array C[N]
slice = 0
do for [i = 1:N] {
	C[i] = 0
	stats win using (int(column("nice")) == int(word(nices, i)) ? (C[i] = column("c_ms"), slice = column("slice_ms"), 0) : 0) nooutput
}
stats win using "T_ms" nooutput
set xrange [STATS_min / 1.6 : STATS_max * 1.6]
is_nice(i) = int(column("nice")) == int(word(nices, i))
plot for [i = 1:N] win using (is_nice(i) ? column("T_ms") * (1 + 0.04 * (i - 1)) : NaN):"excess_pp":"ci95" \
         with yerrorbars ls i title sprintf("0 vs %s: mean, 95%% CI", word(nices, i)), \
     for [i = 1:N] 100 * C[i] / x with lines ls i dt 2 title sprintf("fit 0 vs %s: c = %.2f ms / T", word(nices, i), C[i]), \
     (slice > 0 ? 100 * slice / x : NaN) with lines ls 4 dt 3 title sprintf("bound: one turn (%.2f ms) / T", slice), \
     (exists("ref") ? ref : win) using (exists("ref") && strcol("source") eq "burnpair-staggered" ? column("T_ms") * 0.96 : NaN):"excess_pp":"ci95" \
         with yerrorbars ls 3 title (exists("ref") ? "burner pair outside the engine" : ""), \
     0 with lines ls 4 notitle
