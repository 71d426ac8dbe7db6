"""Where things are in a config file's text (tables, keys, watch headers), for error lines and for
edits that keep the user's layout: a scan, not a second parser; and TOML syntax errors in words."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from trayapp.errors import ConfigError


def _syntax_error(exc: tomllib.TOMLDecodeError, path: Path | str, text: str) -> ConfigError:
    message = str(exc)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match:
        problem = f"TOML syntax error: {message[: match.start()]} (column {match.group(2)})"
        return ConfigError(path, int(match.group(1)), problem)
    end = re.search(r"\s*\(at end of document\)$", message)
    if end:
        line = max(1, len(text.splitlines()))
        return ConfigError(path, line, f"TOML syntax error: {message[: end.start()]} (at the end)")
    return ConfigError(path, None, f"TOML syntax error: {message}")


_HEADER = re.compile(r"\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")


_KEY = re.compile(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*[.=]""")


@dataclass(slots=True)
class _Layout:
    """Where things are in the text, for error lines and edits (a scan, not a second parser)."""

    sections: dict[tuple[str, int], int] = field(default_factory=dict)  # (table, n) -> line
    keys: dict[tuple[str, int, str], int] = field(default_factory=dict)  # (table, n, key) -> line
    headers: list[int] = field(default_factory=list)  # every table header line
    watch_headers: list[int] = field(default_factory=list)  # each [[watch]] header line

    @classmethod
    def scan(cls, text: str) -> _Layout:
        layout = cls()
        arrays: dict[str, int] = {}
        section, index = "", 0
        open_quote: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if open_quote:
                if open_quote in line:
                    open_quote = None
                continue
            header = _HEADER.match(line)
            if header:
                name = re.sub(r"""["'\s]""", "", header.group(2))
                top, _, sub = name.partition(".")
                layout.headers.append(number)
                if header.group(1) == "[[":
                    section, index = name, arrays.get(name, 0)
                    arrays[name] = index + 1
                    if name == "watch":
                        layout.watch_headers.append(number)
                elif sub and top in arrays:  # [watch.params]: a sub-table of the latest [[watch]]
                    section, index = name, arrays[top] - 1
                    layout.keys.setdefault((top, index, sub.split(".")[0]), number)
                else:
                    section, index = name, 0
                layout.sections.setdefault((section, index), number)
                continue
            key = _KEY.match(line)
            if key:
                layout.keys.setdefault((section, index, key.group(1).strip("\"'")), number)
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    open_quote = quote
                    break
        return layout

    def line(self, section: str, index: int = 0, key: str | None = None) -> int | None:
        """The line of ``key`` in a table, else the table's header, else where the table began."""
        candidates = [self.keys.get((section, index, key))] if key else []
        if key and not section:  # a top-level table or array of tables
            candidates.append(self.sections.get((key, 0)))
        candidates += [self.sections.get((section, index)), self.keys.get(("", 0, section))]
        return next((c for c in candidates if c), None)
