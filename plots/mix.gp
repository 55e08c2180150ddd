# Mix: one container per nice value on one CPU, measured share beside w_i / sum(w).
load "plots/style.gp"
set title "Seven containers on one CPU: share against w_i / sum(w)"
set xlabel "container (nice value)"
set ylabel "share of the CPU during the overlap (%)"
set logscale y
set yrange [0.3:100]
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set key top right
plot sum using (is("mix","share",int(column(4))) ? $11 : NaN):(0):xtic(5) ls 4 lc rgb "#aaaaaa" title "theory", \
     sum using (is("mix","share",int(column(4))) ? $12 : NaN):13 ls 1 title "measured (95% CI)"
