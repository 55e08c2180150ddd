# Soft-limit detection delay: from the runner's crossing of the soft limit to the soft-limit
# event, mean (95% CI) per series against the sampling period, theory period / 2 for a sampler;
# log axes. Caller sets sm, sk, sb, so, sl as plots/mem_overshoot.gp does.
load "plots/style.gp"
set title "Soft-limit detection delay against the sampling period (theory: period / 2)"
set xlabel "sampling period (ms)"
set ylabel "soft-limit event after the crossing (ms)"
set logscale xy
set xrange [0.7:400]
set yrange [0.1:1000]
set key left top font ",10" noenhanced
sel(i) = strcol("experiment") eq "overshoot" && strcol("machine") eq word(sm, i) && strcol("kernel") eq word(sk, i) && \
         strcol("backend") eq word(sb, i) && strcol("monitor_mode") eq word(so, i) && strcol("metric") eq "soft_delay"
array C[8] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
plot for [i = 1:words(sb)] sum using (sel(i) && column("mean") > 0 ? column("period_ms") * (0.94 + 0.03 * i) : NaN):"mean":"ci95" \
         with yerrorbars pt 7 ps 1.2 lc rgb C[i] title word(sl, i)." (all rates)", \
     [1:250] x / 2 with lines ls 4 title "theory: period / 2 (samplers)"
