# trace-addrmap.gp: address x time fragmentation map of one allocator's
# replay of the Redis trace, after Fig. 9 of the BSDCan 2006 jemalloc paper:
# x = event index, y = 64 KiB address buckets, shade = fraction of the bucket
# in use (white empty, black full).
# Variables: map (float32 matrix, rows x cols), rows, cols, events,
# buckets_per_row, first, last (address range), name, bounds, caption, out.
set xlabel 'trace event index (millions)'
set ylabel sprintf('address bucket (%d x 64 KiB per row; used buckets, ascending address)', buckets_per_row)
set title sprintf("Redis trace replay under %s: address x time map (addresses %s..%s, %d rows)\n{/*0.8 %s}", name, first, last, rows, caption)
set palette defined (0 '#ffffff', 0.25 '#c8c8c8', 0.5 '#8c8c8c', 0.75 '#464646', 1 '#000000')
set cbrange [0:1]
set cblabel 'fraction of bucket in use'
set xrange [0:events / 1e6]
set yrange [0:rows]
unset key
do for [i = 1:words(bounds)] {
    b = word(bounds, i) / 1e6
    set arrow i from b, graph 0 to b, graph 1 nohead dt 2 lw 1.5 lc rgb '#d62728' front
    set label i sprintf('P%d', i) at b, graph 1.02 center font ',8' tc rgb '#d62728'
}
set macros
plotcmd = sprintf("plot '%s' binary array=(%d,%d) format='%%float32' dx=%g dy=1 origin=(0,0) with image", map, cols, rows, events / 1e6 / cols)
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
