# Kernels side by side: the wake-up delay of a periodic sleeper against a nice-0 hog on one CPU,
# p50 (hollow) and p99 (filled) with their distribution-free 95% CIs, per sleeper nice, one
# series per kernel's run (summary.csv of a merged folder). The caller passes names='host 6.1
# 6.12' and nruns. Under qemu-tcg the absolute delays are the emulator's: compare the guests
# with each other, not with the host.
load "plots/style.gp"
f = dir."/summary.csv"
set title "Run-queue delay of a sleeper against a nice-0 hog, per nice and kernel (95% CI)\nunder qemu-tcg the delays are the emulator's: compare the guests with each other, not with the host"
set xlabel "the sleeper's nice"
set ylabel "delay per wake-up (µs, log scale; below 1 µs drawn at 1)"
set logscale y
set yrange [1:*]
set offsets 1.5, 1.5, 0, 0
set key outside right top
w(r, m) = strcol("run") eq r && strcol("experiment") eq "wakeup" && strcol("metric") eq m
v(x) = x > 1 ? x : 1
off(i) = (i - (nruns + 1) / 2.0) * 0.6
plot for [i=1:nruns] f using (w(word(names, i), "delay_p99") ? column("param") + off(i) : NaN):(v(column("mean"))):(column("ci95")) \
         with yerrorbars ls i pt 7 title word(names, i)." p99", \
     for [i=1:nruns] f using (w(word(names, i), "delay_p50") ? column("param") + off(i) : NaN):(v(column("mean"))):(column("ci95")) \
         with yerrorbars ls i pt 6 title word(names, i)." p50"
