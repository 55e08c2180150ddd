# CPU-share timeline of one pair (the demo run, `run` passed by the caller): each container's
# CPU use per sample interval as a percentage of one CPU, from timeline.csv (t_s,pct; block 0 and block 1,
# each with its header line).
load "plots/style.gp"
set title sprintf("CPU use over time of the demo pair (run %d, 200 ms intervals)", run)
set xlabel "time since the run started (s)"
set ylabel "CPU used in each 200 ms interval (% of one CPU)"
set yrange [0:119]
set key top center horizontal
tl = dir."/timeline.csv"
plot tl index 0 using "t_s":"pct" with lines ls 1 title "cn-normal (nice 0)", \
     tl index 1 using "t_s":"pct" with lines ls 2 title "cn-nice"
