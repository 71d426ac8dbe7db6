"""Big JSON arrays are read one item at a time, with the same results and errors as whole."""

from __future__ import annotations

import json

import pytest

from trayapp.errors import FormatError
from trayapp.formats.common import iter_json_array


@pytest.mark.parametrize(
    "body", [b"[]", b" [ ] ", b'[1, {"a": [2, 3]}, "x", null]', b"\xef\xbb\xbf[1]", b"[1,2]\n"]
)
def test_items_are_those_of_the_whole_array(body: bytes) -> None:
    assert list(iter_json_array(body, "things")) == json.loads(body.decode("utf-8-sig"))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty response body"),
        (b"<html>", "expected JSON but got HTML"),
        (b"{}", "things should be list, got dict"),
        (b"[1,", "invalid or truncated JSON (Expecting value at char 3)"),
        (b"[1 2]", "Expecting ',' delimiter at char 3"),
        (b"[1]x", "Extra data at char 3"),
        (b"[1,]", "Expecting value at char 3"),
        (b"\xff[]", "not valid UTF-8"),
    ],
)
def test_a_bad_array_is_a_format_error(body: bytes, reason: str) -> None:
    with pytest.raises(FormatError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        list(iter_json_array(body, "things"))
