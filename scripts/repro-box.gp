# repro-box.gp: box plots of a metric against a categorical x (threads or
# clients) for the reproduction's Fig. 6' and Fig. 7': one box series per
# allocator (box: quartiles, whiskers: min and max, thick tick: median; the
# medians are joined by a line with the allocator's dash pattern and point
# type), side by side at each x, as in the paper's figures.
# Variables: dat (blocks per allocator: index x min q1 median q3 max n),
# xtl (the x values, words), xlab, ylab, ttl, logy, joined (1: the medians of
# a series are joined by a line, as in Fig. 6; 0: boxes only, as in Fig. 7),
# and ab-style.gp's.
load scriptdir.'/ab-style.gp'
if (!exists('joined')) joined = 1
set macros
med_style = joined ? 'linespoints lw 1.2' : 'points'
set title ttl noenhanced
set xlabel xlab noenhanced
set ylabel ylab noenhanced
set key outside right top noenhanced
nx = words(xtl)
set xrange [0.5:nx + 0.5]
set xtics () 
do for [i = 1:nx] { set xtics add (word(xtl, i) i) }
if (logy) { set logscale y }
if (!logy) { set yrange [0:*] }
w = 0.8 / nal
set boxwidth w * 0.8 absolute
set style fill empty
plot for [i=1:nal] dat index (i-1) using ($1 + off(i, w)):4:3:7:6 with candlesticks whiskerbars 0.6 lt i dt 1 lw 1.2 notitle, \
     for [i=1:nal] dat index (i-1) using ($1 + off(i, w)):5:5:5:5 with candlesticks lt i dt 1 lw 3 notitle, \
     for [i=1:nal] dat index (i-1) using ($1 + off(i, w)):5 with @med_style lt i title word(names, i)
