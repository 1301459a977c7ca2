#!/usr/bin/env python3
"""Plain-text code-structure report for the ubuild C++ tree.

Usage: code_report.py REPO_ROOT          the whole report
       code_report.py --rooms REPO_ROOT  only the room rules; exit 1 on a violation

The room rules (ALLOWED below) are the architecture's include rules, checked
by CTest as `rooms.include_rules`: the link graph catches a call into a room
above, but a header-only include would slip through it.

Only production C++ files are measured: *.h / *.cpp under parser/, store/ and
builder/ (any path with a tests/ or examples/ component is skipped).

Sections
  1. Lines per file: every file with its line count (newline-separated lines,
     as `wc -l` counts them for files ending in a newline), longest first,
     then the file count, total lines and the files over 450 and 300 lines.
  2. Ten longest functions: body length of each function definition, counted
     inclusively from the line holding the body's opening brace to the line
     holding its matching closing brace.
  3. Include graph between rooms: a room is a file's directory relative to the
     root. Every quoted `#include "x/y.h"` is an edge from the including
     file's room to the room of the included file. Same-room includes are only
     counted; cross-room edges are listed with their include counts; edges the
     ALLOWED table below does not permit are listed as VIOLATION lines.

Function-detection heuristic and its known limits
  The source is first blanked: comments, string literals (including raw
  strings R"d(...)d" with any encoding prefix), char literals and preprocessor
  lines are replaced by spaces (newlines kept); digit separators (1'000) are
  not mistaken for char literals. A brace scanner then tracks nesting. Only a
  `{` opened at namespace/class scope (or top level) is classified, using the
  text since the previous `;`, `{` or `}` at that scope (its "head"), with
  nested (...) and {...} collapsed:
    - `namespace ...` / `extern "C"`            -> scope (descend into it)
    - ends with `)` + qualifiers (const, noexcept, override, final, &, &&,
      mutable, `-> type`, a constructor `: member(...)/{...}` list, `try`),
      with no `=` or lambda `[` outside parentheses -> function definition
    - a class/struct/union/enum head            -> scope
    - anything else (brace initialisers, lambdas assigned at namespace scope,
      braces of a constructor's member-initialiser list) -> not a function.
  Everything nested inside a function body (lambdas, local classes, `if
  constexpr` visitor branches) counts towards that function. Limits: macros
  are not expanded (a macro producing a function or unbalanced braces will
  confuse it); braces inside #if/#else branches are blanked with the
  directives' lines only, so both branches are scanned and must balance;
  lambdas at namespace scope are not reported; K&R-style or macro-wrapped
  signatures, `requires` clauses and templates whose arguments contain `(`
  or `=` outside the leading template<...> may be missed; a function-try-block
  is measured without its catch handlers; the name shown is the identifier
  (with qualifiers) before the first parameter list.
"""
import bisect
import os
import re
import sys
from collections import Counter

# Allowed room dependencies (from-room -> rooms it may include). "*" = any.
# Rooms absent from this table are not checked; their edges are only listed.
ALLOWED = {
    "store/base": set(),
    "store": {"store/base"},
    "store/registry": {"store", "store/base"},
    "parser": {"store/base"},
    "builder/rootfs": {"store/base", "store"},
    "builder/run": {"builder/rootfs", "store/base", "store"},
    "builder/copy": {"builder/rootfs", "store/base", "store"},
    "builder/dispatch": {"builder/run", "builder/copy", "builder/rootfs", "parser", "store", "store/base"},
    "builder": {"builder/dispatch", "builder/run", "builder/copy", "builder/rootfs", "parser", "store",
                "store/registry", "store/base"},
    "builder/progress": {"store", "store/base"},
    "builder/cli": {"*"},
}
PRODUCTION_DIRS = ("parser", "store", "builder")
EXTENSIONS = (".h", ".cpp")
SKIP_PARTS = {"tests", "examples"}
TOP_FUNCTIONS = 10


def production_files(root):
    out = []
    for top in PRODUCTION_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_PARTS)
            for f in filenames:
                if f.endswith(EXTENSIONS):
                    out.append(os.path.relpath(os.path.join(dirpath, f), root).replace(os.sep, "/"))
    return sorted(out)


TOKENS = re.compile(r"""
    ^[ \t]*\#(?:\\\n|[^\n])*                       # preprocessor line (+ continuations)
  | //[^\n]* | /\*.*?\*/                               # comments
  | (?P<raw>\b(?:u8|u|U|L)?R"(?P<d>[^(\s"]*)\(.*?\)(?P=d)")  # raw string
  | (?P<str>"(?:\\.|[^"\\\n])*")                       # string literal
  | '(?:\\.|[^'\\\n])*'                                # char literal
  | \b\d[\w'.]*                                         # number (may hold ' separators)
""", re.M | re.S | re.X)


def blank(src):
    """Blank comments, literals and preprocessor lines, keeping line breaks (strings keep "")."""
    def repl(m):
        keep = "\n" * m.group(0).count("\n")
        return '"' + keep + '"' if m.group("raw") or m.group("str") else " " + keep
    return TOKENS.sub(repl, src)


def collapse(text):
    """Collapse nested (...) to () and {...} to {}, and whitespace to one space."""
    out, depth = [], 0
    for ch in text:
        if ch in "({":
            if depth == 0:
                out.append(ch)
            depth += 1
        elif ch in ")}":
            depth -= 1
            if depth == 0:
                out.append(")" if ch == ")" else "}")
        elif depth == 0:
            out.append(ch)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def strip_prefixes(head):
    while True:
        new = re.sub(r"^(?:(?:public|private|protected)\s*:(?!:)|\[\[[^\]]*\]\])\s*", "", head)
        m = re.match(r"template\s*<", new)
        if m:  # drop template <...> (balanced angles)
            depth, k = 1, m.end()
            while k < len(new) and depth:
                depth += {"<": 1, ">": -1}.get(new[k], 0)
                k += 1
            new = new[k:].lstrip()
        if new == head:
            return head
        head = new


QUALS = r"(?:\s*(?:const|volatile|noexcept\s*(?:\(\))?|throw\s*\(\)|override|final|mutable|&&|&))*"
MEMBER = r"[\w:<>]+\s*(?:\(\)|\{\})"
FUNC_TAIL = re.compile(r"\)" + QUALS + r"(?:\s*->\s*[^;={}]+?)?" + QUALS +
                       r"(?:\s*:\s*" + MEMBER + r"(?:\s*,\s*" + MEMBER + r")*)?\s*(?:try)?\s*$")
INIT_LIST_OPEN = re.compile(r"\)" + QUALS + r"\s*:\s*(?:" + MEMBER + r"\s*,\s*)*[\w:<>]+\s*$")
NAME = re.compile(r"((?:~?\w+(?:<[^<>]*>)?::)*(?:operator\s*(?:\(\)|[^\w\s(]+|\s[\w:<>*& ]+?)|~?\w+))\s*\(\)")
NOT_NAMES = {"decltype", "alignas", "__attribute__", "noexcept", "__declspec", "static_assert", "catch"}


def classify(raw_head):
    """Return ('scope'|'func'|'init'|'init_member', name) for a `{` at scope level."""
    if raw_head.count("(") > raw_head.count(")"):
        return "init", None
    head = strip_prefixes(collapse(raw_head))
    if re.match(r"(?:inline\s+)?namespace\b", head) or re.fullmatch(r'extern\s*"\s*"', head):
        return "scope", None
    if INIT_LIST_OPEN.search(head):
        return "init_member", None
    plain = re.sub(r"operator\s*(?:\(\)|[^\w\s(]+)", "operator", head)
    if FUNC_TAIL.search(head) and "=" not in plain and "[" not in plain:
        for m in NAME.finditer(head):
            if m.group(1) not in NOT_NAMES:
                return "func", re.sub(r"\s+", " ", m.group(1))
    if re.search(r"\b(?:class|struct|union|enum)\b", head):
        return "scope", None
    return "init", None


def functions(src):
    """Yield (start_line, body_lines, name) for each function definition in src."""
    clean = blank(src)
    line_starts = [0] + [m.end() for m in re.finditer("\n", clean)]
    line_of = lambda pos: bisect.bisect_right(line_starts, pos)  # 1-based
    stack, stmt_start = [], 0  # stack of (kind, open_pos, name)
    for i, ch in enumerate(clean):
        at_scope = not stack or stack[-1][0] == "scope"
        if ch == "{":
            if at_scope:
                kind, name = classify(clean[stmt_start:i])
                stack.append((kind, i, name))
                if kind == "scope":
                    stmt_start = i + 1
            else:
                stack.append(("inner", i, None))
        elif ch == "}" and stack:
            kind, pos, name = stack.pop()
            if kind == "func":
                first, last = line_of(pos), line_of(i)
                yield first, last - first + 1, name
            if kind in ("func", "scope"):
                stmt_start = i + 1
        elif ch == ";" and at_scope:
            stmt_start = i + 1


def include_edges(root, texts):
    """Return list of (from_room, to_room, file, header) for quoted includes."""
    edges = []
    for f, text in sorted(texts.items()):
        room = os.path.dirname(f)
        for header in re.findall(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', text, re.M):
            if not os.path.exists(os.path.join(root, header)) and os.path.exists(os.path.join(root, room, header)):
                header = os.path.normpath(os.path.join(room, header)).replace(os.sep, "/")  # file-relative
            edges.append((room, os.path.dirname(header) or ".", f, header))
    return edges


def allowed(src_room, dst_room):
    """True/False for rooms in the table, None when the edge is not checked."""
    if src_room not in ALLOWED or dst_room not in ALLOWED:
        return None
    rule = ALLOWED[src_room]
    return "*" in rule or dst_room in rule


def main(root):
    files = production_files(root)
    texts = {}
    for f in files:
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            texts[f] = fh.read()
    counts = {f: len(t.splitlines()) for f, t in texts.items()}

    print("== Lines per file (production: %s; .h/.cpp) ==" % ", ".join(d + "/" for d in PRODUCTION_DIRS))
    for f in sorted(files, key=lambda f: (-counts[f], f)):
        print("%6d  %s" % (counts[f], f))
    print("\nfiles: %d\ntotal lines: %d" % (len(files), sum(counts.values())))
    for limit in (450, 300):
        over = sorted((f for f in files if counts[f] > limit), key=lambda f: (-counts[f], f))
        print("files over %d lines: %d" % (limit, len(over)))
        for f in over:
            print("  %6d  %s" % (counts[f], f))

    funcs = [(n, f, line, name) for f in files for line, n, name in functions(texts[f])]
    funcs.sort(key=lambda t: (-t[0], t[1], t[2]))
    print("\n== Ten longest functions (body lines, opening to closing brace) ==")
    print("(%d function definitions found)" % len(funcs))
    for n, f, line, name in funcs[:TOP_FUNCTIONS]:
        print("%5d  %s:%d  %s" % (n, f, line, name))

    edges = include_edges(root, texts)
    same = sum(1 for a, b, _, _ in edges if a == b)
    cross = Counter((a, b) for a, b, _, _ in edges if a != b)
    print("\n== Include graph between rooms (quoted includes) ==")
    print("rooms: %s" % ", ".join(sorted({os.path.dirname(f) for f in files})))
    print("includes: %d total, %d within the same room, %d across rooms"
          % (len(edges), same, len(edges) - same))
    for (a, b), n in sorted(cross.items()):
        note = {True: "", False: "  [not allowed]", None: "  [unchecked]"}[allowed(a, b)]
        print("%s -> %s  (%d include%s)%s" % (a, b, n, "" if n == 1 else "s", note))
    return room_violations(files, edges)


def room_violations(files, edges):
    """Prints and counts includes the ALLOWED table forbids, and rooms it does not know."""
    bad = [(f, h) for a, b, f, h in edges if a != b and allowed(a, b) is False]
    unknown = sorted({os.path.dirname(f) for f in files} - set(ALLOWED))
    print("\n-- back-edges (violations of the ALLOWED table): %d --" % len(bad))
    for f, h in sorted(bad):
        print("VIOLATION %s includes %s" % (f, h))
    for room in unknown:
        print("UNKNOWN ROOM %s: add it to ALLOWED in %s" % (room, __file__))
    return len(bad) + len(unknown)


def rooms_only(root):
    files = production_files(root)
    texts = {}
    for f in files:
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            texts[f] = fh.read()
    return room_violations(files, include_edges(root, texts))


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--rooms":
        sys.exit(1 if rooms_only(args[1]) else 0)
    if len(args) != 1:
        sys.exit(__doc__.split("\n\n")[1])
    sys.exit(1 if main(args[0]) else 0)
