"""The front-end files: served from node_modules in a checkout, from the copies a wheel
carries once installed (no staticfiles.W004 there), and the list ``make dist`` copies
holds every vendor file the templates and those files' own url()s load."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from huifang import assets

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "huifang"
STATIC_VENDOR = re.compile(r"""\{%\s*static\s+['"]vendor/([^/'"]+)/([^'"]+)['"]""")
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")?#]+)""")


def test_every_vendor_file_a_template_loads_is_packaged():
    used = set()
    for template in SRC.rglob("templates/**/*.html"):
        used |= set(STATIC_VENDOR.findall(template.read_text(encoding="utf-8")))
    assert ("tabler", "css/tabler.min.css") in used  # the pattern finds them
    packaged = {(name, f) for name, files in assets.FILES.items() for f in files}
    assert used <= packaged, f"add to huifang/assets.py FILES: {sorted(used - packaged)}"


def test_every_file_a_packaged_stylesheet_loads_is_packaged():
    node_modules = ROOT / "node_modules"
    for name, (package, folder) in assets.PACKAGES.items():
        served = node_modules / package / folder
        for file in assets.FILES[name]:
            assert (served / file).is_file(), f"{served / file} (npm ci)"
            if not file.endswith(".css"):
                continue
            css = (served / file).read_text(encoding="utf-8")
            for target in CSS_URL.findall(css):
                if target.startswith("data:"):
                    continue
                loaded = (Path(file).parent / target).as_posix().removeprefix("./")
                assert loaded in assets.FILES[name], f"{name}/{file} loads {target}"


def _dirs(tmp_path: Path, *, npm: bool, wheel: bool) -> dict[str, Path]:
    node_modules, packaged = tmp_path / "node_modules", tmp_path / "static" / "vendor"
    for name, (package, folder) in assets.PACKAGES.items():
        if npm:
            (node_modules / package / folder).mkdir(parents=True)
        if wheel:
            (packaged / name).mkdir(parents=True)
    return dict(assets.staticfiles_dirs(node_modules, packaged))


def test_a_checkout_serves_the_npm_packages(tmp_path):
    dirs = _dirs(tmp_path, npm=True, wheel=True)
    assert dirs["vendor/tabler"] == tmp_path / "node_modules" / "@tabler" / "core" / "dist"
    assert dirs["vendor/echarts"] == tmp_path / "node_modules" / "echarts" / "dist"


def test_an_installed_wheel_serves_its_own_copies(tmp_path):
    dirs = _dirs(tmp_path, npm=False, wheel=True)
    assert dirs == {
        "vendor/tabler": tmp_path / "static" / "vendor" / "tabler",
        "vendor/tabler-icons": tmp_path / "static" / "vendor" / "tabler-icons",
        "vendor/echarts": tmp_path / "static" / "vendor" / "echarts",
    }


def test_with_neither_the_warning_names_the_npm_folder(tmp_path):
    dirs = _dirs(tmp_path, npm=False, wheel=False)
    assert dirs["vendor/tabler-icons"] == (
        tmp_path / "node_modules" / "@tabler" / "icons-webfont" / "dist"
    )


def test_this_checkout_serves_its_node_modules():
    dirs = dict(settings.STATICFILES_DIRS)
    assert dirs["vendor/tabler"] == settings.NODE_MODULES / "@tabler" / "core" / "dist"
    assert all(path.is_dir() for path in dirs.values())
