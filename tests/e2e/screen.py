#!/usr/bin/env python3
"""The screen a terminal shows after the bytes on stdin, for the sequences
ubuild's live display writes: CR, LF, ESC[nA (rows up), ESC[J (clear from
the cursor down) and SGR colours (dropped). Prints the final screen's rows.
Rows are never wider than the terminal, so wrapping is not modelled."""
import re
import sys

data = sys.stdin.buffer.read().decode("utf-8", "replace").replace("\r\n", "\n")
rows = [""]
row = 0
col0 = False  # after a CR: the next text overwrites the row from column 0
token = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\r|\n|[^\x1b\r\n]+|\x1b")
for m in token.finditer(data):
    t = m.group(0)
    if m.group(2):
        arg = m.group(1)
        if m.group(2) == "A":
            row = max(0, row - int(arg or "1"))
        elif m.group(2) == "J":
            del rows[row + 1:]
            rows[row] = ""
    elif t == "\r":
        col0 = True
    elif t == "\n":
        row += 1
        col0 = False
        if row == len(rows):
            rows.append("")
    elif t != "\x1b":
        rows[row] = t + rows[row][len(t):] if col0 else rows[row] + t
        col0 = False
print("\n".join(rows).rstrip("\n"))
