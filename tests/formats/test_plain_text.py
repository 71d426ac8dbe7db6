"""``common.plain_text``: text without markup skips the HTML parser (whose tables an idle tray
should not carry) and reads exactly as the parser would have read it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trayapp.formats import common
from trayapp.formats.markup import TextCollector


def parsed(raw: str) -> str:
    collector = TextCollector()
    collector.feed(raw)
    collector.close()
    return common.shorten("".join(collector.parts))


@pytest.mark.parametrize(
    "value",
    [
        "We are investigating elevated error rates.",
        "  spaced\tout\nover lines  ",
        "ünïcödé — dashes; quotes \"x\" and 'y' > greater",
        "word " * 200,
        "",
    ],
)
def test_text_without_markup_reads_as_the_parser_reads_it(value: str) -> None:
    assert common.plain_text(value) == parsed(value)


def test_markup_and_entities_still_go_through_the_parser() -> None:
    assert common.plain_text("Fixed &amp; monitoring") == "Fixed & monitoring"
    assert common.plain_text("<p>Back</p><p>to normal</p>") == "Back to normal"
    assert common.plain_text({"default": "a &lt; b"}) == "a < b"
    assert common.plain_text(None) == ""


def test_reading_plain_updates_imports_no_html_or_xml_module() -> None:
    code = (
        "import sys\n"
        "from trayapp.formats import common, gcp, incidentio, statuspage\n"
        "assert common.plain_text('All systems go') == 'All systems go'\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('html', 'xml')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
