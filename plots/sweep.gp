# A sweep across hosts: each share claim's measured mean over its theory (95% CI), one series per
# host (shares_by_host.csv of a merged sweep folder, build/bin/sweepmerge). The
# weight table is the same on every host, so every series should sit on 1; a host that ran no
# unit of a claim leaves no point there. The caller passes names='host1 host2' and nruns.
load "plots/style.gp"
f = dir."/shares_by_host.csv"
set title "CPU share over the weight-table theory, per host (95% CI)"
set ylabel "measured share / theory"
set xlabel ""
set xtics rotate by -60 font ",8"
set bmargin 12
set key top right
set offsets 0.5, 0.5, 0, 0
set yrange [0:2]
set datafile missing ""
label(s) = s[1:strstrt(s, "/share") - 1]
plot f using 0:(1):xtic(label(strcol("id"))) with lines ls 4 title "theory", \
     for [i=1:nruns] f using ($0 + (i - (nruns + 1) / 2.0) * 0.15):(column(2 * i + 1) / column("theory")):(column(2 * i + 2) / column("theory")) \
         with yerrorbars ls i title word(names, i)
