# Memory demo: one container's RSS over time (the runner's own 1 ms statm samples) with its soft
# and hard limits, the soft-limit event and the kill. Caller sets run, machine, backend, period,
# soft, hard (MiB), st, sr (soft event: s, MiB), kt, kr (kill event: s, MiB; NaN if none).
load "plots/style.gp"
set title sprintf("memory\\_hog at %s MiB/s, soft %d MiB, hard %d MiB: %s backend, %d ms period (%s)", rate, soft, hard, backend, period, machine)
set xlabel "time since the container started (s)"
set ylabel "RSS (MiB)"
set yrange [0:hard * 1.3]
set key left top
set arrow from graph 0, first soft to graph 1, first soft nohead ls 4 lc rgb "#ff7f0e"
set arrow from graph 0, first hard to graph 1, first hard nohead ls 4 lc rgb "#d62728"
set label sprintf("soft %d MiB", soft) at graph 0.01, first soft offset 0, 0.7 tc rgb "#ff7f0e"
set label sprintf("hard %d MiB", hard) at graph 0.01, first hard offset 0, 0.7 tc rgb "#d62728"
plot dir."/samples.csv" using (strcol("machine") eq machine && int(column("run")) == run ? column("t_ms") / 1000 : NaN):(column("rss_kib") / 1024) with lines ls 1 title "RSS (runner, statm every 1 ms)", \
     "+" using (st):(sr) every ::0::0 with points pt 9 ps 2.5 lc rgb "#ff7f0e" title "soft-limit event (RSS the monitor saw)", \
     "+" using (kt):(kr) every ::0::0 with points pt 2 ps 3 lw 3 lc rgb "#d62728" title "kill (RSS at kill)"
