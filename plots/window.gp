# The pairs' window-length experiment: the niced container's excess share over theory against the
# window (ms of the pair's CPU), measured through the lab and by the reference burner pair, with
# the fitted model c / T of each. Data: `data` (noisestat window output, experiments/noise/KIND-window.csv).
load "plots/style.gp"
set title "Excess share of the niced container over the weight table, against the window"
set xlabel "window T (ms of the pair's CPU)"
set ylabel "measured share - theory (pp)"
set logscale x
set xrange [150:30000]
set key top right
set yrange [-0.6:1.4]
set samples 200
src(s, n) = strcol("source") eq s && int(column("nice")) == n
# The fitted c of a group, read from its rows (every row carries its group's fit).
c15 = 0; c19 = 0; b15 = 0
stats data using (src("lab", 15) ? c15 = column("c_ms") : 0) nooutput
stats data using (src("lab", 19) ? c19 = column("c_ms") : 0) nooutput
stats data using (src("burnpair-staggered", 15) ? b15 = column("c_ms") : 0) nooutput
plot data using (src("lab", 15) ? column("T_ms") : NaN):"excess_pp":"ci95" with yerrorbars ls 2 title "lab, 0 vs 15 (mean, 95% CI)", \
     data using (src("lab", 19) ? column("T_ms") : NaN):"excess_pp":"ci95" with yerrorbars ls 1 title "lab, 0 vs 19", \
     data using (src("burnpair-staggered", 15) ? column("T_ms") * 1.03 : NaN):"excess_pp":"ci95" with yerrorbars ls 3 title "burner pair, 0 vs 15", \
     100 * c15 / x with lines ls 2 dt 2 title sprintf("fit 0 vs 15: c = %.2f ms / T", c15), \
     100 * c19 / x with lines ls 1 dt 2 title sprintf("fit 0 vs 19: c = %.2f ms / T", c19), \
     100 * b15 / x with lines ls 3 dt 3 title sprintf("fit burner pair: c = %.2f ms / T", b15), \
     0 with lines ls 4 notitle
