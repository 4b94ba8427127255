#!/usr/bin/perl
# cca.pl: C conditional-compilation analyser, the allocbench "cca" workload.
#
#   perl cca.pl [FILE...]        (standard input when no FILE is given)
#
# Written for allocbench from the description of the "cca" program in Evans'
# BSDCan 2006 jemalloc paper: a Perl script with heavy regular-expression
# use that extracts the cpp logic (#if/#ifdef/#ifndef/#elif/#else/#endif)
# from C source and emits statistics and a PostScript graph. The input is a
# concatenation of many C files; a line "/* FILE: name */" starts a new one.
#
# What it does, per logical line (continuation lines joined):
#   * strips comments (block comments across lines, // comments), keeping
#     string and character literals intact;
#   * for a directive, tracks the conditional nesting with a stack, records
#     every condition expression (whitespace normalised), counts the macro
#     identifiers and defined() uses in conditions, #define/#undef/#include;
#   * for a code line, counts it at its nesting depth and under its full
#     guard, the conjunction of the conditions of every open block
#     ("A && !(B)"), which is the extracted cpp logic;
#   * keeps per-file statistics.
# It prints the statistics (every hash sorted, so the output is
# deterministic) and a small PostScript bar chart of the depth histogram.
use strict;
use warnings;

my $TOP = 40;    # entries in each "most frequent" list

my (%cond_count, %cond_kind, %ident_cond, %ident_defined_use, %macro_def, %macro_undef);
my (%include, %guard_lines, %depth_lines, %depth_opens, %kind_count, %op_count, %directive_count);
my (%file_stat, @file_order, %literal_len, %keyword_count, %func_def);
my ($cur_file, $in_comment) = ('<stdin>', 0);
my ($max_depth, $errors, $lines_total, $logical_total, $comment_bytes) = (0, 0, 0, 0, 0);
my (@stack, @errors_seen);
my ($brace_depth, $func_candidate) = (0, undef);

sub new_file {
    my ($name) = @_;
    close_file();
    $cur_file = $name;
    $cur_file .= '#' . ($file_stat{$name}{dup} = ($file_stat{$name}{dup} // 0) + 1) if exists $file_stat{$name};
    push @file_order, $cur_file;
    $file_stat{$cur_file} = {
        lines => 0, code => 0, blank => 0, directives => 0, conds => 0, defines => 0,
        includes => 0, max_depth => 0, comment_bytes => 0, strings => 0, funcs => 0, max_braces => 0,
    };
    @stack = ();
    ($brace_depth, $func_candidate) = (0, undef);
    $in_comment = 0;
}

sub close_file {
    return unless @file_order;
    if (@stack) {
        my $n = scalar @stack;
        error("$cur_file: $n unterminated conditional" . ($n > 1 ? 's' : '') . " (first at line $stack[0]{line})");
        @stack = ();
    }
}

sub error {
    my ($msg) = @_;
    $errors++;
    push @errors_seen, $msg if @errors_seen < 20;
}

# The conjunction of the open conditions: the cpp logic guarding a line.
sub guard {
    return '1' unless @stack;
    return join ' && ', map { $_->{term} } @stack;
}

sub norm_expr {
    my ($e) = @_;
    $e =~ s/\s+/ /g;
    $e =~ s/^ | $//g;
    $e =~ s/\s*(\(|\)|!|,)\s*/$1/g;
    $e =~ s/\s*(&&|\|\||==|!=|<=|>=|<<|>>|[<>+\-*\/%])\s*/ $1 /g;
    $e =~ s/!\s+/!/g;
    return $e eq '' ? '<empty>' : $e;
}

# Condition terms are parenthesised unless they are a single token.
sub term {
    my ($e) = @_;
    return $e =~ /^!?[\w]+$|^!?defined\(\w+\)$/ ? $e : "($e)";
}

sub negate {
    my ($t) = @_;
    return $t =~ /^!(\w+|defined\(\w+\))$/ ? $1 : "!$t";
}

sub analyse_cond {
    my ($kind, $expr) = @_;
    my $fs = $file_stat{$cur_file};
    $fs->{conds}++;
    $cond_count{$expr}++;
    $cond_kind{$kind}++;
    my $e = $expr;
    while ($e =~ /\bdefined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|([A-Za-z_]\w*))/g) {
        $ident_defined_use{defined $1 ? $1 : $2}++;
    }
    (my $rest = $e) =~ s/\bdefined\s*(?:\(\s*[A-Za-z_]\w*\s*\)|[A-Za-z_]\w*)/ /g;
    while ($rest =~ /\b([A-Za-z_]\w*)\b/g) {
        $ident_cond{$1}++;
    }
    while ($e =~ /(&&|\|\||==|!=|<=|>=|<<|>>|(?<![=!<>])[<>](?![=<>])|!(?!=)|\?|:)/g) {
        $op_count{$1}++;
    }
    $op_count{number}++ while $e =~ /\b(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b/g;
}

sub directive {
    my ($name, $arg, $lineno) = @_;
    my $fs = $file_stat{$cur_file};
    $fs->{directives}++;
    $directive_count{$name}++;
    if ($name eq 'if' || $name eq 'ifdef' || $name eq 'ifndef') {
        my $expr;
        if ($name eq 'if') { $expr = norm_expr($arg) }
        elsif ($arg =~ /^\s*([A-Za-z_]\w*)/) { $expr = ($name eq 'ifdef' ? '' : '!') . "defined($1)" }
        else { error("$cur_file:$lineno: #$name without a macro name"); $expr = '<bad>' }
        $depth_opens{scalar @stack}++;
        analyse_cond($name, $expr);
        push @stack, { kind => $name, line => $lineno, term => term($expr), branch => term($expr), prior => [] };
        my $d = scalar @stack;
        $max_depth = $d if $d > $max_depth;
        $fs->{max_depth} = $d if $d > $fs->{max_depth};
    } elsif ($name eq 'elif') {
        unless (@stack) { error("$cur_file:$lineno: #elif without #if"); return }
        my $top = $stack[-1];
        if ($top->{kind} eq 'else') { error("$cur_file:$lineno: #elif after #else (block from line $top->{line})"); return }
        my $expr = norm_expr($arg);
        analyse_cond('elif', $expr);
        push @{ $top->{prior} }, $top->{branch};
        $top->{branch} = term($expr);
        $top->{term} = join ' && ', (map { negate($_) } @{ $top->{prior} }), $top->{branch};
        $top->{kind} = 'elif';
    } elsif ($name eq 'else') {
        unless (@stack) { error("$cur_file:$lineno: #else without #if"); return }
        my $top = $stack[-1];
        if ($top->{kind} eq 'else') { error("$cur_file:$lineno: second #else (block from line $top->{line})"); return }
        push @{ $top->{prior} }, $top->{branch};
        $top->{branch} = '';
        $top->{term} = join ' && ', map { negate($_) } @{ $top->{prior} };
        $top->{kind} = 'else';
        $cond_kind{else}++;
    } elsif ($name eq 'endif') {
        unless (@stack) { error("$cur_file:$lineno: #endif without #if"); return }
        pop @stack;
        $cond_kind{endif}++;
    } elsif ($name eq 'define') {
        if ($arg =~ /^\s*([A-Za-z_]\w*)(\(([^)]*)\))?\s*(.*)$/) {
            my ($m, $params, $body) = ($1, $3, $4);
            $fs->{defines}++;
            my $md = $macro_def{$m} //= { count => 0, function => 0, params => 0, body => 0 };
            $md->{count}++;
            if (defined $params) {
                $md->{function}++;
                my @p = grep { length } split /\s*,\s*/, $params;
                $md->{params} += @p;
            }
            $md->{body} += length $body;
        } else {
            error("$cur_file:$lineno: bad #define");
        }
    } elsif ($name eq 'undef') {
        $macro_undef{$1}++ if $arg =~ /^\s*([A-Za-z_]\w*)/;
    } elsif ($name eq 'include') {
        $fs->{includes}++;
        if ($arg =~ /^\s*([<"])([^>"]+)[>"]/) { $include{($1 eq '<' ? 'system ' : 'local ') . $2}++ }
        else { $include{'computed ' . norm_expr($arg)}++ }
    }
}

# Remove comments from one logical line, keeping literals. Sets $in_comment
# when a block comment stays open at the end of the line.
sub strip_comments {
    my ($l) = @_;
    my $removed = 0;
    if ($in_comment) {
        if ($l =~ s{^.*?\*/}{ }s) { $removed += length($&) - 1; $in_comment = 0 }
        else { $comment_bytes += length $l; $file_stat{$cur_file}{comment_bytes} += length $l; return '' }
    }
    # literal | closed block comment | line comment | block comment left open
    $l =~ s{("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')|/\*.*?\*/|//.*$|(/\*.*$)}{
        if (defined $1) { $1 }
        else { $removed += length($&); $in_comment = 1 if defined $2; ' ' }
    }gse;
    $comment_bytes += $removed;
    $file_stat{$cur_file}{comment_bytes} += $removed;
    return $l;
}

sub code_line {
    my ($l) = @_;
    my $fs = $file_stat{$cur_file};
    if ($l =~ /^\s*$/) { $fs->{blank}++; return }
    $fs->{code}++;
    my $d = scalar @stack;
    $depth_lines{$d}++;
    $guard_lines{guard()}++;
    while ($l =~ /"((?:\\.|[^"\\])*)"/g) {
        $fs->{strings}++;
        my $len = length $1;
        $len = $len < 8 ? $len : $len < 32 ? '8-31' : $len < 128 ? '32-127' : '128+';
        $literal_len{$len}++;
    }
    (my $nolit = $l) =~ s/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/""/g;
    while ($nolit =~ /\b(if|else|for|while|do|switch|case|return|goto|break|continue|static|struct|union|enum|typedef|const|sizeof)\b/g) {
        $keyword_count{$1}++;
    }
    # A function definition: at brace depth 0, "name(params)" (with or
    # without its return type on the same line) followed by a line starting
    # with "{" (BSD style) or ending the line with "{".
    if ($brace_depth == 0 && defined $func_candidate && $nolit =~ /^\s*\{/) {
        $fs->{funcs}++;
        $func_def{$func_candidate}++;
    }
    $func_candidate = undef;
    if ($brace_depth == 0 && $nolit =~ /^(?:[A-Za-z_]\w*[\s*]+)*([A-Za-z_]\w*)\s*\(([^;]*)\)\s*(\{)?\s*$/
        && $1 !~ /^(?:if|while|for|switch|return|sizeof|defined)$/) {
        if (defined $3) { $fs->{funcs}++; $func_def{$1}++ }
        else { $func_candidate = $1 }
    }
    my $opens = () = $nolit =~ /\{/g;
    my $closes = () = $nolit =~ /\}/g;
    $brace_depth += $opens - $closes;
    if ($brace_depth < 0) { error("$cur_file: unbalanced '}'"); $brace_depth = 0 }
    $fs->{max_braces} = $brace_depth if $brace_depth > $fs->{max_braces};
}

sub process_line {
    my ($l, $lineno) = @_;
    $logical_total++;
    if (!$in_comment && $l =~ m{^\s*/\*\s*FILE:\s*(\S+)\s*\*/\s*$}) { new_file($1); return }
    $file_stat{$cur_file}{lines}++;
    $l = strip_comments($l);
    if ($l =~ /^\s*#\s*([a-z_]+)\b\s*(.*?)\s*$/s) {
        directive($1, $2, $lineno);
    } elsif ($l =~ /^\s*#\s*$/) {
        $directive_count{'(null)'}++;
    } else {
        code_line($l);
    }
}

new_file('<start>');
my $pending = '';
my $start_line = 0;
@ARGV = ('-') unless @ARGV;
for my $path (@ARGV) {
    my $fh;
    if ($path eq '-') { $fh = \*STDIN }
    else { open $fh, '<', $path or die "cca: cannot open $path: $!\n" }
    while (my $l = <$fh>) {
        $lines_total++;
        $l =~ s/\r?\n\z//;
        $start_line = $. if $pending eq '';
        if ($l =~ s/\\\s*\z//) { $pending .= $l . ' '; next }
        process_line($pending . $l, $start_line);
        $pending = '';
    }
    close $fh unless $path eq '-';
}
process_line($pending, $start_line) if $pending ne '';
close_file();
delete $file_stat{'<start>'} unless $file_stat{'<start>'}{lines};
@file_order = grep { exists $file_stat{$_} } @file_order;

# ---- report ----
sub by_count {
    my ($h, $n) = @_;
    my @k = sort { $h->{$b} <=> $h->{$a} || $a cmp $b } keys %$h;
    splice @k, $n if defined $n && @k > $n;
    return @k;
}

sub sum { my $s = 0; $s += $_ for @_; return $s }

print "cca: C conditional-compilation analysis\n";
printf "input: %d physical lines, %d logical lines, %d files, %d comment bytes\n",
    $lines_total, $logical_total, scalar @file_order, $comment_bytes;
printf "conditionals: %d opened, %d distinct conditions, max depth %d, %d errors\n",
    sum(map { $depth_opens{$_} } keys %depth_opens), scalar keys %cond_count, $max_depth, $errors;
print "  error: $_\n" for @errors_seen;

print "\ndirectives:\n";
printf "  %-10s %8d\n", "#$_", $directive_count{$_} for sort keys %directive_count;
print "\nconditional kinds:\n";
printf "  %-10s %8d\n", $_, $cond_kind{$_} for sort keys %cond_kind;
print "\noperators in conditions:\n";
printf "  %-10s %8d\n", $_, $op_count{$_} for sort keys %op_count;

print "\nmost frequent conditions:\n";
printf "  %8d  %s\n", $cond_count{$_}, $_ for by_count(\%cond_count, $TOP);
print "\nmacros tested with defined():\n";
printf "  %8d  %s\n", $ident_defined_use{$_}, $_ for by_count(\%ident_defined_use, $TOP);
print "\nmacros used as values in conditions:\n";
printf "  %8d  %s\n", $ident_cond{$_}, $_ for by_count(\%ident_cond, $TOP);

my %defs = map { $_ => $macro_def{$_}{count} } keys %macro_def;
my ($fn_macros, $params, $body) = (0, 0, 0);
for my $m (keys %macro_def) {
    $fn_macros += $macro_def{$m}{function} ? 1 : 0;
    $params += $macro_def{$m}{params};
    $body += $macro_def{$m}{body};
}
printf "\nmacros: %d defined (%d function-like, %d parameters, %d body bytes), %d undefined\n",
    scalar keys %macro_def, $fn_macros, $params, $body, scalar keys %macro_undef;
my @tested_undef = grep { !exists $macro_def{$_} } sort keys %ident_defined_use;
printf "tested but never defined in the input: %d\n", scalar @tested_undef;
print "  $_\n" for @tested_undef[0 .. ($#tested_undef < $TOP - 1 ? $#tested_undef : $TOP - 1)];
print "most redefined macros:\n";
printf "  %8d  %s\n", $defs{$_}, $_ for by_count(\%defs, 15);

print "\nincludes:\n";
printf "  %8d  %s\n", $include{$_}, $_ for by_count(\%include, $TOP);

print "\ncode lines by nesting depth:\n";
printf "  depth %2d %9d\n", $_, $depth_lines{$_} for sort { $a <=> $b } keys %depth_lines;
print "conditionals opened at depth:\n";
printf "  depth %2d %9d\n", $_, $depth_opens{$_} for sort { $a <=> $b } keys %depth_opens;

printf "\ncpp logic: %d distinct guards\n", scalar keys %guard_lines;
printf "  %8d  %s\n", $guard_lines{$_}, $_ for by_count(\%guard_lines, $TOP);
my %guard_terms;
$guard_terms{ scalar(() = /&&/g) + ($_ eq '1' ? 0 : 1) } += $guard_lines{$_} for keys %guard_lines;
print "code lines by number of terms in their guard:\n";
printf "  %2d terms %9d\n", $_, $guard_terms{$_} for sort { $a <=> $b } keys %guard_terms;

print "\nstring literals by length:\n";
printf "  %-8s %9d\n", $_, $literal_len{$_} for sort keys %literal_len;
print "keywords:\n";
printf "  %-10s %9d\n", $_, $keyword_count{$_} for sort keys %keyword_count;
printf "function definitions: %d (%d distinct names)\n", sum(values %func_def), scalar keys %func_def;

print "\nper file: lines code blank directives conds defines includes max_depth comment_bytes strings funcs max_braces\n";
for my $f (sort @file_order) {
    my $s = $file_stat{$f};
    printf "  %-40s %6d %6d %5d %5d %5d %5d %4d %2d %7d %5d %4d %2d\n", $f,
        @$s{qw(lines code blank directives conds defines includes max_depth comment_bytes strings funcs max_braces)};
}
my @deep = sort { $file_stat{$b}{max_depth} <=> $file_stat{$a}{max_depth} || $a cmp $b } @file_order;
splice @deep, 10 if @deep > 10;
print "deepest files: ", join(' ', map { "$_($file_stat{$_}{max_depth})" } @deep), "\n";

# ---- PostScript bar chart of the depth histogram ----
my @depths = sort { $a <=> $b } keys %depth_lines;
my $maxv = 1;
for (@depths) { $maxv = $depth_lines{$_} if $depth_lines{$_} > $maxv }
my ($x0, $y0, $w, $h) = (72, 144, 468, 504);
my $bw = @depths ? $w / @depths : $w;
print "\n%!PS-Adobe-3.0\n%%Title: cca nesting depth histogram\n%%BoundingBox: 0 0 612 792\n%%Pages: 1\n%%EndComments\n";
print "%%Page: 1 1\n/Helvetica findfont 10 scalefont setfont\n";
printf "newpath %d %d moveto %d 0 rlineto 0 %d rlineto %d 0 rlineto closepath stroke\n", $x0, $y0, $w, $h, -$w;
my $i = 0;
for my $d (@depths) {
    my $bh = $h * $depth_lines{$d} / $maxv;
    my $x = $x0 + $i * $bw;
    printf "%.2f setgray newpath %.2f %d moveto %.2f 0 rlineto 0 %.2f rlineto %.2f 0 rlineto closepath fill\n",
        0.2 + 0.6 * ($i % 2), $x + $bw * 0.1, $y0, $bw * 0.8, $bh, -$bw * 0.8;
    printf "0 setgray %.2f %d moveto (%d) show\n", $x + $bw * 0.4, $y0 - 14, $d;
    printf "%.2f %.2f moveto (%d) show\n", $x + $bw * 0.1, $y0 + $bh + 4, $depth_lines{$d};
    $i++;
}
printf "0 setgray %d %d moveto (code lines by #if nesting depth, %d files) show\n", $x0, $y0 + $h + 16,
    scalar @file_order;
print "showpage\n%%EOF\n";
