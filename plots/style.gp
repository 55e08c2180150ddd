# Shared style of the lab's charts: terminal by `fmt` (png or svg), output `out`, fonts, colours.
# Every chart script loads this first; the caller passes -e "dir='RUN'; fmt='png'; out='FILE'".
# Data files open with a header line and columns are read by its names (column("mean")); theory
# comes from the lab's summary.csv and theory.csv (the weight table's pair theory per nice).
if (!exists("fmt")) fmt = "png"
if (fmt eq "svg") { set terminal svg size 960,600 dynamic enhanced font "Sans,13" background "#ffffff" } \
else { set terminal pngcairo size 960,600 enhanced font "Sans,12" background "#ffffff" }
set output out
set datafile separator ","
set datafile missing ""
set datafile columnheaders
set grid ytics lc rgb "#dddddd"
set border 3
set tics nomirror
set key box opaque samplen 2
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 1.2
set style line 2 lc rgb "#d62728" lw 2 pt 5 ps 1.2
set style line 3 lc rgb "#2ca02c" lw 2 pt 9 ps 1.2
set style line 4 lc rgb "#7f7f7f" lw 2 dt 2
sum = dir."/summary.csv"
nice_theory = dir."/theory.csv"
is(e, m, s) = strcol("experiment") eq e && strcol("metric") eq m && int(column("slot")) == s
