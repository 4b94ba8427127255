# rss.gp: resident set size over time, one line per allocator.
# Variables: dat (blocks per allocator: t_s rss_MiB), ttl.
load scriptdir.'/ab-style.gp'
set title ttl noenhanced
set xlabel 'time since start [s]'
set ylabel 'resident set size [MiB]'
set key outside right top noenhanced
set yrange [0:*]
if (paper) { load scriptdir.'/ab-paper.gp' }
plot for [i=1:nal] dat index (i-1) using 1:2 with linespoints lt i pi -12 title word(names, i)
