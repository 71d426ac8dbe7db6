"""Packaging: the desktop file, AppStream metainfo and icons validate and agree with the app;
the recipes name the same ids; the built .deb and tarball (when packaging/linux/build.sh made
them) hold what they should and nothing of the user's.

The validators are Debian's desktop-file-validate and appstreamcli (skipped when absent); the
.deb is read with dpkg-deb and unpacked into tmp_path, and the frozen CLI runs from there.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import struct
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from trayapp import __version__
from trayapp.store import autostart

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QGuiApplication exists

REPO = Path(__file__).resolve().parents[1]
RESOURCES = REPO / "resources"
PACKAGING = REPO / "packaging"
DESKTOP = RESOURCES / "trayapp.desktop"
METAINFO = RESOURCES / f"{autostart.APP_ID}.metainfo.xml"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
INSTALLED = (  # what the .deb must install, besides the bundle
    "usr/bin/trayapp",
    "usr/share/applications/trayapp.desktop",
    f"usr/share/metainfo/{autostart.APP_ID}.metainfo.xml",
    "usr/share/icons/hicolor/scalable/apps/trayapp.svg",
    *(f"usr/share/icons/hicolor/{n}x{n}/apps/trayapp.png" for n in HICOLOR_SIZES),
    "usr/share/doc/trayapp/copyright",
    "opt/trayapp/trayapp",
)
ALLOWED_PREFIXES = ("opt/trayapp/", "usr/bin/trayapp", "usr/share/")


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, check=False)


def desktop_keys(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return dict(parser["Desktop Entry"])


def png_size(data: bytes) -> tuple[int, int, int]:
    """(width, height, colour type) from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height, _depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, colour


# ---------------------------------------------------------------------------- desktop file


def test_the_desktop_file_validates_and_names_what_the_app_uses() -> None:
    done = run(tool("desktop-file-validate"), str(DESKTOP))
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr
    keys = desktop_keys(DESKTOP)
    assert keys["Exec"] == "trayapp" and keys["Icon"] == "trayapp"
    assert keys["Type"] == "Application" and keys["Terminal"] == "false"
    # the name Qt gives Wayland compositors and portals (QGuiApplication.setDesktopFileName)
    import inspect

    from trayapp.ui import qt_setup

    assert "setDesktopFileName(APP_ID)" in inspect.getsource(qt_setup)
    assert DESKTOP.stem == qt_setup.APP_ID == autostart.DESKTOP_FILE.removesuffix(".desktop")


def test_a_broken_desktop_file_is_caught(tmp_path: Path) -> None:
    """The validator really validates: the same file without its Type fails."""
    broken = tmp_path / "trayapp.desktop"
    broken.write_text(DESKTOP.read_text().replace("Type=Application\n", ""))
    assert run(tool("desktop-file-validate"), str(broken)).returncode != 0


# ---------------------------------------------------------------------------- metainfo


def test_the_metainfo_validates_and_matches_the_app() -> None:
    done = run(tool("appstreamcli"), "validate", "--no-net", "--pedantic", str(METAINFO))
    assert done.returncode == 0, done.stdout + done.stderr
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == autostart.APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert root.findtext("icon[@type='stock']") == "trayapp"
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert root.findtext("project_license") == pyproject["project"]["license"]
    assert root.find("releases/release").get("version") == __version__  # type: ignore[union-attr]
    assert root.findtext("provides/binary") == "trayapp"


def test_every_screenshot_the_metainfo_shows_is_in_the_repository() -> None:
    images = [e.text or "" for e in ET.parse(METAINFO).getroot().iter("image")]
    assert len(images) >= 2
    for url in images:
        assert url.startswith("https://"), url
        local = REPO / url.split("/raw/main/", 1)[1]
        assert local.is_file(), f"{url} names {local}, which does not exist"
        width, height, _ = png_size(local.read_bytes())
        assert width >= 620 and height >= 350, (local, width, height)  # Flathub's minimum


def test_a_broken_metainfo_is_caught(tmp_path: Path) -> None:
    broken = tmp_path / METAINFO.name
    text = METAINFO.read_text()
    start, end = text.index("  <summary>"), text.index("</summary>") + len("</summary>\n")
    broken.write_text(text[:start] + text[end:])  # a component without a summary
    assert run(tool("appstreamcli"), "validate", "--no-net", str(broken)).returncode != 0


# ---------------------------------------------------------------------------- icons


def test_the_png_icons_have_every_hicolor_size() -> None:
    for size in HICOLOR_SIZES:
        path = RESOURCES / "icons" / f"trayapp-{size}.png"
        assert png_size(path.read_bytes()) == (size, size, 6), path  # 6: RGBA


def test_the_ico_and_icns_hold_pngs_of_the_right_sizes() -> None:
    ico = (RESOURCES / "icons" / "trayapp.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 6
    sizes = set()
    for i in range(count):
        w, _h, _c, _r, _p, _b, length, offset = struct.unpack(
            "<BBBBHHII", ico[6 + 16 * i : 22 + 16 * i]
        )
        width, height, _ = png_size(ico[offset : offset + length])
        assert width == height == (w or 256)
        sizes.add(width)
    assert {16, 24, 32, 48, 256} <= sizes

    icns = (RESOURCES / "icons" / "trayapp.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    found, pos = {}, 8
    while pos < len(icns):
        kind, length = icns[pos : pos + 4], struct.unpack(">I", icns[pos + 4 : pos + 8])[0]
        found[kind] = png_size(icns[pos + 8 : pos + length])[0]
        pos += length
    assert pos == len(icns)
    assert found[b"ic10"] == 1024 and found[b"ic07"] == 128 and found[b"icp4"] == 16


def _mean_difference(a: object, b: object) -> float:
    """Mean absolute difference of two same-sized QImages over all RGBA channels (0..255)."""
    from PySide6.QtGui import QImage

    assert isinstance(a, QImage) and isinstance(b, QImage)
    a = a.convertToFormat(QImage.Format.Format_RGBA8888)
    b = b.convertToFormat(QImage.Format.Format_RGBA8888)
    assert a.size() == b.size()
    one, two = bytes(a.constBits()), bytes(b.constBits())  # type: ignore[call-overload]
    return sum(abs(x - y) for x, y in zip(one, two, strict=True)) / len(one)


def _make_icons() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_icons", PACKAGING / "make-icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_pngs_are_renderings_of_the_svg(qapp: object) -> None:
    """Editing the SVG without running packaging/make-icons.py fails here."""
    from PySide6.QtGui import QImage

    make_icons = _make_icons()
    for size in (16, 48, 256):
        fresh = QImage.fromData(make_icons.render(RESOURCES / "trayapp.svg", size))  # type: ignore[attr-defined]
        committed = QImage(str(RESOURCES / "icons" / f"trayapp-{size}.png"))
        assert _mean_difference(fresh, committed) < 1.0, size


def test_the_svg_looks_like_the_icon_the_app_paints(qapp: object) -> None:
    from PySide6.QtGui import QImage

    from trayapp.ui import icons

    for size in (64, 128):
        painted = icons.app_icon().pixmap(size, size).toImage()
        svg = QImage(str(RESOURCES / "icons" / f"trayapp-{size}.png"))
        assert _mean_difference(painted, svg) < 10, size  # the outline is antialiased apart
        # and not just any icon: a state icon is far from it
        other = icons.pixmap_for(icons.TrayState.OPERATIONAL, size, 1.0, dark_panel=False)
        assert _mean_difference(other.toImage(), svg) > 40


# ---------------------------------------------------------------------------- the recipes


def test_the_recipes_use_the_same_ids_as_the_app() -> None:
    spec = (PACKAGING / "trayapp.spec").read_text()
    assert f'APP_ID = "{autostart.APP_ID}"' in spec
    assert '"LSUIElement": True' in spec
    iss = (PACKAGING / "windows" / "trayapp.iss").read_text()
    assert f'#define RunKey "{autostart.RUN_KEY}"' in iss
    assert f'#define RunValue "{autostart.RUN_VALUE}"' in iss
    assert f'#define AppId "{autostart.APP_ID}"' in iss
    assert "PrivilegesRequired=lowest" in iss
    flatpak = PACKAGING / "flatpak" / f"{autostart.APP_ID}.yml"
    assert f"app-id: {autostart.APP_ID}\n" in flatpak.read_text()
    build = (PACKAGING / "linux" / "build.sh").read_text()
    assert f"APP_ID={autostart.APP_ID}\n" in build


def test_the_flatpak_install_steps_give_valid_renamed_files(tmp_path: Path) -> None:
    """Runs the manifest's own build-commands (all but pip) against this checkout, as
    flatpak-builder would, and validates what they install under /app."""
    yq, edit = tool("yq"), tool("desktop-file-edit")
    assert edit
    manifest = json.loads(
        run(yq, ".", str(PACKAGING / "flatpak" / f"{autostart.APP_ID}.yml")).stdout
    )
    module = next(m for m in manifest["modules"] if isinstance(m, dict) and m["name"] == "trayapp")
    app = tmp_path / "app"
    script = "set -e\n" + "\n".join(
        c.replace("/app/", f"{app}/") for c in module["build-commands"] if not c.startswith("pip3 ")
    )
    env = {**os.environ, "FLATPAK_ID": manifest["app-id"]}
    done = subprocess.run(
        ["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    desktop = app / "share" / "applications" / f"{autostart.APP_ID}.desktop"
    assert desktop_keys(desktop)["Icon"] == autostart.APP_ID
    assert run(tool("desktop-file-validate"), str(desktop)).returncode == 0
    metainfo = app / "share" / "metainfo" / f"{autostart.APP_ID}.metainfo.xml"
    assert ET.parse(metainfo).getroot().findtext("launchable") == desktop.name
    assert run(tool("appstreamcli"), "validate", "--no-net", str(metainfo)).returncode == 0
    assert (
        app / "share" / "icons" / "hicolor" / "512x512" / "apps" / f"{autostart.APP_ID}.png"
    ).is_file()


# ---------------------------------------------------------------------------- the built .deb


def built(pattern: str) -> Path:
    found = sorted((REPO / "dist").glob(pattern))
    if not found:
        pytest.skip(f"dist/{pattern} not built: run packaging/linux/build.sh")
    return found[-1]


@pytest.fixture(scope="module")
def deb() -> Path:
    arch = run("dpkg", "--print-architecture").stdout.strip()
    return built(f"trayapp_{__version__}_{arch}.deb")


@pytest.fixture(scope="module")
def root(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


def control(deb: Path) -> dict[str, str]:
    text = run("dpkg-deb", "--field", str(deb)).stdout
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line[0].isspace():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def test_the_deb_control_fields(deb: Path) -> None:
    fields = control(deb)
    assert fields["Package"] == "trayapp" and fields["Version"] == __version__
    depends = {d.strip().split(" ")[0] for d in fields["Depends"].split(",")}
    source = (PACKAGING / "run-from-source.sh").read_text()
    listed = source.split('packages="', 1)[1].split('"', 1)[0].split()
    xcb = set(listed) - {"python3", "python3-venv"}
    assert xcb <= depends, xcb - depends  # the libraries the Qt xcb plugin needs
    assert "libc6" in depends and "libglib2.0-0" in depends
    assert "gnome-keyring" in fields["Recommends"]


def test_the_deb_installs_only_its_own_files_and_no_scripts(deb: Path) -> None:
    listing = run("dpkg-deb", "--contents", str(deb)).stdout.splitlines()
    paths = [line.split(None, 5)[5].split(" -> ")[0].removeprefix("./") for line in listing]
    files = [p for p in paths if p and not p.endswith("/")]
    for wanted in INSTALLED:
        assert wanted in files, wanted
    strays = [p for p in files if not p.startswith(ALLOWED_PREFIXES)]
    assert not strays, strays  # nothing in /etc, /home, /var, /root: no user data is shipped
    assert any("-> /opt/trayapp/trayapp" in line for line in listing if "usr/bin/trayapp" in line)
    # no maintainer scripts at all (the system's triggers refresh icon and desktop caches)
    ctrl = subprocess.run(
        ["dpkg-deb", "--ctrl-tarfile", str(deb)], capture_output=True, check=True
    ).stdout
    names = subprocess.run(["tar", "-t"], input=ctrl, capture_output=True, check=True).stdout
    assert sorted(names.decode().split()) == ["./", "./control", "./md5sums"]


def test_the_installed_desktop_file_and_metainfo_validate(root: Path) -> None:
    desktop = root / "usr" / "share" / "applications" / "trayapp.desktop"
    assert run(tool("desktop-file-validate"), str(desktop)).returncode == 0
    metainfo = root / "usr" / "share" / "metainfo" / METAINFO.name
    done = run(tool("appstreamcli"), "validate", "--no-net", str(metainfo))
    assert done.returncode == 0, done.stdout


def test_every_library_of_the_bundle_is_found(root: Path) -> None:
    """What the bundle leaves to the system (Depends) is there on this host; the Qt platform
    plugin, the Python runtime and the app's executable all resolve."""
    bundle = root / "opt" / "trayapp"
    elves = [
        p
        for p in bundle.rglob("*")
        if p.is_file() and not p.is_symlink() and p.read_bytes()[:4] == b"\x7fELF"
    ]
    names = {p.name for p in elves}
    assert {"trayapp", "libqxcb.so", "libqwayland.so", "libQt6Core.so.6"} <= names
    assert any(name.startswith("libpython3") for name in names)
    missing = [
        f"{p}: {line}"
        for p in elves
        for line in run("ldd", str(p)).stdout.splitlines()
        if "not found" in line
    ]
    assert not missing, missing


def test_the_frozen_cli_runs_and_autostart_records_the_installed_executable(
    root: Path, tmp_path: Path
) -> None:
    app = root / "opt" / "trayapp" / "trayapp"
    # the default profile, as an installed user has it (a TRAYAPP_* profile would be kept in Exec)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAYAPP_")}
    env |= {
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    version = run(str(app), "--version", env=env)
    assert version.returncode == 0 and version.stdout.strip() == f"trayapp {__version__}"
    listed = run(str(app), "watch", "list", env=env)  # the catalog, from the bundled resources
    assert listed.returncode == 0 and "GitHub" in listed.stdout, listed.stderr

    # started through a link, as /usr/bin/trayapp is: the entry names the bundle itself
    link = tmp_path / "bin" / "trayapp"
    link.parent.mkdir()
    link.symlink_to(app)
    assert run(str(link), "autostart", "on", env=env).returncode == 0
    entry = tmp_path / "config" / "autostart" / "trayapp.desktop"
    exec_line = desktop_keys(entry)["Exec"]
    assert exec_line == str(app)
    assert run(exec_line, "--version", env=env).stdout.strip() == f"trayapp {__version__}"
    assert run(tool("desktop-file-validate"), str(entry)).returncode == 0
    assert run(str(link), "autostart", "off", env=env).returncode == 0
    assert not entry.exists()


def test_the_tarball_holds_the_bundle() -> None:
    import platform
    import tarfile

    tarball = built(f"trayapp-{__version__}-linux-{platform.machine()}.tar.gz")
    with tarfile.open(tarball) as tar:
        members = {m.name: m for m in tar.getmembers()}
    top = f"trayapp-{__version__}"
    assert members[f"{top}/trayapp"].isfile() and members[f"{top}/trayapp"].mode & 0o111
    assert all(name == top or name.startswith(f"{top}/") for name in members)
    assert all(m.uid == 0 and m.gid == 0 for m in members.values())
