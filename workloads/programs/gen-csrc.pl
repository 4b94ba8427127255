#!/usr/bin/perl
# gen-csrc.pl: deterministic C-like source for the cca workload.
#
#   perl gen-csrc.pl MB [SEED]  > out.c
#
# Writes at least MB megabytes (10^6 bytes; fractions allowed) of C-like
# source standing in for "all .c/.h files of FreeBSD libc concatenated" (the
# input of cca in Evans' BSDCan 2006 paper): many files, each introduced by a
# "/* FILE: name */" line, with header guards, #include lines, object- and
# function-like macros (some continued over several lines), nested
# #if/#ifdef/#ifndef/#elif/#else/#endif blocks (depth up to 7), functions with
# statements, block and line comments, and string literals (some holding
# comment markers or escaped quotes). Everything comes from a fixed-seed
# 32-bit LCG: the same MB and SEED give the same bytes on every machine.
use strict;
use warnings;

my ($mb, $seed) = @ARGV;
die "usage: gen-csrc.pl MB [SEED]\n"
    unless defined $mb && $mb =~ /^\d+(\.\d+)?$/ && $mb > 0 && @ARGV <= 2 && (!defined $seed || $seed =~ /^\d+$/);
$seed //= 2006;
my $target = int($mb * 1e6);

my $state = ($seed * 2654435761 + 1) % 4294967296;
# uniform integer in [0, n)
sub rnd {
    my ($n) = @_;
    $state = ($state * 1664525 + 1013904223) % 4294967296;
    return int(($state / 4294967296) * $n);
}
sub pick { return $_[ rnd(scalar @_) ] }

my @dirs = qw(gen stdio stdlib string locale net rpc yp gdtoa regex db/hash db/btree citrus
              resolv inet nameser posix1e uuid xdr quad sys stdtime iconv nls gmon);
my @words = qw(buf len ptr fp ctx state flags mode count idx off size base lim cur next prev
               head tail node key val hash tab ent name path fd sock addr port err ret tmp
               lock owner seq mask bits width prec sign exp frac digits radix wc mb ch);
my @types = ('int', 'size_t', 'char *', 'const char *', 'long', 'unsigned int', 'void *',
             'struct __sFILE *', 'wchar_t', 'off_t', 'ssize_t', 'uint32_t', 'double');
my @arch = qw(__i386__ __amd64__ __sparc64__ __powerpc__ __arm__ __ia64__ __alpha__ __mips__);
my @feat = qw(_REENTRANT _THREAD_SAFE __BSD_VISIBLE __POSIX_VISIBLE __XSI_VISIBLE _KERNEL
              NO_FLOATING_POINT INET6 YP HESIOD NLS _LIBC_R DEBUG __STDC__ __GNUC__ lint
              _POSIX_SOURCE _ANSI_SOURCE NOTYET COMPAT_43 __LP64__ __CC_SUPPORTS_INLINE
              FLOATING_POINT WIDE_DOUBLE I18N NDEBUG __cplusplus _NLS_PRIVATE);
my @vals = qw(__FreeBSD_version __GNUC__ __POSIX_VISIBLE __XSI_VISIBLE __ISO_C_VISIBLE BYTE_ORDER
              LONG_BIT _POSIX_C_SOURCE __STDC_VERSION__ NBBY MAXPATHLEN);
my @sysinc = qw(sys/cdefs.h sys/types.h sys/param.h sys/stat.h errno.h stdio.h stdlib.h string.h
                unistd.h fcntl.h limits.h stddef.h stdarg.h signal.h pthread.h namespace.h
                un-namespace.h libc_private.h netinet/in.h arpa/inet.h locale.h wchar.h);

my $out = '';
my $written = 0;
my $nfile = 0;
my %macros;    # macros defined so far (conditions sometimes test them)

sub ident { return pick(@words) . (rnd(3) ? '' : '_' . pick(@words)) }
sub macro_name { return uc(pick(@words)) . '_' . uc(pick(@words)) . (rnd(4) ? '' : rnd(100)) }

sub cond_atom {
    my $r = rnd(10);
    my @known = keys %macros ? sort keys %macros : ('X');
    return "defined(" . pick(@arch) . ")" if $r < 3;
    return "defined(" . pick(@feat) . ")" if $r < 5;
    return "defined " . pick(@feat) if $r < 6;
    return "!defined(" . pick(@feat) . ")" if $r < 7;
    return pick(@vals) . ' ' . pick('>=', '<', '==', '>') . ' ' . (rnd(2) ? 199000 + rnd(800000) : rnd(900)) if $r < 9;
    return pick(@known[0 .. ($#known < 50 ? $#known : 50)]);
}

sub cond_expr {
    my $n = 1 + rnd(3);
    my @t = map { cond_atom() } 1 .. $n;
    my $e = shift @t;
    for (@t) { $e .= ' ' . pick('&&', '||', '&&') . ' ' . $_ }
    $e = "($e) && " . cond_atom() if rnd(6) == 0;
    return $e;
}

sub string_lit {
    my $r = rnd(12);
    return '"' . join(' ', map { pick(@words) } 0 .. rnd(6)) . '\\n"' if $r < 6;
    return '"%s: %d /* not a comment */ %s"' if $r < 7;
    return '"http://' . pick(@words) . '.example.org/' . pick(@words) . '"' if $r < 8;
    return '"\\"' . pick(@words) . '\\" \\\\ ' . pick(@words) . '"' if $r < 9;
    return "'" . pick('a', 'x', '\\n', '\\0', '\\\'', '"', '/') . "'" if $r < 10;
    return '"' . ('-' x (10 + rnd(150))) . '"';
}

sub comment {
    my ($ind) = @_;
    my $r = rnd(5);
    return "$ind/* " . join(' ', map { pick(@words) } 0 .. 2 + rnd(8)) . " */\n" if $r < 2;
    return "$ind// " . join(' ', map { pick(@words) } 0 .. 2 + rnd(6)) . "\n" if $r < 3;
    my $c = "$ind/*\n";
    $c .= "$ind * " . join(' ', map { pick(@words) } 0 .. 3 + rnd(9)) . "\n" for 0 .. rnd(5);
    $c .= "$ind * #if 0 inside a comment is not a directive\n" if rnd(4) == 0;
    return $c . "$ind */\n";
}

sub statement {
    my ($ind) = @_;
    my $r = rnd(14);
    my ($a, $b) = (ident(), ident());
    return "${ind}$a = $b + " . rnd(64) . ";\n" if $r < 3;
    return "${ind}if ($a == NULL)\n$ind\treturn (" . pick('-1', 'NULL', 'EINVAL', '0') . ");\n" if $r < 5;
    return "${ind}(void)snprintf($a, sizeof($a), " . string_lit() . ", $b);\n" if $r < 7;
    return "${ind}for ($a = 0; $a < $b; $a++)\n$ind\t$b\[$a\] = " . string_lit() . "[0];\n" if $r < 8;
    return "${ind}while (--$a > 0) { $b <<= 1; } /* shift */\n" if $r < 9;
    return "${ind}switch ($a) {\n${ind}case " . rnd(9) . ":\n$ind\t$b++;\n$ind\tbreak;\n${ind}default:\n$ind\tbreak;\n$ind}\n" if $r < 10;
    return "${ind}$a = " . uc(ident()) . "($b, " . rnd(1000) . "); // macro call\n" if $r < 11;
    return "${ind}memcpy($a, $b, sizeof(*$a) * " . (1 + rnd(16)) . ");\n" if $r < 12;
    return "${ind}errno = " . pick('ENOMEM', 'EINVAL', 'ERANGE', 'EBADF') . ";\n" if $r < 13;
    return "${ind}return (" . string_lit() . " != NULL ? $a : $b);\n";
}

sub define {
    my $m = macro_name();
    $macros{$m} = 1;
    my $r = rnd(6);
    return "#define\t$m\t" . rnd(65536) . "\n" if $r < 2;
    return "#define\t$m\t" . string_lit() . "\n" if $r < 3;
    return "#define\t$m(" . ident() . ", " . ident() . ")\t((" . ident() . ") + (" . ident() . "))\n" if $r < 5;
    my $p = ident();
    return "#define\t$m($p) do {\t\t\\\n\tif (($p) != 0)\t\t\\\n\t\t" . ident() . "($p);\t\\\n} while (0)\n";
}

sub func {
    my ($ind) = @_;
    my $name = '_' . ident() . '_' . pick(@words) . rnd(100);
    my $s = ($ind eq '' && rnd(3) == 0 ? "static " : '') . pick(@types) . "\n$name(" .
        join(', ', map { pick(@types) . ' ' . ident() } 0 .. rnd(4)) . ")\n{\n";
    $s .= "\t" . pick(@types) . ' ' . ident() . ";\n" for 0 .. rnd(4);
    $s .= "\n";
    for (0 .. 2 + rnd(10)) {
        my $r = rnd(10);
        if ($r < 7) { $s .= statement("\t") }
        elsif ($r < 8) { $s .= comment("\t") }
        else { $s .= cond_block(3, "\t", 1) }
    }
    return $s . "}\n\n";
}

# A conditional block at nesting level $lvl (0 = file level).
sub cond_block {
    my ($lvl, $ind, $in_func) = @_;
    my $r = rnd(8);
    my $s = $r < 3 ? "#ifdef " . pick(@feat, @arch) . "\n"
          : $r < 5 ? "#ifndef " . pick(@feat) . "\n"
          : $r < 6 ? "# if " . cond_expr() . "\n"
          : "#if " . cond_expr() . "\n";
    $s .= body($lvl + 1, $ind, $in_func);
    for (0 .. (rnd(4) == 0 ? rnd(3) : -1)) {
        $s .= "#elif " . cond_expr() . "\n" . body($lvl + 1, $ind, $in_func);
    }
    $s .= "#else" . (rnd(3) ? '' : "\t/* !" . pick(@feat) . " */") . "\n" . body($lvl + 1, $ind, $in_func) if rnd(2);
    return $s . "#endif" . (rnd(2) ? '' : " /* " . pick(@feat) . " */") . "\n";
}

sub body {
    my ($lvl, $ind, $in_func) = @_;
    my $s = '';
    for (0 .. rnd(3)) {
        my $r = rnd(10);
        if ($r < 2 && $lvl < 7) { $s .= cond_block($lvl, $ind, $in_func) }
        elsif ($in_func) { $s .= $r < 8 ? statement($ind) : comment($ind) }
        elsif ($r < 5) { $s .= define() }
        elsif ($r < 6) { $s .= comment('') }
        elsif ($r < 7) { $s .= "#include \"" . ident() . ".h\"\n" }
        elsif ($r < 8) { $s .= "#undef " . (keys %macros ? (sort keys %macros)[rnd(scalar keys %macros)] : 'X') . "\n" }
        else { $s .= "extern " . pick(@types) . " " . ident() . "(" . pick(@types) . ");\n" }
    }
    return $s;
}

sub file {
    $nfile++;
    %macros = () if $nfile % 20 == 0;    # keeps the lookups of defined macros small
    my $hdr = rnd(3) == 0;
    my $base = pick(@words) . ($nfile % 7 ? '' : '_' . pick(@words)) . $nfile;
    my $name = "lib/libc/" . pick(@dirs) . "/$base" . ($hdr ? '.h' : '.c');
    my $s = "/* FILE: $name */\n";
    $s .= "/*-\n * Copyright (c) " . (1985 + rnd(22)) . " The Regents of the University of California.\n" .
          " * All rights reserved.\n *\n * Generated for allocbench; not real libc source.\n */\n\n";
    $s .= "#if defined(LIBC_SCCS) && !defined(lint)\nstatic char sccsid[] = \"@(#)$base.c\t8.1 (Berkeley) 6/4/93\";\n" .
          "#endif /* LIBC_SCCS and not lint */\n" if !$hdr && rnd(2);
    my $guard = '_' . uc($base) . '_H_';
    $s .= "#ifndef $guard\n#define\t$guard\n\n" if $hdr;
    $s .= "#include <" . pick(@sysinc) . ">\n" for 0 .. 2 + rnd(6);
    $s .= "#include \"" . ident() . ".h\"\n" if rnd(2);
    $s .= "\n";
    for (0 .. 3 + rnd(12)) {
        my $r = rnd(10);
        if ($r < 3) { $s .= cond_block(0, '', 0) }
        elsif ($r < 5) { $s .= define() }
        elsif ($r < 6) { $s .= comment('') }
        elsif ($hdr) { $s .= pick(@types) . "\t" . ident() . "(" . pick(@types) . ", " . pick(@types) . ");\n" }
        else { $s .= func('') }
    }
    $s .= "\n#endif /* !$guard */\n" if $hdr;
    return $s;
}

binmode STDOUT;
while ($written < $target) {
    my $f = file();
    print $f or die "gen-csrc: write error: $!\n";
    $written += length $f;
}
close STDOUT or die "gen-csrc: write error: $!\n";
