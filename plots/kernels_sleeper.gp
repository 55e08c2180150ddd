# Kernels side by side: the share a sleeper wanting D % of one CPU got against a nice-0 hog, per
# demand and kernel (95% CI), with the expectations: its demand (CFS's sleeper credit), the
# weight-fair min(D, 50) and the no-credit 100 D / (100 + D) (EEVDF's cover letter: 67/33 at 50).
# The caller passes names='host 6.1 6.12' and nruns (summary.csv of a merged folder).
load "plots/style.gp"
f = dir."/summary.csv"
set title "A sleeper wanting D % of a CPU against a nice-0 hog, per kernel (95% CI)"
set xlabel "the sleeper's demand D (% of one CPU)"
set ylabel "the sleeper's share of the pair's CPU (%)"
set xrange [0:100]
set yrange [0:80]
set key top left
set samples 200
w(r) = strcol("run") eq r && strcol("experiment") eq "sleeper" && strcol("metric") eq "share" && int(column("slot")) == 0
off(i) = (i - (nruns + 1) / 2.0) * 1.5
plot for [i=1:nruns] f using (w(word(names, i)) ? column("param") + off(i) : NaN):"mean":"ci95" with yerrorbars ls i title word(names, i), \
     x with lines ls 4 lc rgb "#2ca02c" title "its demand (CFS sleeper credit)", \
     (x < 50 ? x : 50) with lines ls 4 title "weight-fair min(D, 50)", \
     100 * x / (100 + x) with lines ls 4 lc rgb "#d62728" title "no credit 100 D/(100+D) (EEVDF: 67/33)"
