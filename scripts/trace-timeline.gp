# trace-timeline.gp: RSS and live bytes over the replay of the Redis trace,
# one RSS line per allocator, the phase boundaries marked.
# Variables (gnuplot -e): dir (figure data: DIR/NAME/replay-timeline.csv),
# allocs (space-separated names), bounds (event indexes of phase starts),
# caption, out (output path without extension).
set datafile separator ','
set key top left box opaque font ',9'
set xlabel 'trace event index (millions)'
set ylabel 'bytes (MiB), net of the start-up RSS'
set grid ytics lc rgb '#dddddd'
set title "Redis trace replay: RSS per allocator and live bytes\n{/*0.8 ".caption."}"
set yrange [0:*]
do for [i = 1:words(bounds)] {
    b = word(bounds, i) / 1e6
    set arrow i from b, graph 0 to b, graph 1 nohead dt 3 lc rgb '#777777'
    set label i sprintf('P%d', i) at b, graph 0.97 offset 0.3, 0 font ',8' tc rgb '#555555'
}
set style line 1 lc rgb '#000000' lw 3 dt 1
array lc[7] = ['#1b6ec2', '#c0392b', '#27ae60', '#8e44ad', '#e67e22', '#16a085', '#7f8c8d']
MiB = 1048576.0
set macros
plotcmd = "plot"
do for [i = 1:words(allocs)] {
    a = word(allocs, i)
    plotcmd = plotcmd . sprintf(" '%s/%s/replay-timeline.csv' every ::1 using ($1/1e6):($3/MiB) with lines lw 1.5 dt %d lc rgb '%s' title '%s RSS',", dir, a, (i - 1) % 5 + 1, lc[(i - 1) % 7 + 1], a)
}
plotcmd = plotcmd . sprintf(" '%s/%s/replay-timeline.csv' every ::1 using ($1/1e6):($4/MiB) with lines ls 1 title 'live bytes (all)'", dir, word(allocs, 1))
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 1100, 650 font 'sans,10'
    set output out . '.png'
    @plotcmd
}
if (strstrt(GPVAL_TERMINALS, 'pdfcairo') > 0) {
    set terminal pdfcairo size 7in, 4.2in font 'sans,8'
    set output out . '.pdf'
    @plotcmd
}
