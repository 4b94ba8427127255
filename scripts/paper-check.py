#!/usr/bin/env python3
"""paper-check: no number typed by hand in the paper, every cited set committed.

  scripts/paper-check.py [--set DIR]... FILE.tex...

Fails (exit 1, one line per finding: file:line: what) when

1. a digit appears in the prose of a .tex source. The prose is what is left
   of the text after removing these, which are not prose:
   - comments (an unescaped % to the end of the line);
   - the preamble (everything before \\begin{document}), which sets up the
     document and holds no result;
   - the tikzpicture, verbatim and Verbatim environments (drawing
     coordinates; commands shown as code in the appendix);
   - the arguments of the referencing and file commands: \\cite, \\citet,
     \\citep, \\citeauthor, \\citeyear, \\ref, \\autoref, \\pageref, \\eqref,
     \\label, \\input, \\include, \\includegraphics, \\fromset, \\url, \\href
     (its address), \\bibliography, \\bibliographystyle; the lengths of
     \\vspace, \\hspace, \\setlength, \\resizebox (first two), \\rule (two),
     \\parbox (its width); the colours of \\color, \\textcolor, \\colorbox,
     \\fcolorbox (two); the column specification of \\begin{tabular};
   - an optional argument [...] that directly follows a command name,
     \\begin{...} or \\\\ (placements, widths, spacing);
   and when the digits are one of these allowed forms:
   - a macro: a macro name has letters only, so \\abPeersTideLarsonOneRatio
     holds no digit; the values come from allocbench report --latex;
   - a year: four digits from 1900 to 2099 standing alone;
   - a section reference: a number after Fig., Figs., Figure, Figures,
     Table, Tables, Section, Sections, Sec. or Claim (with ~ or a space),
     optionally primed (') and optionally a range (--) to another such
     number, e.g. Fig.~6'--9' of the 2006 paper;
   - a version or name: letters directly followed by digits, with dots and
     letters after, e.g. C11, C1--C10, x86, BSDCan, tide-2006 (after a
     hyphen), and a manual section in parentheses: malloc(3).
2. a results set that the paper cites is not committed: the sets named by
   --set, by \\fromset{SET} and by \\includegraphics{results/SET/...} must each
   have tracked files (git ls-files results/SET), and each figure file under
   results/ that the paper includes must itself be tracked.
3. a figure or table environment does not name its results set (\\fromset).

Exit 0 when all hold, 1 when a finding is printed, 2 on a usage error.
"""
import os
import re
import subprocess
import sys

ARG_CMDS = ("cite", "citet", "citep", "citeauthor", "citeyear", "ref", "autoref", "pageref", "eqref", "label",
            "input", "include", "includegraphics", "fromset", "url", "href", "bibliography",
            "bibliographystyle", "vspace", "hspace", "rule", "parbox", "colorbox", "textcolor", "color")
TWO_ARG_CMDS = ("setlength", "resizebox", "rule", "fcolorbox")
REF_WORDS = r"(?:Fig\.|Figs\.|Figures?|Tables?|Sections?|Sec\.|Claims?)"
ALLOWED = [
    re.compile(REF_WORDS + r"(?:~|\s+)\d+'?(?:--\d+'?)?"),
    re.compile(r"(?<![0-9A-Za-z.])(?:19|20)\d\d(?![0-9A-Za-z])"),
    re.compile(r"[A-Za-z]+-?\d+(?:\.\d+)*[A-Za-z]*"),
    re.compile(r"[A-Za-z]\(\d\)"),
]


def blank(text, a, b):
    """Replace text[a:b] by spaces, keeping the newlines (line numbers)."""
    return text[:a] + re.sub(r"[^\n]", " ", text[a:b]) + text[b:]


def group_end(text, i, open_ch, close_ch):
    """text[i] == open_ch: the index after the matching close_ch (or len)."""
    depth = 0
    j = i
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == open_ch:
            depth += 1
        elif c == close_ch:
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return len(text)


def skip_ws(text, i):
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def prose(text):
    text = re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group(0)), text)
    m = re.search(r"\\begin\{document\}", text)
    if m:
        text = blank(text, 0, m.end())
    for env in ("tikzpicture", "verbatim", "Verbatim"):
        for m in list(re.finditer(r"\\begin\{%s\}.*?\\end\{%s\}" % (env, env), text, re.S)):
            text = blank(text, m.start(), m.end())
    # the first (or first two) brace groups of the referencing and file commands
    for m in list(re.finditer(r"\\begin\{tabular\*?\}|\\([A-Za-z]+)\*?", text)):
        name = m.group(1) or "tabular"
        if name not in ARG_CMDS and name not in TWO_ARG_CMDS and name != "tabular":
            continue
        i = skip_ws(text, m.end())
        if i < len(text) and text[i] == "[":
            e = group_end(text, i, "[", "]")
            text = blank(text, i, e)
            i = skip_ws(text, e)
        for _ in range(2 if name in TWO_ARG_CMDS else 1):
            if i < len(text) and text[i] == "{":
                e = group_end(text, i, "{", "}")
                text = blank(text, i, e)
                i = skip_ws(text, e)
    # optional arguments after a command, \begin{...} or \\ (placement, widths)
    for m in list(re.finditer(r"\\[A-Za-z]+\*?|\\begin\{[^}]*\}|\\\\", text)):
        i = m.end()
        if i < len(text) and text[i] == "[":
            text = blank(text, i, group_end(text, i, "[", "]"))
    return text


def check_digits(path, text, out):
    p = prose(text)
    for rx in ALLOWED:
        p = rx.sub(lambda m: " " * len(m.group(0)), p)
    for ln, line in enumerate(p.split("\n"), 1):
        for m in re.finditer(r"\d+", line):
            src = text.split("\n")[ln - 1].strip()
            out.append("%s:%d: a number typed in the prose ('%s'): use a generated macro (in: %s)"
                       % (path, ln, m.group(0), src[:100]))
            break


def cited_sets(text):
    text = re.sub(r"(?<!\\)%[^\n]*", "", text)
    sets = set(re.findall(r"\\fromset\{([^}\\]+)\}", text))
    sets |= set(re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{results/([^/}]+)/", text))
    return sets


def check_envs(path, text, out):
    text = re.sub(r"(?<!\\)%[^\n]*", "", text)
    for m in re.finditer(r"\\begin\{(figure\*?|table\*?)\}(.*?)\\end\{\1\}", text, re.S):
        if "\\fromset{" not in m.group(2):
            ln = text[:m.start()].count("\n") + 1
            out.append("%s:%d: this %s does not name its results set (\\fromset{SET})" % (path, ln, m.group(1)))


def committed(root, s):
    r = subprocess.run(["git", "-C", root, "ls-files", "--", "results/" + s], capture_output=True, text=True)
    return r.returncode == 0 and r.stdout.strip() != ""


def main(argv):
    sets, files = [], []
    i = 0
    while i < len(argv):
        if argv[i] == "--set" and i + 1 < len(argv):
            sets.append(argv[i + 1].rstrip("/"))
            i += 2
        elif argv[i].startswith("-"):
            print("paper-check: usage: paper-check.py [--set DIR]... FILE.tex...", file=sys.stderr)
            return 2
        else:
            files.append(argv[i])
            i += 1
    if not files:
        print("paper-check: no .tex file given", file=sys.stderr)
        return 2
    out = []
    # a set given as results/X (X may hold a slash: results/regress-selftest/STAMP)
    cited = set(s[len("results/"):] if s.startswith("results/") else os.path.basename(s) for s in sets)
    figures = set()
    for f in files:
        try:
            with open(f, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as e:
            print("paper-check: %s: %s" % (f, e.strerror), file=sys.stderr)
            return 2
        check_digits(f, text, out)
        check_envs(f, text, out)
        cited |= cited_sets(text)
        figures |= set(re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{(results/[^}]+)\}", re.sub(r"(?<!\\)%[^\n]*", "", text)))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for s in sorted(cited):
        if not committed(root, s):
            out.append("results/%s: cited by the paper but not committed (git ls-files results/%s is empty)" % (s, s))
    for g in sorted(figures):
        r = subprocess.run(["git", "-C", root, "ls-files", "--error-unmatch", "--", g], capture_output=True, text=True)
        if r.returncode != 0:
            out.append("%s: a figure of the paper that is not committed" % g)
    for line in out:
        print("paper-check: " + line)
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
