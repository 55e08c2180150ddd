# Bench 1: median time from start to collected exit of /bin/true per tool, with min..max.
# Data: dir/startup.csv (hyperfine CSV: command,mean,stddev,median,user,system,min,max; seconds).
# The caller passes dir, fmt and out.
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
ms(c) = column(c) * 1000
plot dir."/startup.csv" using 0:(ms("median")):xtic(strcol("command")) with boxes ls 1 title "median", \
     ""                 using 0:(ms("median")):(ms("min")):(ms("max")) with yerrorbars \
                        lc rgb "#000000" pt -1 title "min .. max", \
     ""                 using 0:(ms("median")):(sprintf("%.1f", ms("median"))) with labels \
                        offset 2.5,0.7 notitle
