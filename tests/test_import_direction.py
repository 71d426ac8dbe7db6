"""Imports only go downward: each folder of trayapp may import the ones below it, never above.

The order is the architecture (see the README's layout): the plain helpers at the bottom, then
the one HTTP edge, the probe language, the pure core, the format parsers, what is stored, the
engine, the demo, the Qt layer and the command line on top. Every import counts, including
those inside functions and under ``TYPE_CHECKING``: a type-only import is still a dependency a
reader must follow. Beside it, the size rules that keep the rooms small.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import trayapp

PACKAGE = Path(trayapp.__file__).parent

# lowest first; a module may import its own folder and any folder of a lower rank
LAYERS: tuple[tuple[str, ...], ...] = (
    ("trayapp", "trayapp.errors", "trayapp.memory", "trayapp.text", "trayapp.urls"),
    ("trayapp.net",),
    ("trayapp.probes",),
    ("trayapp.core",),
    ("trayapp.formats",),
    ("trayapp.store",),
    ("trayapp.engine",),
    ("trayapp.demo",),
    ("trayapp.ui",),
    ("trayapp.cli",),
    ("trayapp.__main__",),
)
MAX_LINES = 600
MAX_LOOSE = 8


def _room(module: str) -> str:
    """The folder (or loose module) a module belongs to, as named in LAYERS."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def _rank(module: str) -> int:
    room = _room(module)
    for rank, rooms in enumerate(LAYERS):
        if room in rooms:
            return rank
    raise AssertionError(f"{module} is in no layer: add its folder to LAYERS")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(module: str, path: Path) -> set[str]:
    """Every trayapp module ``module`` imports, wherever the import statement is."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            out.add(target)
            out |= {f"{target}.{alias.name}" for alias in node.names}  # `from pkg import mod`
    modules = _modules()
    return {name for name in out if name in modules and name != module}


def test_imports_only_go_downward() -> None:
    modules = _modules()
    assert "trayapp.core.model" in modules and "trayapp.ui.app" in modules  # the walk found them
    upward = []
    for module, path in sorted(modules.items()):
        for target in sorted(_imports(module, path)):
            same_room = _room(target) == _room(module)
            if not same_room and _rank(target) >= _rank(module):
                upward.append(f"{module} imports {target}")
    assert not upward, "imports that go up or sideways:\n" + "\n".join(upward)


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The walk really reads imports: a core module importing the engine is caught."""
    path = tmp_path / "probe_me.py"
    path.write_text("from trayapp.engine import scheduler\n\ndef f():\n    import trayapp.ui.app\n")
    found = _imports("trayapp.core.probe_me", path)
    assert found == {"trayapp.engine", "trayapp.engine.scheduler", "trayapp.ui.app"}
    assert all(_rank(target) > _rank("trayapp.core.probe_me") for target in found)


def _too_long(paths: Iterable[Path]) -> list[str]:
    """Each module over MAX_LINES, named with its line count."""
    found = []
    for path in sorted(paths):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            name = path.relative_to(PACKAGE.parent) if path.is_relative_to(PACKAGE) else path
            found.append(f"{name}: {lines} lines")
    return found


def test_no_module_over_600_lines() -> None:
    too_long = "\n".join(_too_long(_modules().values()))
    assert not too_long, f"modules over {MAX_LINES} lines (split them by concern):\n{too_long}"


def test_the_size_check_sees_a_long_module(tmp_path: Path) -> None:
    """The count is of real lines: a module one line over is named with its count."""
    path = tmp_path / "long.py"
    path.write_text("x = 1\n" * (MAX_LINES + 1), encoding="utf-8")
    (tmp_path / "short.py").write_text("x = 1\n" * MAX_LINES, encoding="utf-8")
    assert _too_long([path, tmp_path / "short.py"]) == [f"{path}: {MAX_LINES + 1} lines"]


def test_few_loose_modules() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= MAX_LOOSE, f"{len(loose)} modules directly in trayapp/: {loose}"


def test_every_folder_says_what_it_holds_and_may_import() -> None:
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "import" in doc, f"{init.parent.name}/__init__.py must say what it may import"
