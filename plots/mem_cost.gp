# Monitor cost: the supervisor's event-loop CPU per sampling tick against the number of idle
# containers it watches, per backend (kmod's scan runs in the kernel and is not counted).
# Caller sets series = "machine:backend ...".
load "plots/style.gp"
set title "Monitor CPU per sampling tick against idle containers watched"
set xlabel "idle containers watched"
set ylabel "supervisor CPU per tick (us)"
set logscale xy
set xrange [0.7:150]
set key left top
m(s) = substr(s, 1, strstrt(s, ":") - 1)
b(s) = substr(s, strstrt(s, ":") + 1, strlen(s))
sel(s) = strcol("experiment") eq "cost" && strcol("machine") eq m(s) && strcol("backend") eq b(s)
array C[4] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
plot for [i = 1:words(series)] sum using (sel(word(series, i)) ? column("containers") : NaN):"mean":"ci95" with yerrorlines pt 7 ps 1.2 lw 2 lc rgb C[i] title word(series, i)
