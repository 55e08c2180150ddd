# Pairs: completion time of each container relative to the first to end, against theory.
load "plots/style.gp"
set title "Completion times of the pairs (equal CPU work each)"
set xlabel "nice of the second container"
set ylabel "completion time / completion time of the first to end"
set xrange [-1:20]
set yrange [0.8:2.2]
set key right bottom
plot sum using (is("pairs","wall_ratio",1) ? $3 : NaN):12:13 with yerrorbars ls 2 title "nice N container, measured (95% CI)", \
     [0:19:1] 2.0*1024/(1024+weight(x)) with lines ls 4 title "theory 2 w_0 / (w_0 + w_N)"
