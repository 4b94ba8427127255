# trace-rsslive.gp: RSS/live at the end of each phase of the Redis trace
# replay, clustered bars, one bar per allocator.
# Variables: data (rss-live.dat: first column phase label, then one column per
# allocator, header row = allocator names), caption, out.
set style data histograms
set style histogram clustered gap 1
set style fill pattern border lc rgb '#000000'
set boxwidth 0.9
set key top right box opaque font ',9' autotitle columnhead
set xlabel 'scenario phase (state at its end)'
set ylabel 'RSS / live bytes (ratio; 1 = no overhead)'
set grid ytics lc rgb '#dddddd'
set yrange [0:*]
set title "Redis trace replay: RSS/live per phase\n{/*0.8 ".caption."}"
stats data using 0 nooutput
ncols = STATS_columns
set macros
plotcmd = sprintf("plot for [c=2:%d] data using c:xtic(1) lc rgb '#333333' fs pattern (c-2)%%8", ncols)
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 1100, 600 font 'sans,10'
    set output out . '.png'
    @plotcmd
}
if (strstrt(GPVAL_TERMINALS, 'pdfcairo') > 0) {
    set terminal pdfcairo size 7in, 3.8in font 'sans,8'
    set output out . '.pdf'
    @plotcmd
}
