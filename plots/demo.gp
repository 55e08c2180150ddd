# The original demo: completion times of cn-normal and cn-nice, predicted, measured and as the
# original write-up claimed (cn-nice "still running after 2+ minutes": drawn at 120 s).
load "plots/style.gp"
set title "The original demo: cn-normal (nice 0) and cn-nice, fixed CPU work each"
set ylabel "completion time (s)"
set xrange [-0.6:1.6]
set yrange [0:135]
set xtics ("cn-normal (nice 0)" 0, "cn-nice" 1)
set boxwidth 0.25
set style fill solid 0.8 border -1
set key top left
demo(s) = is("demo", "wall", s)
x(s) = int(column("slot")) + s
orig(s) = s == 0 ? 10 : 120
plot sum using (demo(int(column("slot"))) ? x(-0.27) : NaN):"theory" with boxes lc rgb "#aaaaaa" title "predicted for a CPU of their own (weight table)", \
     sum using (demo(int(column("slot"))) ? x(0) : NaN):"mean" with boxes ls 1 title "measured", \
     sum using (demo(int(column("slot"))) ? x(0.27) : NaN):(orig(int(column("slot")))) with boxes ls 2 title "original write-up (cn-nice: >120 s)", \
     sum using (demo(int(column("slot"))) ? x(-0.27) : NaN):"theory":(sprintf("%.1f s", column("theory"))) with labels offset 0,0.8 notitle, \
     sum using (demo(int(column("slot"))) ? x(0) : NaN):"mean":(sprintf("%.1f s", column("mean"))) with labels offset 0,0.8 notitle, \
     sum using (demo(int(column("slot"))) ? x(0.27) : NaN):(orig(int(column("slot")))):(int(column("slot")) == 0 ? "10 s" : "> 120 s") with labels offset 0,0.8 notitle
