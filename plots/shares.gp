# Pairs: CPU share of each container against the nice of the second, with the weight-table theory.
load "plots/style.gp"
set title "Two cpu\\_hog containers on one CPU: nice 0 against nice N"
set xlabel "nice of the second container"
set ylabel "share of the CPU during the overlap (%)"
set xrange [-1:20]
set yrange [0:100]
set samples 20
set key right center
plot sum using (is("pairs","share",0) ? $3 : NaN):12:13 with yerrorbars ls 1 title "nice 0 container, measured (95% CI)", \
     sum using (is("pairs","share",1) ? $3 : NaN):12:13 with yerrorbars ls 2 title "nice N container, measured (95% CI)", \
     [0:19:1] 100.0*1024/(1024+weight(x)) with lines ls 4 lc rgb "#1f77b4" title "theory 1024/(1024+w(N))", \
     [0:19:1] 100.0*weight(x)/(1024+weight(x)) with lines ls 4 lc rgb "#d62728" title "theory w(N)/(1024+w(N))"
