# Bench 2: log throughput, the engine's log file against cat writing the same stream to a file.
# Data: dir/logs.csv (run,path,bytes,seconds,gib_per_s,supervisor_cpu_ms,identical).
load "plots/style.gp"
set title "Log throughput: the same byte stream through the engine and through cat"
set ylabel "throughput (GiB/s)"
set xlabel "run"
set yrange [0:*]
set xrange [0.4:3.6]
set xtics 1
set boxwidth 0.35
set style fill solid 0.8 border -1
set key outside right top
plot dir."/logs.csv" using (column("run") - 0.18):(strcol("path") eq "cat" ? column("gib_per_s") : NaN) with boxes lc rgb "#aaaaaa" title "cat", \
     ""              using (column("run") + 0.18):(strcol("path") eq "engine" ? column("gib_per_s") : NaN) with boxes ls 1 title "engine log"
