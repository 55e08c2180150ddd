# Bench 1: median time from start to collected exit of /bin/true per tool, with min..max.
# Data: dir/startup.csv (hyperfine CSV, seconds). The caller passes dir, fmt and out.
load "plots/style.gp"
set title "Start a container running /bin/true and collect its exit"
set ylabel "time per run (ms, log scale)"
set xlabel "tool (PID, UTS and mount namespaces; bare = plain exec)"
set logscale y
set yrange [0.5:*]
set xrange [-0.6:*]
set boxwidth 0.6
set style fill solid 0.8 border -1
set key top left
plot dir."/startup.csv" every ::1 using 0:($4 * 1000):xtic(1) with boxes ls 1 title "median", \
     ""                 every ::1 using 0:($4 * 1000):($7 * 1000):($8 * 1000) with yerrorbars \
                        lc rgb "#000000" pt -1 title "min .. max", \
     ""                 every ::1 using 0:($4 * 1000):(sprintf("%.1f", $4 * 1000)) with labels \
                        offset 2.5,0.7 notitle
