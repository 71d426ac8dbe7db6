"""Remote text made safe to show: no terminal escape sequences, no control characters.

Anything a status page or an API sends is hostile: an incident title holding ``ESC]0;...``
renames the terminal window, ``ESC[2J`` clears the screen, a carriage return paints a fake
"✓ operational" over a line. The model strips these where payloads become values
(``model.Component``, ``Incident``, ``Reading``, ``Event``), and the terminal commands strip what
they print once more (a log written by an older version may still hold them).
"""

from __future__ import annotations

import re

# A whole escape sequence (CSI, OSC/DCS/APC/PM/SOS strings, two-byte ESC x), so no "[2J" is left
# behind; then any single control character: C0 (tab and newline are handled by the caller),
# DEL, C1, and the bidirectional overrides and isolates that reorder what a line seems to say.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # strings
    r"|\x1b[ -/]*[0-~]?"  # two-byte (and charset) sequences, or a lone ESC
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BLANKS = re.compile(r"[\t\n\r]+")


def clean(text: str, *, lines: bool = False) -> str:
    """``text`` without escape sequences or control characters. One line (tabs and line breaks
    become spaces) unless ``lines``: then line breaks and tabs stay."""
    if text.isprintable():  # the common case costs one scan
        return text
    text = _SEQUENCE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n") if lines else _BLANKS.sub(" ", text)
    return _CONTROL.sub("", text)


def clean_or_none(text: str | None, *, lines: bool = False) -> str | None:
    return None if text is None else clean(text, lines=lines)
