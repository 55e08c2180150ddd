# Soft-limit detection delay: from the runner's crossing of the soft limit to the soft-limit
# event, mean (95% CI) per backend against the sampling period, theory period / 2; log axes.
# Caller sets series = "machine:backend ...".
load "plots/style.gp"
set title "Soft-limit detection delay against the sampling period (theory: period / 2)"
set xlabel "sampling period (ms)"
set ylabel "soft-limit event after the crossing (ms)"
set logscale xy
set xrange [0.7:400]
set yrange [0.1:1000]
set key left top
m(s) = substr(s, 1, strstrt(s, ":") - 1)
b(s) = substr(s, strstrt(s, ":") + 1, strlen(s))
sel(s) = strcol("experiment") eq "overshoot" && strcol("machine") eq m(s) && strcol("backend") eq b(s) && strcol("metric") eq "soft_delay"
array C[4] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
plot for [i = 1:words(series)] sum using (sel(word(series, i)) && column("mean") > 0 ? column("period_ms") * (0.94 + 0.04 * i) : NaN):"mean":"ci95" \
         with yerrorbars pt 7 ps 1.2 lc rgb C[i] title word(series, i)." (all rates)", \
     [1:250] x / 2 with lines ls 4 title "theory: period / 2"
