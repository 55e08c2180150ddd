# Wake-up latency: cumulative distribution of the sleeper's run-queue delay per case.
load "plots/style.gp"
set title "Run-queue delay of a sleeper sharing one CPU with a nice-0 cpu\\_hog"
set xlabel "run-queue delay per wake-up (µs)"
set ylabel "fraction of wake-ups with at most this delay"
set logscale x
set yrange [0:1.02]
set key bottom right
wk = dir."/wakeup.csv"
plot for [n in cases] wk using (strcol(2) eq n ? ($4 > 1 ? $4 : 1) : NaN):(1.0) smooth cnormal with lines lw 2 title n
