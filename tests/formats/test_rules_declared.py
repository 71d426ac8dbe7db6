"""Each format declares its own detection rules; detection only asks them, in one order.

A format lives in one module (parser, known hosts, payload shapes, HTML markers, API paths,
endpoint shape): the detectors name no format, and importing them loads no format module (the
tray imports only the formats it polls).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from trayapp import formats
from trayapp.formats import FORMAT_NAMES, FormatRules, detection

PACKAGE = Path(formats.__file__).parents[1]
# the modules that detect without knowing any format: they read the formats' DETECT rules
DETECTORS = (
    "formats/detect.py",
    "formats/detection.py",
    "formats/sniff_html.py",
    "formats/endpoint_shapes.py",
    "engine/discovery.py",
)
ORDER_LISTS = frozenset({"ORDER", "PROBE_ORDER"})
GENERIC_WORDS = frozenset({"feed"})  # a format's name that is also a plain word in identifiers


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_every_format_declares_its_rules(name: str) -> None:
    module = formats.module(name)
    rules = module.DETECT
    assert isinstance(rules, FormatRules) and name == module.FORMAT
    re.compile(rules.endpoint_shape)
    for label, pattern in rules.html_markers:
        assert label and re.compile(pattern)
    assert all(path.startswith("/") for path in rules.probe_paths)
    declared = (rules.known_host, rules.sniff_json, rules.sniff_xml, rules.html_markers)
    assert any(declared), f"{name} gives detection no way to recognise it"


def test_the_order_lists_name_each_format_once() -> None:
    assert sorted(detection.ORDER) == sorted(FORMAT_NAMES)
    probing = [name for name in FORMAT_NAMES if detection.rules(name).probe_paths]
    assert sorted(detection.PROBE_ORDER) == sorted(probing)
    assert len(set(detection.PROBE_ORDER)) == len(detection.PROBE_ORDER)


def format_knowledge(source: str) -> list[str]:
    """Where ``source`` names a format outside the order lists: a string, an import of a format
    module, or an identifier with a format's name in it."""
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        targets = [node.target] if isinstance(node, ast.AnnAssign) else targets
        if any(isinstance(t, ast.Name) and t.id in ORDER_LISTS for t in targets):
            skipped |= {id(inner) for inner in ast.walk(node)}
    found = []
    words = [n for n in FORMAT_NAMES if n not in GENERIC_WORDS]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Constant) and node.value in FORMAT_NAMES:
            found.append(f"line {node.lineno}: the string {node.value!r}")
        if isinstance(node, ast.ImportFrom) and node.module == "trayapp.formats":
            found += [
                f"line {node.lineno}: imports {a.name}"
                for a in node.names
                if a.name in FORMAT_NAMES
            ]
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] in FORMAT_NAMES:
            found.append(f"line {node.lineno}: imports from {node.module}")
        name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
        name = node.name if isinstance(node, ast.FunctionDef | ast.ClassDef) else name
        if isinstance(name, str) and any(w in name.lower() for w in words):
            found.append(f"line {node.lineno}: the name {name}")
    return found


def test_the_check_sees_format_knowledge() -> None:
    source = (
        "from trayapp.formats import apple\n"
        "AZURE_HOSTS = {'x'}\n"
        "def f(d):\n    return d.format in ('feed',)\n"
        "ORDER = ('slack', 'feed')\n"
    )
    found = format_knowledge(source)
    assert [line.split(":")[0] for line in found] == ["line 1", "line 2", "line 4"]


@pytest.mark.parametrize("path", DETECTORS)
def test_the_detectors_name_no_format(path: str) -> None:
    assert format_knowledge((PACKAGE / path).read_text(encoding="utf-8")) == []


def test_detection_loads_no_format_and_a_format_loads_no_detection() -> None:
    """The detectors import a format when they first ask it; a format the tray polls does not
    bring the detectors along (the idle tray imports only the formats it polls)."""
    code = (
        "import sys\n"
        "from trayapp import formats\n"
        "import trayapp.formats.detect, trayapp.formats.endpoint_shapes\n"
        "print(sorted(n for n in formats.FORMAT_NAMES if 'trayapp.formats.' + n in sys.modules))\n"
        "for name in ('trayapp.formats.detect', 'trayapp.formats.detection',\n"
        "             'trayapp.formats.sniff_html', 'trayapp.formats.endpoint_shapes'):\n"
        "    del sys.modules[name]\n"
        "for name in formats.FORMAT_NAMES:\n"
        "    formats.module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('trayapp.formats.')\n"
        "             and m.rsplit('.', 1)[-1] not in formats.FORMAT_NAMES))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["[]", "['trayapp.formats.common']"]
