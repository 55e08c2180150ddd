# The original demo: completion times of cn-normal and cn-nice, predicted, measured and as the
# original write-up claimed (cn-nice "still running after 2+ minutes": drawn at 120 s).
load "plots/style.gp"
set title "The original demo: cn-normal (nice 0) and cn-nice, fixed CPU work each"
set ylabel "completion time (s)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set yrange [0:*]
plot sum using (is("demo","wall",int(column(4))) ? $11 : NaN):xtic(5) ls 4 lc rgb "#aaaaaa" title "predicted from the weight table", \
     sum using (is("demo","wall",int(column(4))) ? $12 : NaN) ls 1 title "measured", \
     sum using (is("demo","wall",int(column(4))) ? (int(column(4)) == 0 ? 10 : 120) : NaN) ls 2 title "original write-up (cn-nice: >120 s)"
