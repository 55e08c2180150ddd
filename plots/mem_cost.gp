# Monitor cost: the supervisor's event-loop CPU per sampling tick against the number of idle
# containers it watches, per series (kmod's scan runs in the kernel and is not counted).
# Caller sets sm, sk, sb, so, sl as plots/mem_overshoot.gp does.
load "plots/style.gp"
set title "Monitor CPU per sampling tick against idle containers watched"
set xlabel "idle containers watched"
set ylabel "supervisor CPU per tick (us)"
set logscale xy
set xrange [0.7:150]
set key left top noenhanced
sel(i) = strcol("experiment") eq "cost" && strcol("machine") eq word(sm, i) && strcol("kernel") eq word(sk, i) && \
         strcol("backend") eq word(sb, i) && strcol("monitor_mode") eq word(so, i)
array C[8] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
plot for [i = 1:words(sb)] sum using (sel(i) && column("mean") > 0 ? column("containers") : NaN):"mean":"ci95" with yerrorlines pt 7 ps 1.2 lw 2 lc rgb C[i] title word(sl, i)
