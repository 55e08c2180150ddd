# Kernels side by side: each share claim's measured mean over its theory (95% CI), one series per
# kernel's run (shares.csv of a merged folder, labmerge). The weight table is the same on every
# kernel, so every series should sit on 1; the caller passes names='host 6.1 6.12' and nruns.
load "plots/style.gp"
f = dir."/shares.csv"
set title "CPU share over the weight-table theory, per kernel (95% CI)"
set ylabel "measured share / theory"
set xlabel ""
set xtics rotate by -60 font ",8"
set bmargin 12
set key top right
set offsets 0.5, 0.5, 0, 0
set yrange [0:2]
label(s) = s[1:strstrt(s, "/share") - 1]
plot f using 0:(1):xtic(label(strcol("id"))) with lines ls 4 title "theory", \
     for [i=1:nruns] f using ($0 + (i - (nruns + 1) / 2.0) * 0.15):(column(2 * i + 1) / column("theory")):(column(2 * i + 2) / column("theory")) \
         with yerrorbars ls i title word(names, i)
