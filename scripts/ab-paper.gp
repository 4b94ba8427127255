# ab-paper.gp: the paper style's last settings, loaded by each figure script
# just before it plots (after its own title, key and margins) when
# allocbench plot --style paper drew it: no title (the LaTeX caption says it),
# the key below the plot, margins for a narrow column.
unset title
smallfont = sprintf(',%d', fontsize - 1)
set key below horizontal noenhanced font smallfont samplen 2.5 spacing 0.9 width -2 height 1 maxrows 2
set tmargin 0.8
set bmargin
set rmargin 1.5
set xtics font smallfont
set ytics font smallfont
