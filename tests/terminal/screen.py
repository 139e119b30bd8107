"""A tiny terminal screen: what a person would see after a program's output, as text.

Enough of a VT100 for what `ollm` (through rich) writes: printable characters with
auto-wrap at the right margin, CR, LF, backspace, cursor up/down/forward/back/column, erase
line and erase display; colours and modes are read and dropped. A line that runs past the
width wraps as a real terminal wraps it, and :attr:`Screen.wraps` counts it: a test that
the output fits the terminal asserts there was none.
"""

from __future__ import annotations

import re

__all__ = ("Screen",)

_CSI = re.compile(r"\x1b\[([?0-9;]*)([ -/]*)([@-~])")
_OTHER_ESC = re.compile(r"\x1b[()][0-9A-Za-z]|\x1b[^\[]")


class Screen:
    def __init__(self, width: int) -> None:
        self.width = width
        self.rows: dict[int, list[str]] = {}
        self.row = 0
        self.col = 0
        self.wraps = 0

    def _line(self) -> list[str]:
        return self.rows.setdefault(self.row, [])

    def _put(self, char: str) -> None:
        if self.col >= self.width:  # xterm's deferred wrap: the next character wraps
            self.wraps += 1
            self.row += 1
            self.col = 0
        line = self._line()
        while len(line) <= self.col:
            line.append(" ")
        line[self.col] = char
        self.col += 1

    def _csi(self, params: str, final: str) -> None:
        numbers = [int(p) for p in params.lstrip("?").split(";") if p.isdigit()]
        n = numbers[0] if numbers else None
        if final == "A":
            self.row = max(0, self.row - (n or 1))
        elif final == "B":
            self.row += n or 1
        elif final == "C":
            self.col = min(self.width, self.col + (n or 1))
        elif final == "D":
            self.col = max(0, self.col - (n or 1))
        elif final == "G":
            self.col = (n or 1) - 1
        elif final == "K":
            line = self._line()
            if (n or 0) == 2:
                line.clear()
            elif (n or 0) == 0:
                del line[self.col:]
            else:
                for i in range(min(self.col + 1, len(line))):
                    line[i] = " "
        elif final == "J" and (n or 0) == 2:
            self.rows.clear()

    def feed(self, text: str) -> Screen:
        i = 0
        while i < len(text):
            char = text[i]
            if char == "\x1b":
                found = _CSI.match(text, i)
                if found:
                    self._csi(found.group(1), found.group(3))
                    i = found.end()
                    continue
                other = _OTHER_ESC.match(text, i)
                i = other.end() if other else i + 1
                continue
            if char == "\r":
                self.col = 0
            elif char == "\n":
                self.row += 1
            elif char == "\b":
                self.col = max(0, self.col - 1)
            elif char >= " " or char == "\t":
                self._put(char)
            i += 1
        return self

    def lines(self) -> list[str]:
        """Every line from the top, trailing spaces cut; empty trailing lines dropped."""
        last = max(self.rows, default=-1)
        out = ["".join(self.rows.get(r, [])).rstrip() for r in range(last + 1)]
        while out and not out[-1]:
            out.pop()
        return out

    def text(self) -> str:
        return "\n".join(self.lines())
