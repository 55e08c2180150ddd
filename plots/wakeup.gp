# Wake-up latency: cumulative distribution of the sleeper's run-queue delay per case, from the
# delay source `src` (perf or schedstat). The caller passes cases='sleeper-nice0 ...' and src.
load "plots/style.gp"
# kernel='6.12 (EEVDF)' names the kernel in the title where the caller passes it.
set title sprintf("Run-queue delay of a sleeper sharing one CPU with a nice-0 cpu\\_hog (source: %s)%s", src, \
                  exists("kernel") ? "\n".kernel : "")
set xlabel "run-queue delay per wake-up (µs, log scale; below 1 µs drawn at 1)"
set ylabel "fraction of wake-ups with at most this delay"
set logscale x
set xrange [1:*]
set yrange [0:1.02]
set key bottom right
# wakeup_cdf.csv: each case's delays pooled over its repetitions, ascending, with the fraction of
# that case's wake-ups at or below each (written by the lab), so every curve ends at 1.
wk = dir."/wakeup_cdf.csv"
plot for [i = 1:words(cases)] wk using (strcol("case") eq word(cases, i) && strcol("source") eq src ? \
                                        (column("delay_us") > 1 ? column("delay_us") : 1) : NaN):"fraction" \
     with steps ls i title word(cases, i)
