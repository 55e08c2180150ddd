# Sleeper fairness: the share a task wanting D % of one CPU (busy D % of each period, asleep the
# rest) got against a nice-0 cpu_hog on the same CPU, per demand, beside each source's expectation:
# its demand (CFS's sleeper credit), the weight-fair share min(D, 50) and the no-credit share
# 100 D / (100 + D) (half the CPU only while runnable; EEVDF's cover letter: 67/33 at D = 50).
# The caller passes sched='EEVDF, 6.18...' (meta scheduler and kernel).
load "plots/style.gp"
set title sprintf("A sleeper wanting D %% of a CPU against a nice-0 hog on that CPU (%s)", sched)
set xlabel "the sleeper's demand D (% of one CPU: busy D % of each period)"
set ylabel "the sleeper's share of the pair's CPU (%)"
set xrange [0:100]
set yrange [0:80]
set key top left
set samples 200
plot sum using (is("sleeper","share",0) ? column("param") : NaN):"mean":"ci95" with yerrorbars ls 1 title "measured (95% CI)", \
     x with lines ls 4 lc rgb "#2ca02c" title "its demand D (CFS sleeper credit)", \
     (x < 50 ? x : 50) with lines ls 4 lc rgb "#7f7f7f" title "weight-fair min(D, 50)", \
     100 * x / (100 + x) with lines ls 4 lc rgb "#d62728" title "no credit for its sleep 100 D/(100+D) (EEVDF: 67/33)"
