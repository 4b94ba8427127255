# scal.gp: throughput (or the workload's metric) against threads, one box
# series per allocator (box: quartiles, whiskers: min and max, thick tick:
# median; the medians are joined by a line with the allocator's dash pattern
# and point type), with the calibrated "ideal" line.
# Variables: dat (blocks per allocator: threads min q1 median q3 max n),
# ideal (threads value), has_ideal, ttl, ylab, tmax, logy.
load scriptdir.'/ab-style.gp'
set title ttl noenhanced
set xlabel 'threads'
set ylabel ylab noenhanced
set key outside right top noenhanced
set xrange [0.5:tmax + 0.5]
set xtics 1
if (logy) { set logscale y }
set yrange [*:*]
if (!logy) { set yrange [0:*] }
w = 0.7 / nal
set boxwidth w * 0.8 absolute
set style fill empty
if (has_ideal) {
    if (paper) { load scriptdir.'/ab-paper.gp' }
    plot for [i=1:nal] dat index (i-1) using ($1 + off(i, w)):3:2:6:5 with candlesticks whiskerbars 0.6 lt i dt 1 lw 1.5 notitle, \
         for [i=1:nal] dat index (i-1) using ($1 + off(i, w)):4:4:4:4 with candlesticks lt i dt 1 lw 3 notitle, \
         for [i=1:nal] dat index (i-1) using ($1 + off(i, w)):4 with linespoints lt i lw 1.5 title word(names, i), \
         ideal using 1:2 with linespoints lc rgb '#444444' dt (6,3) lw 1.5 pt 1 title 'ideal (calibrated)'
} else {
    if (paper) { load scriptdir.'/ab-paper.gp' }
    plot for [i=1:nal] dat index (i-1) using ($1 + off(i, w)):3:2:6:5 with candlesticks whiskerbars 0.6 lt i dt 1 lw 1.5 notitle, \
         for [i=1:nal] dat index (i-1) using ($1 + off(i, w)):4:4:4:4 with candlesticks lt i dt 1 lw 3 notitle, \
         for [i=1:nal] dat index (i-1) using ($1 + off(i, w)):4 with linespoints lt i lw 1.5 title word(names, i)
}
