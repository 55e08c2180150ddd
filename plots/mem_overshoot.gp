# Overshoot sweep: mean RSS at the kill above the hard limit (95% CI) against the sampling
# period, per sampling backend and allocation rate, with theory rate x period / 2 (the measured
# rate) as lines; log axes. Caller sets series = "machine:backend ...", rates = "50 200 800" and
# theory = a file of blocks with the header "period_ms,theory" (MiB), one per (series, rate) in that order
# (two blank lines apart).
load "plots/style.gp"
set title "Overshoot past the hard limit against the sampling period (theory: rate x period / 2)"
set xlabel "sampling period (ms)"
set ylabel "RSS at kill minus hard limit (MiB)"
set logscale xy
set xrange [0.7:400]
set yrange [0.01:1000]
set key left top font ",10"
set label "cgroup: the kernel's exact limit, overshoot <= 0 (not on log axes; see the tables)" at graph 0.98, graph 0.04 right font ",10" tc rgb "#555555"
m(s) = substr(s, 1, strstrt(s, ":") - 1)
b(s) = substr(s, strstrt(s, ":") + 1, strlen(s))
sel(s, r) = strcol("experiment") eq "overshoot" && strcol("machine") eq m(s) && strcol("backend") eq b(s) && \
            int(column("rate")) == r && strcol("metric") eq "overshoot"
array C[3] = ["#1f77b4", "#2ca02c", "#d62728"]
array P[4] = [7, 5, 9, 11]
plot for [i = 1:words(series)] for [j = 1:words(rates)] sum using (sel(word(series, i), int(word(rates, j))) && column("mean") > 0 ? column("period_ms") : NaN):"mean":"ci95" \
         with yerrorbars pt P[i] ps 1.3 lc rgb C[j] title sprintf("%s %s MiB/s", word(series, i), word(rates, j)), \
     for [i = 1:words(series)] for [j = 1:words(rates)] theory index ((i - 1) * words(rates) + j - 1) using "period_ms":"theory" \
         with lines dt 2 lw 1.5 lc rgb C[j] title (i == 1 ? sprintf("theory %s MiB/s (measured rate)", word(rates, j)) : "")
