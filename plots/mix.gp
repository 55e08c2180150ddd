# Mix: one container per nice value on one CPU, measured share beside w_i / sum(w).
# The caller passes labels='nice0 nice3 ...' (the containers in slot order).
load "plots/style.gp"
set title "Seven containers on one CPU: share against w_i / sum(w)"
set xlabel "container (its nice value)"
set ylabel "share of the CPU while all ran: its rate (%)"
set logscale y
set yrange [0.3:100]
set xrange [-0.6:*]
set boxwidth 0.38
set style fill solid 0.8 border -1
set key top right
set xtics ()
if (exists("labels")) { do for [i = 1:words(labels)] { set xtics add (word(labels, i) i - 1) } }
mix(m) = is("mix", "share", int(column("slot")))
plot sum using (mix(0) ? column("slot") - 0.2 : NaN):"theory" with boxes lc rgb "#aaaaaa" title "theory w_i / sum(w)", \
     sum using (mix(0) ? column("slot") + 0.2 : NaN):"mean" with boxes ls 1 title "measured", \
     sum using (mix(0) ? column("slot") + 0.2 : NaN):"mean":"ci95" with yerrorbars lc rgb "#000000" pt -1 title "95% CI"
