# Bench 3: start latency of each idle container as the number of containers grows.
# Data: dir/scale.csv (n,start_ms).
load "plots/style.gp"
set title "engine start latency as idle containers accumulate"
set ylabel "engine start, CLI to printed PID (ms)"
set xlabel "containers already running + 1"
set yrange [0:*]
set key top left
plot dir."/scale.csv" using "n":"start_ms" with points ls 1 ps 0.6 title "one start"
