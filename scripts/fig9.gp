# fig9.gp: address x time map in the style of Fig. 9 of the BSDCan 2006
# jemalloc paper, from the files of common/wl_addrmap.c (sh6bench's
# addrmap.{f32,txt} with ALLOCBENCH_ADDRMAP=<dir>, redis-replay's
# replay-addrmap.{f32,txt}).
#   x = allocation event index (every malloc/free is one event),
#   y = 64 KiB address buckets that were ever used, ascending address
#       (buckets_per_row of them merged per row when there are many),
#   colour = fraction of the bucket's bytes in use after the column's last
#       event: white = empty, green = full, shading through yellow to red
#       as the bucket gets emptier (a partly used, i.e. fragmented, bucket).
# Variables (as scripts/trace-addrmap.gp, plus workload):
#   map (float32 matrix, rows x cols), rows, cols, events, buckets_per_row,
#   first, last (address range, strings), name (allocator), workload,
#   bounds (event indexes of phase ends, space-separated; may be '' or unset),
#   caption (may be '' or unset), out (output path without extension).
# Example:
#   gnuplot -e "map='d/addrmap.f32'; rows=145; cols=600; events=105518; buckets_per_row=1; \
#     first='0x7f..'; last='0x7f..'; name='tide'; workload='sh6bench'; out='fig9-tide'" scripts/fig9.gp
if (!exists('bounds')) bounds = ''
if (!exists('caption')) caption = ''
if (events >= 2e6) { xs = 1e6; xu = ' (millions)' } else { if (events >= 2e3) { xs = 1e3; xu = ' (thousands)' } else { xs = 1; xu = '' } }
set xlabel 'allocation event index' . xu
set ylabel sprintf('address bucket (%d x 64 KiB per row; used buckets, ascending address)', buckets_per_row)
t = sprintf("%s under %s: address x time map (addresses %s..%s, %d rows)", workload, name, first, last, rows)
if (strlen(caption) > 0) { t = t . "\n" . caption }
# noenhanced: names, paths and captions print as given (LD_PRELOAD, a_b)
set title t noenhanced
# 0 exactly is white; anything in use is coloured, from red (a sliver of the
# bucket used) through orange and yellow to green (the whole bucket used).
set palette defined (0 '#ffffff', 1e-4 '#c00000', 0.35 '#ff7f00', 0.7 '#e0d000', 0.97 '#40b000', 1 '#008000')
set cbrange [0:1]
set cbtics 0.25
set cblabel 'fraction of bucket in use (white: empty; red: fragmented; green: full)'
set xrange [0:events / xs]
set yrange [0:rows]
set tics out
unset key
do for [i = 1:words(bounds)] {
    b = word(bounds, i) / xs
    set arrow i from b, graph 0 to b, graph 1 nohead dt 2 lw 1.5 lc rgb '#1f3fbf' front
    set label i sprintf('P%d', i) at b, graph 1.02 center font ',8' tc rgb '#1f3fbf'
}
set macros
plotcmd = sprintf("plot '%s' binary array=(%d,%d) format='%%float32' dx=%g dy=1 origin=(0,0) with image", map, cols, rows, events / xs / cols)
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 1100, 700 font 'sans,10'
    set output out . '.png'
    @plotcmd
}
if (strstrt(GPVAL_TERMINALS, 'pdfcairo') > 0) {
    set terminal pdfcairo size 7in, 4.5in font 'sans,8'
    set output out . '.pdf'
    @plotcmd
}
