# frag.gp: fragmentation, final RSS / live bytes (median) per workload and
# allocator. 1.0 would be no overhead at all.
# Variables: dat (rows: workload v_1 .. v_nal), nwl, threads.
load scriptdir.'/ab-style.gp'
set title sprintf('Fragmentation: RSS / live bytes at the end (median, %d thread(s); lower is better)', threads) noenhanced
set style data histogram
set style histogram clustered gap 1
set style fill pattern 0 border -1
set boxwidth 0.9 relative
set yrange [0:*]
set ylabel 'RSS / live bytes [ratio]'
set xlabel 'workload'
set xtics noenhanced
set key outside right top noenhanced
if (paper) { load scriptdir.'/ab-paper.gp' }
plot for [i=2:nal+1] dat using i:xtic(1) lt (i-1) dt 1 fs pattern ((i-2) % 8) title word(names, i-1), \
     1 with lines lc rgb '#888888' dt 2 lw 1 notitle
