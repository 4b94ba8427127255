# fig8.gp: the layout of Fig. 8 of the BSDCan 2006 paper: median run time
# and median peak RSS per workload, each workload normalised so that its
# largest allocator is 1.0. Grouped bars; fill pattern and colour per allocator.
# Variables: dtime, drss (rows: workload v_1 .. v_nal), nwl, threads, and
# stat ('Median' unless set: the reproduction draws means, as the paper did).
load scriptdir.'/ab-style.gp'
if (!exists('stat')) stat = 'Median'
if (paper) { set multiplot layout 2,1 } else { set multiplot layout 2,1 title sprintf('%s run time and peak RSS per workload, each scaled to its largest allocator (%d thread)', stat, threads) noenhanced }
set style data histogram
set style histogram clustered gap 1
set style fill pattern 0 border -1
set boxwidth 0.9 relative
set yrange [0:1.15]
set ytics 0.25
set xtics rotate by -25 noenhanced font ',9'
set key outside right top noenhanced
set tmargin 2
set bmargin 4.5
set ylabel 'run time / largest [ratio]'
if (paper) { load scriptdir.'/ab-paper.gp' }
plot for [i=2:nal+1] dtime using i:xtic(1) lt (i-1) dt 1 fs pattern ((i-2) % 8) title word(names, i-1)
set bmargin 7.5
set ylabel 'peak RSS / largest [ratio]'
set xlabel 'workload' offset 0,0.5
if (paper) { load scriptdir.'/ab-paper.gp' }
plot for [i=2:nal+1] drss using i:xtic(1) lt (i-1) dt 1 fs pattern ((i-2) % 8) title word(names, i-1)
unset multiplot
