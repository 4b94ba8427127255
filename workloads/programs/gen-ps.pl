#!/usr/bin/perl
# gen-ps.pl: deterministic PostScript program for the gs workload.
#
#   perl gen-ps.pl MB [SEED]  > out.ps
#
# Writes at least MB megabytes (10^6 bytes; fractions allowed) of a
# PostScript document standing in for the 37 MB PS3.ps of Evans' BSDCan 2006
# paper. Every page runs inside save/restore and draws with explicit
# coordinates from a fixed-seed 32-bit LCG (same MB and SEED, same bytes):
#   * paths of lines, Bezier curves and arcs, filled (fill, eofill) or
#     stroked with varying width, joins, caps, dashes and colours, some under
#     translate/rotate/scale;
#   * clipping regions (circles, rectangles, curved shapes) with drawing
#     inside them;
#   * text in the standard fonts (Times, Helvetica, Courier families) at many
#     sizes, through findfont/scalefont, selectfont and makefont, with show,
#     ashow, widthshow and charpath, so the font and glyph caches fill;
#   * small 1-bit images;
#   * dictionaries, arrays and strings created and dropped (dictwork,
#     arraywork, strwork in the prolog: puts, forall, known, getinterval,
#     aload, putinterval, search, cvs, growing concatenations).
# Each operation adds numbers to a page checksum: path bounding boxes (after
# flattenpath), clip path boxes, string widths, current points, glyph
# outline boxes (charpath), results of the dictionary/array/string work, and
# the page bounding box the bbox device accumulated from the drawing (its
# PageBoundingBox parameter, read before showpage). The page checksum leaves
# the page's save/restore on the operand stack and is folded into a
# document checksum; every 10th page and the end print it on stdout.
#
# Meant for: gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=bbox -r300 out.ps
# (with -dNODISPLAY or nullpage, fill/stroke/clip rasterisation is skipped:
# the null device ignores them, and /PageBoundingBox does not exist there).
use strict;
use warnings;

my ($mb, $seed) = @ARGV;
die "usage: gen-ps.pl MB [SEED]\n"
    unless defined $mb && $mb =~ /^\d+(\.\d+)?$/ && $mb > 0 && @ARGV <= 2 && (!defined $seed || $seed =~ /^\d+$/);
$seed //= 2006;
my $target = int($mb * 1e6);

my $state = ($seed * 2654435761 + 7) % 4294967296;
sub rnd {    # uniform integer in [0, n)
    my ($n) = @_;
    $state = ($state * 1664525 + 1013904223) % 4294967296;
    return int(($state / 4294967296) * $n);
}
sub pick { return $_[ rnd(scalar @_) ] }
sub coord { return rnd(5400) / 10 + 36 }     # x in [36, 576)
sub ycoord { return rnd(7200) / 10 + 36 }    # y in [36, 756)
sub num { my ($lo, $hi) = @_; return $lo + rnd(($hi - $lo) * 10 + 1) / 10 }

my @fonts = qw(Times-Roman Times-Bold Times-Italic Times-BoldItalic Helvetica Helvetica-Bold
               Helvetica-Oblique Helvetica-BoldOblique Courier Courier-Bold Courier-Oblique
               Courier-BoldOblique);
my @sizes = (5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 24, 28, 32, 36, 48, 60, 72);
my @words = qw(allocator arena chunk run page slab bin region thread cache magazine tree red black
               lock free malloc realloc calloc memory fragment size class header bitmap span heap
               quick brown fox jumps over lazy dog Ghostscript PostScript interpreter virtual save
               restore dictionary array string font glyph path curve stroke fill clip matrix the of and);

sub text {
    my ($n) = @_;
    my $t = join ' ', map { pick(@words) } 1 .. $n;
    return $t;
}

sub colour {
    my $r = rnd(4);
    return sprintf("%.2f setgray", rnd(101) / 100) if $r == 0;
    return sprintf("%.2f %.2f %.2f setrgbcolor", rnd(101) / 100, rnd(101) / 100, rnd(101) / 100) if $r < 3;
    return sprintf("%.2f %.2f %.2f %.2f setcmykcolor", rnd(101) / 100, rnd(101) / 100, rnd(101) / 100, rnd(51) / 100);
}

sub path_body {
    my $n = 2 + rnd(12);
    my $s = sprintf("newpath %.1f %.1f moveto\n", coord(), ycoord());
    for (1 .. $n) {
        my $r = rnd(10);
        if ($r < 4) { $s .= sprintf("%.1f %.1f lineto ", coord(), ycoord()) }
        elsif ($r < 7) {
            $s .= sprintf("%.1f %.1f %.1f %.1f %.1f %.1f curveto ", coord(), ycoord(), coord(), ycoord(), coord(), ycoord());
        }
        elsif ($r < 8) { $s .= sprintf("%.1f %.1f rlineto ", num(-60, 60), num(-60, 60)) }
        elsif ($r < 9) {
            $s .= sprintf("%.1f %.1f %.1f %d %d arc ", coord(), ycoord(), num(5, 120), rnd(360), rnd(360));
        }
        else { $s .= sprintf("%.1f %.1f %.1f %.1f %.1f %.1f rcurveto ", map { num(-80, 80) } 1 .. 6) }
        $s .= "\n" if rnd(4) == 0;
    }
    $s .= "closepath " if rnd(3);
    return $s;
}

sub paint {
    my $r = rnd(10);
    my $s = colour() . ' ';
    if ($r < 4) { return $s . (rnd(3) ? "fill\n" : "eofill\n") }
    $s .= sprintf("%.1f setlinewidth %d setlinejoin %d setlinecap ", num(0, 12), rnd(3), rnd(3));
    $s .= sprintf("[%d %d] %d setdash ", 1 + rnd(12), 1 + rnd(8), rnd(5)) if rnd(3) == 0;
    return $s . "stroke\n";
}

sub path_item {
    my $s = path_body() . (rnd(3) == 0 ? "ckcount " : "") . "ckpath ";
    if (rnd(4) == 0) {
        $s = sprintf("gsave %.1f %.1f translate %d rotate %.2f %.2f scale -300 -400 translate\n", coord(), ycoord(),
                     rnd(360), num(0.3, 1.5), num(0.3, 1.5)) . $s . paint() . "grestore\n";
        return $s;
    }
    return $s . paint();
}

sub setfont {
    my ($f, $sz) = (pick(@fonts), pick(@sizes));
    my $r = rnd(4);
    return "/$f findfont $sz scalefont setfont " if $r < 2;
    return "/$f $sz selectfont " if $r < 3;
    return sprintf("/%s findfont [%d %.1f %.1f %d 0 0] makefont setfont ", $f, $sz, num(-0.4, 0.4) * $sz, num(-0.3, 0.3) * $sz,
                   $sz);
}

sub text_item {
    my $s = setfont() . sprintf("%.1f %.1f moveto ", coord(), ycoord());
    my $t = text(1 + rnd(9));
    my $r = rnd(10);
    if ($r < 4) { $s .= "($t) dup stringwidth ck ck show ckpoint\n" }
    elsif ($r < 6) { $s .= sprintf("%.1f %.1f (%s) ashow ckpoint\n", num(-1, 3), num(-1, 1), $t) }
    elsif ($r < 7) { $s .= sprintf("%.1f 0 32 (%s) widthshow ckpoint\n", num(0, 6), $t) }
    elsif ($r < 9) { $s .= "gsave ($t) " . (rnd(2) ? 'true' : 'false') . " charpath ckpath " . paint() . "grestore\n" }
    else {
        $s .= sprintf("gsave currentpoint translate %d rotate 0 0 moveto (%s) show ckpoint grestore\n", rnd(360), $t);
    }
    return $s;
}

sub clip_item {
    my $r = rnd(3);
    my $s = "gsave newpath ";
    if ($r == 0) { $s .= sprintf("%.1f %.1f %.1f 0 360 arc closepath", coord(), ycoord(), num(20, 250)) }
    elsif ($r == 1) { $s .= sprintf("%.1f %.1f %.1f %.1f rectpath", coord(), ycoord(), num(20, 300), num(20, 300)) }
    else { $s .= path_body() }
    $s .= rnd(4) ? " clip\n" : " eoclip\n";
    $s .= rnd(2) ? path_item() : text_item() for 0 .. rnd(4);
    return $s . "clippath ckpath grestore\n";
}

sub image_item {
    my $w = pick(8, 16, 24, 32);
    my $hex = '';
    $hex .= sprintf('%02x', rnd(256)) for 1 .. $w * $w / 8;
    return sprintf("gsave %.1f %.1f translate %.1f %.1f scale %d %d 1 [%d 0 0 %d 0 0] {<%s>} image grestore\n",
                   coord(), ycoord(), num(10, 120), num(10, 120), $w, $w, $w, $w, $hex);
}

sub data_item {
    my $r = rnd(3);
    return sprintf("%d %d dictwork\n", 20 + rnd(400), rnd(1000)) if $r == 0;
    return sprintf("%d %d arraywork\n", 20 + rnd(600), 1 + rnd(96)) if $r == 1;
    return sprintf("(%s) %d strwork\n", text(2 + rnd(6)), 2 + rnd(30));
}

my $prolog = <<"EOF";
%!PS-Adobe-3.0
%%Title: allocbench gs workload (gen-ps.pl, $mb MB, seed $seed)
%%Creator: allocbench workloads/programs/gen-ps.pl
%%Pages: (atend)
%%EndComments
%%BeginProlog
% Document checksum (two sums modulo 65521, Fletcher style), page count.
/M 65521 def /S1 1 def /S2 0 def /NPAGES 0 def /NOPS 0 def
% v ck: fold round(v * 100) into the page sums s1, s2 (current dict).
/ck { 100 mul round cvi M mod M add s1 add M mod dup /s1 exch def s2 add M mod /s2 exch def
      /nops nops 1 add def } bind def
% The current path's box after flattening.
/ckpath { gsave flattenpath pathbbox ck ck ck ck grestore } bind def
/ckpoint { currentpoint ck ck } bind def
% Number of path elements (moveto 1, lineto 2, curveto 3, closepath 4).
/ckcount { 0 { pop pop 1 add } { pop pop 2 add } { 6 { pop } repeat 3 add } { 4 add } pathforall ck } bind def
/rectpath { 4 2 roll moveto dup 0 exch rlineto exch 0 rlineto neg 0 exch rlineto closepath } bind def
% n seed dictwork: a dictionary of n name keys, filled, queried, summed, dropped.
/dictwork { /sd exch def /n exch def
  /D n dict def
  0 1 n 1 sub { /i exch def D i sd add 7919 mul 10007 mod 12 string cvs cvn i sd mul 1000 mod put } for
  D length ck
  0 D { exch pop add } forall ck
  0 0 1 n { sd add 7919 mul 10007 mod 12 string cvs cvn D exch known { 1 add } if } for ck
  /D2 D length 2 mul dict def D { D2 3 1 roll put } forall D2 length ck
} bind def
% n seed arraywork: arrays filled, summed, sliced, copied, nested.
/arraywork { /sd exch def /n exch def
  /A n array def
  0 1 n 1 sub { A exch dup sd mul 97 mod put } for
  0 A { add } forall ck
  /B A n 3 idiv n 2 idiv getinterval def 0 B { add } forall ck
  /C [ A aload pop ] def C length ck C n 1 sub get ck
  /AA [ 0 1 n 8 idiv { [ exch dup sd add dup 2 mul (x) 4 string cvs ] } for ] def
  0 AA { 2 get add } forall ck
  /P n 2 idiv array def A 0 P length getinterval P copy length ck
} bind def
% (text) k strwork: k copies joined, characters counted, substrings searched,
% numbers converted, a growing concatenation.
/strwork { /k exch def /t exch def
  /buf t length k mul string def
  0 1 k 1 sub { buf exch t length mul t putinterval } for
  buf length ck
  /cnt 0 def buf { 101 eq { /cnt cnt 1 add def } if } forall cnt ck
  /cnt 0 def buf { (a) search { pop pop /cnt cnt 1 add def } { pop exit } ifelse } loop cnt ck
  0 0 1 k 50 mul { 7 mul 12 string cvs length add } for ck
  /acc () def
  0 1 k { pop acc length t length add string dup 0 acc putinterval dup acc length t putinterval /acc exch def } for
  acc length ck acc buf gt { 1 } { 0 } ifelse ck
} bind def
% Page start and end: page-local dictionary with the page sums; the sums
% leave save/restore on the operand stack and are folded into S1, S2.
/pagebegin { /PG 32 dict def PG begin /s1 0 def /s2 0 def /nops 0 def } bind def
/pageend {
  currentdevice getdeviceprops
  counttomark 2 idiv { exch dup /PageBoundingBox eq { pop { ck } forall } { pop pop } ifelse } repeat pop
  s1 s2 nops end
} bind def
/fold { /NOPS exch NOPS add def S2 7 mul add M mod /S2 exch def S1 add M mod /S1 exch def /NPAGES NPAGES 1 add def
  NPAGES 10 mod 0 eq { (page ) print NPAGES =only ( ops ) print NOPS =only ( sums ) print S1 =only ( ) print S2 = } if
} bind def
%%EndProlog
EOF

binmode STDOUT;
print $prolog or die "gen-ps: write error: $!\n";
my $written = length $prolog;
my $page = 0;
while ($written < $target) {
    $page++;
    my $s = "%%Page: $page $page\nsave pagebegin\n";
    for (1 .. 25 + rnd(30)) {
        my $r = rnd(20);
        $s .= $r < 8 ? path_item() : $r < 14 ? text_item() : $r < 16 ? clip_item() : $r < 17 ? image_item() : data_item();
    }
    $s .= "pageend 4 -1 roll restore fold showpage\n";
    print $s or die "gen-ps: write error: $!\n";
    $written += length $s;
}
my $tail = "%%Trailer\n%%Pages: $page\n(gs workload: pages ) print NPAGES =only ( ops ) print NOPS =only"
    . " ( checksum ) print S1 =only ( ) print S2 =\n%%EOF\n";
print $tail or die "gen-ps: write error: $!\n";
close STDOUT or die "gen-ps: write error: $!\n";
