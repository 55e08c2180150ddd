# Shared style of the lab's charts: terminal by `fmt` (png or svg), output `out`, fonts, colours.
# Every chart script loads this first; the caller passes -e "dir='RUN'; fmt='png'; out='FILE'".
if (!exists("fmt")) fmt = "png"
if (fmt eq "svg") { set terminal svg size 960,600 dynamic enhanced font "Sans,13" background "#ffffff" } \
else { set terminal pngcairo size 960,600 enhanced font "Sans,12" background "#ffffff" }
set output out
set datafile separator ","
set datafile missing ""
set grid ytics lc rgb "#dddddd"
set border 3
set tics nomirror
set key box opaque samplen 2
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 1.2
set style line 2 lc rgb "#d62728" lw 2 pt 5 ps 1.2
set style line 3 lc rgb "#2ca02c" lw 2 pt 9 ps 1.2
set style line 4 lc rgb "#7f7f7f" lw 2 dt 2
array W[40] = [88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, \
               9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277, \
               1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, \
               110, 87, 70, 56, 45, 36, 29, 23, 18, 15]
weight(n) = W[int(n) + 21]
sum = dir."/summary.csv"
is(e, m, s) = strcol(1) eq e && strcol(8) eq m && int(column(4)) == s
