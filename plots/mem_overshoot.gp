# Overshoot sweep: mean RSS at the kill above the hard limit (95% CI) against the sampling
# period, per series (machine, kernel, backend, kmod mode) and allocation rate, with each
# series' theory from summary.csv as open markers: rate x period / 2 at the measured rate for a
# sampler (circles, the rate's colour), half the counters' sync granularity for kmod event mode
# (grey squares: flat). Markers, not lines: rows filtered out as NaN would break a line.
# Log axes. Caller sets sm, sk, sb, so (one word per series: machine, kernel, backend, mode),
# sl (the series' labels, no spaces) and rates = "50 200 800".
load "plots/style.gp"
set title "Overshoot past the hard limit against the sampling period (scan: rate x period / 2; event: flat)"
set xlabel "sampling period (ms)"
set ylabel "RSS at kill minus hard limit (MiB)"
set logscale xy
set xrange [0.7:400]
set yrange [0.01:1000]
set key below font ",8" noenhanced maxcols 3
set label "cgroup: the kernel's exact limit, overshoot <= 0 (not on log axes; see the tables)" at graph 0.98, graph 0.04 right font ",10" tc rgb "#555555"
sel(i, r) = strcol("experiment") eq "overshoot" && strcol("machine") eq word(sm, i) && strcol("kernel") eq word(sk, i) && \
            strcol("backend") eq word(sb, i) && strcol("monitor_mode") eq word(so, i) && int(column("rate")) == r && \
            strcol("metric") eq "overshoot"
ev(i) = word(so, i) eq "event"
# One key entry per event series and one per rate for the samplers' lines.
first_scan(i) = sum [k = 1:i - 1] (ev(k) ? 0 : 1) == 0 && !ev(i)
ts(i, j) = first_scan(i) ? sprintf("theory rate x period / 2, %s MiB/s", word(rates, j)) : ""
te(i) = sprintf("theory %s: half the sync granularity", word(sl, i))
array C[3] = ["#1f77b4", "#2ca02c", "#d62728"]
array P[8] = [7, 5, 9, 11, 13, 4, 6, 8]
plot for [i = 1:words(sb)] for [j = 1:words(rates)] sum using (sel(i, int(word(rates, j))) && column("mean") > 0 ? column("period_ms") : NaN):"mean":"ci95" \
         with yerrorbars pt P[i] ps 1.3 lc rgb C[j] title sprintf("%s %s MiB/s", word(sl, i), word(rates, j)), \
     for [i = 1:words(sb)] for [j = 1:words(rates)] sum using (!ev(i) && sel(i, int(word(rates, j))) ? column("period_ms") : NaN):"theory" \
         with points pt 6 ps 2.2 lw 1.5 lc rgb C[j] title ts(i, j), \
     for [i = 1:words(sb)] sum using (ev(i) && sel(i, int(word(rates, 1))) ? column("period_ms") : NaN):"theory" \
         with points pt 4 ps 2.6 lw 1.5 lc rgb "#555555" title (ev(i) ? te(i) : "")
