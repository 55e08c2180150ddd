# Pairs: CPU share of each container against the nice of the second, with the weight-table theory.
load "plots/style.gp"
set title "Two cpu\\_hog containers on one CPU: nice 0 against nice N"
set xlabel "nice of the second container"
set ylabel "share of the CPU while both ran: its rate (%)"
set xrange [-1:20]
set yrange [0:100]
set samples 20
set key right center
plot sum using (is("pairs","share",0) ? column("param") : NaN):"mean":"ci95" with yerrorbars ls 1 title "nice 0 container, measured (95% CI)", \
     sum using (is("pairs","share",1) ? column("param") : NaN):"mean":"ci95" with yerrorbars ls 2 title "nice N container, measured (95% CI)", \
     nice_theory using (column("nice") < 0 ? NaN : column("nice")):"nice0_share" with lines ls 4 lc rgb "#1f77b4" title "theory 1024/(1024+w(N))", \
     nice_theory using (column("nice") < 0 ? NaN : column("nice")):"share" with lines ls 4 lc rgb "#d62728" title "theory w(N)/(1024+w(N))"
