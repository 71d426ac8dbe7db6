"""The text of an HTML fragment (an incident update), for ``common.plain_text``.

Its own module so that ``html.parser`` (and ``html.entities``, about 0.3 MiB of tables) is
imported only when an update really holds markup, not by every tray that reads JSON pages.
"""

from __future__ import annotations

from html.parser import HTMLParser


class TextCollector(HTMLParser):
    """Collects the text of an HTML fragment; block tags become spaces, inline tags nothing."""

    _BREAKS = frozenset({"br", "p", "div", "li", "ul", "ol", "tr", "td", "h1", "h2", "h3", "h4"})
    _SKIP = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)
