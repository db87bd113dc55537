"""Every relative link and image in README.md and docs/*.md points to a file that exists.

Links to web addresses (http, https, mailto, tel) and links within the same page (#…) are
not checked; code blocks and inline code are skipped, since they show text, not links.
"""

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
# [text](target "title") and ![alt](target); the target has no spaces (or sits in <…>)
MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
HTML_LINK = re.compile(r"<(?:img|a)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"", re.IGNORECASE)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def relative_targets(text: str) -> list[str]:
    """The relative link and image targets of a Markdown text, in order."""
    text = INLINE_CODE.sub("", FENCE.sub("", text))
    found = [
        *MARKDOWN_LINK.findall(text),
        *REFERENCE_LINK.findall(text),
        *HTML_LINK.findall(text),
    ]
    targets = []
    for target in found:
        target = target.strip("<>")
        if not target or target.startswith("#") or EXTERNAL.match(target):
            continue
        targets.append(target)
    return targets


def missing_targets(document: Path) -> list[str]:
    missing = []
    for target in relative_targets(document.read_text(encoding="utf-8")):
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        resolved = (ROOT / path.lstrip("/")) if path.startswith("/") else document.parent / path
        if not resolved.exists():
            missing.append(target)
    return missing


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_to_existing_files(document):
    assert missing_targets(document) == []


def test_the_user_guide_shows_its_screenshots():
    guide = ROOT / "docs" / "user-guide.md"
    images = [t for t in relative_targets(guide.read_text(encoding="utf-8")) if t.endswith(".png")]
    assert len(images) >= 20
    assert all(t.startswith("screenshots/") for t in images)


def test_a_broken_link_is_reported(tmp_path):
    document = tmp_path / "page.md"
    document.write_text(
        "![图](screenshots/none.png) [文档](other.md#节) [网站](https://example.com) "
        "[本页](#目录) `[代码](nowhere.md)`\n```\n[块](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    (tmp_path / "other.md").write_text("# 节\n", encoding="utf-8")
    assert missing_targets(document) == ["screenshots/none.png"]


def test_every_screenshot_the_documents_show_is_taken_by_the_browser_tests():
    """docs/screenshots/*.png are written by tests/browser/test_screenshots.py (``make
    screenshots``): a picture no test takes would go stale unnoticed."""
    taken = set(
        re.findall(
            r'shoot\(\s*page,\s*"([a-z_0-9]+)"',
            (ROOT / "tests" / "browser" / "test_screenshots.py").read_text(encoding="utf-8"),
        )
    )
    shown = {
        Path(target).name.removesuffix(".png")
        for document in DOCUMENTS
        for target in relative_targets(document.read_text(encoding="utf-8"))
        if "screenshots/" in target
    }
    on_disk = {path.stem for path in (ROOT / "docs" / "screenshots").glob("*.png")}
    assert shown - taken == set()
    assert on_disk == taken
