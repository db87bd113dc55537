"""The front-end packages served under ``/static/vendor/`` (Tabler, its icons, ECharts).

npm installs them (``package.json``); nothing of them is committed. In a checkout they are
served from ``node_modules``; ``make dist`` copies the files the pages use (``FILES``) into
the wheel, under ``huifang/static/vendor/<name>/``, so an installed wheel serves them
without Node.js or a checkout (``scripts/stage-dist.py``).
"""

from __future__ import annotations

from pathlib import Path

# name under /static/vendor/ → the npm package and its folder that is served there.
PACKAGES = {
    "tabler": ("@tabler/core", "dist"),
    "tabler-icons": ("@tabler/icons-webfont", "dist"),
    "echarts": ("echarts", "dist"),
}

# The files the templates and those files' own url()s load, per name (paths inside the
# served folder). tests/core/test_assets.py holds the templates to this list.
FILES = {
    "tabler": ["css/tabler.min.css", "js/tabler.min.js"],
    "tabler-icons": [
        "tabler-icons.min.css",
        "fonts/tabler-icons.woff2",
        "fonts/tabler-icons.woff",
        "fonts/tabler-icons.ttf",
    ],
    "echarts": ["echarts.min.js"],
}

# Each package's licence, copied beside its files into the wheel (paths in the package).
LICENSES = {
    "tabler": [],  # MIT (package.json); the npm package ships no licence file
    "tabler-icons": ["LICENSE"],
    "echarts": ["LICENSE", "NOTICE"],
}


def staticfiles_dirs(node_modules: Path, packaged: Path) -> list[tuple[str, Path]]:
    """``STATICFILES_DIRS``: each package from ``node_modules`` when npm installed it there,
    else the copy packaged in the wheel (``packaged/<name>``); when neither exists, the
    ``node_modules`` folder, so that Django's warning (staticfiles.W004) names what to run."""
    dirs = []
    for name, (package, folder) in PACKAGES.items():
        installed = node_modules / package / folder
        copy = packaged / name
        path = copy if not installed.is_dir() and copy.is_dir() else installed
        dirs.append((f"vendor/{name}", path))
    return dirs
