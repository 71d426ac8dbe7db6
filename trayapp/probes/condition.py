"""The JSON condition language of a probe: ``data.0.id exists``, ``status == "ok"``, ``count >=
1``."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from trayapp.errors import ConditionError

if TYPE_CHECKING:
    pass


Op = Literal["exists", "==", "!=", "<", "<=", ">", ">="]


_SEGMENT = r'(?:"[^"]*"|[A-Za-z0-9_-]+)'


_CONDITION = re.compile(
    rf"\s*(?P<path>{_SEGMENT}(?:\.{_SEGMENT})*)\s+"
    r"(?:(?P<exists>exists)|(?P<op>==|!=|<=|>=|<|>)\s*(?P<value>.+?))\s*"
)


_MISSING = object()


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed JSON condition: ``path`` of keys (str) and list indices (int), an operator and,
    except for ``exists``, a JSON scalar to compare with."""

    path: tuple[str | int, ...]
    op: Op
    value: str | int | float | bool | None = None
    text: str = ""

    def check(self, data: Any) -> tuple[bool, str]:
        """Whether ``data`` (parsed JSON) satisfies the condition, and a few words on why not."""
        found = _walk(data, self.path)
        where = self.path_text
        if found is _MISSING:
            return False, f"{where} is missing"
        if self.op == "exists":
            return True, ""
        if self.op in ("==", "!="):
            equal = _strict_equal(found, self.value)
            return (equal if self.op == "==" else not equal), f"{where} is {_show(found)}"
        if not _orderable(found, self.value):
            return False, f"{where} is {_show(found)}, which cannot be compared with {self.op}"
        holds = {
            "<": found < self.value,
            "<=": found <= self.value,
            ">": found > self.value,
            ">=": found >= self.value,
        }[self.op]
        return holds, f"{where} is {_show(found)}"

    @property
    def path_text(self) -> str:
        return ".".join(
            str(p) if isinstance(p, int) or re.fullmatch(r"[A-Za-z0-9_-]+", p) else f'"{p}"'
            for p in self.path
        )


def parse_condition(text: str) -> Condition:
    """Parse ``text`` (see the module docstring); ConditionError says what is accepted."""
    match = _CONDITION.fullmatch(text or "")
    if not match:
        raise ConditionError(
            'a JSON condition is "PATH exists" or "PATH OP VALUE" with OP one of '
            '== != < <= > >= and VALUE a JSON scalar, e.g. data.0.id exists, status == "ok"'
        )
    path = tuple(_segment(s) for s in re.findall(_SEGMENT, match.group("path")))
    if match.group("exists"):
        return Condition(path, "exists", text=text.strip())
    raw = match.group("value")
    try:
        value = json.loads(raw)
    except ValueError:
        raise ConditionError(
            f"the value to compare with must be JSON: a quoted string, a number, true, false "
            f"or null (got {raw[:40]!r})"
        ) from None
    if isinstance(value, list | dict):
        raise ConditionError("the value to compare with must be a string, number, bool or null")
    op: Op = match.group("op")  # type: ignore[assignment]
    if op not in ("==", "!=") and not _orderable(value, value):
        raise ConditionError(f"{op} compares numbers or strings, not {raw.strip()}")
    return Condition(path, op, value, text=text.strip())


def _segment(raw: str) -> str | int:
    if raw.startswith('"'):
        return raw[1:-1]
    return int(raw) if re.fullmatch(r"-?\d+", raw) else raw


def _walk(data: Any, path: Sequence[str | int]) -> Any:
    current = data
    for segment in path:
        if isinstance(current, dict):
            current = current.get(str(segment), _MISSING)
        elif isinstance(current, list) and isinstance(segment, int):
            in_range = -len(current) <= segment < len(current)
            current = current[segment] if in_range else _MISSING
        else:
            return _MISSING
        if current is _MISSING:
            return _MISSING
    return current


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _strict_equal(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    return type(a) is type(b) and a == b


def _orderable(a: Any, b: Any) -> bool:
    return (_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str))


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"
