# CPU-share timeline of one pair (the demo run, `run` passed by the caller): each container's
# CPU use per sample interval as a percentage of one CPU.
load "plots/style.gp"
set title sprintf("CPU use over time of one pair (run %d)", run)
set xlabel "time since the run started (s)"
set ylabel "CPU used in each sample interval (% of one CPU)"
set yrange [0:110]
set key top center horizontal
smp = dir."/samples.csv"
p0 = NaN; t0 = NaN; p1 = NaN; t1 = NaN
d0(t, c) = (r = (t > t0 && t0 == t0) ? 100.0 * (c - p0) / ((t - t0) * 1e6) : NaN, p0 = c, t0 = t, r)
d1(t, c) = (r = (t > t1 && t1 == t1) ? 100.0 * (c - p1) / ((t - t1) * 1e6) : NaN, p1 = c, t1 = t, r)
plot smp using (int(column(1)) == run && int(column(4)) == 0 ? $2/1000.0 : NaN):(int(column(1)) == run && int(column(4)) == 0 ? d0($2, $5) : NaN) with lines ls 1 title "cn-normal / first container", \
     smp using (int(column(1)) == run && int(column(4)) == 1 ? $2/1000.0 : NaN):(int(column(1)) == run && int(column(4)) == 1 ? d1($2, $5) : NaN) with lines ls 2 title "cn-nice / second container"
