# latency.gp: micro-benchmark CPU time per iteration against request size,
# one line per allocator (median, error bars: min and max over repetitions).
# Variables: dat (blocks per allocator: size_bytes median_ns min_ns max_ns), ttl.
load scriptdir.'/ab-style.gp'
set title ttl noenhanced
set xlabel 'request size [bytes]'
set ylabel 'CPU time per iteration [ns]'
set logscale x 2
set format x '%.0f'
set yrange [0:*]
set key outside right top noenhanced
if (paper) { load scriptdir.'/ab-paper.gp' }
plot for [i=1:nal] dat index (i-1) using 1:2:3:4 with yerrorlines lt i title word(names, i)
