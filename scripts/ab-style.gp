# ab-style.gp: shared look of every allocbench figure. Loaded by the other
# scripts after the variables fmt, out, caption, names, nal are set (allocbench
# plot writes them into figures/data/<figure>.vars.gp).
# Colours: the Okabe-Ito palette (colour-blind safe), and every series also has
# its own dash pattern, point type and (for bars) fill pattern, so the figures
# read in grey too.
# style 'paper' (allocbench plot --style paper sets style, width_in,
# height_in, fontname, fontsize): a PDF the width of a paper's column in a
# LaTeX font, thinner lines, no footer (the provenance is in a sidecar file);
# the scripts load ab-paper.gp just before they plot.
paper = exists('style') && style eq 'paper'
if (paper) {
    set terminal pdfcairo size width_in,height_in font sprintf('%s,%d', fontname, fontsize) enhanced linewidth 0.5 dashlength 0.6
} else {
    if (fmt eq 'png') {
        set terminal pngcairo size 1100,680 font 'sans,11' enhanced
    } else {
        set terminal pdfcairo size 7.5in,4.6in font 'sans,9' enhanced
    }
}
set output out
set linetype 1 lc rgb '#000000' lw 2 dt 1          pt 7  ps 1.1
set linetype 2 lc rgb '#E69F00' lw 2 dt 2          pt 5  ps 1.1
set linetype 3 lc rgb '#56B4E9' lw 2 dt 3          pt 9  ps 1.3
set linetype 4 lc rgb '#009E73' lw 2 dt 4          pt 13 ps 1.3
set linetype 5 lc rgb '#D55E00' lw 2 dt 5          pt 11 ps 1.3
set linetype 6 lc rgb '#CC79A7' lw 2 dt (8,4,2,4)  pt 4  ps 1.1
set linetype 7 lc rgb '#0072B2' lw 2 dt (2,2,8,2)  pt 6  ps 1.1
set linetype 8 lc rgb '#777777' lw 2 dt (12,3)     pt 8  ps 1.1
set linetype cycle 8
set grid ytics lc rgb '#dddddd' lw 1 dt 1
set border lw 1
if (!paper) {
    set bmargin 6
    set label 100 caption at screen 0.01, screen 0.02 left font ',8' noenhanced
} else {
    set linetype 1 ps 0.5
    set linetype 2 ps 0.5
    set linetype 3 ps 0.6
    set linetype 4 ps 0.6
    set linetype 5 ps 0.6
    set linetype 6 ps 0.5
    set linetype 7 ps 0.5
    set linetype 8 ps 0.5
}
set datafile missing '?'
# x offset of series i (1-based) when nal series share one x position
off(i, w) = (i - (nal + 1) / 2.0) * w
