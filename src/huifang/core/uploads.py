"""Checks on an uploaded spreadsheet before anything parses it.

An .xlsx is a zip archive of XML parts; a reader expands them whole into memory, so a
file of a few MB whose parts expand to GBs (a zip bomb) would hold GBs in the web process
during the upload preview. :func:`check_xlsx` looks at the archive first: it must be a zip
with an Excel workbook's parts, and its parts may not expand beyond
``HUIFANG_XLSX_MAX_UNCOMPRESSED_MB`` in total nor by more than ``HUIFANG_XLSX_MAX_RATIO``
times the file's size. The sizes the archive declares are checked first (no
decompression); then each part is expanded in small chunks and counted, since a forged
archive can declare sizes smaller than what its data expands to. Memory stays at one chunk.

:func:`check_upload` is the size limit (``HUIFANG_UPLOAD_MAX_MB``) and the type sniffing of
any uploaded .csv/.xlsx: an .xlsx must pass :func:`check_xlsx`, a CSV must be text.
"""

from __future__ import annotations

import codecs
import copy
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError

MB = 1 << 20
CHUNK = 1 << 20
# Below this many expanded bytes the ratio is not judged (a nearly empty sheet compresses
# far better than real data and is harmless).
RATIO_FROM = 10 * MB
MAX_PARTS = 10_000
# The parts every workbook has (ECMA-376: the package's content types and the workbook).
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
SNIFF = 64 * 1024

NOT_XLSX = (
    "无法读取 Excel 文件：文件已损坏，或不是真正的 .xlsx 文件（例如改了扩展名的其他文件）。"
    "请用 Excel 打开后另存为 .xlsx 或 CSV 再上传"
)


class UploadRefused(ValidationError):
    """An upload refused before parsing (the message is Chinese and says why)."""


def _too_big(expanded: int) -> UploadRefused:
    limit = settings.XLSX_MAX_UNCOMPRESSED_MB
    return UploadRefused(
        f"Excel 文件解压后超过 {limit} MB（约 {expanded // MB} MB 以上），可能是恶意构造的压缩文件，"
        "已拒绝读取。数据量大时请改用 CSV 文件导入"
    )


def _too_compressed(ratio: float) -> UploadRefused:
    return UploadRefused(
        f"Excel 文件的压缩比异常（约 {ratio:.0f} 倍，上限 {settings.XLSX_MAX_RATIO} 倍），"
        "可能是恶意构造的压缩文件，已拒绝读取"
    )


def check_xlsx(source: str | Path | BinaryIO, size: int | None = None) -> None:
    """Refuse (:class:`UploadRefused`) an .xlsx that is no workbook or expands too far.

    ``source`` is a path or a seekable binary file; ``size`` its length in bytes (read
    from the file when not given)."""
    if size is None:
        size = Path(source).stat().st_size if isinstance(source, (str, Path)) else _length(source)
    limit = settings.XLSX_MAX_UNCOMPRESSED_MB * MB
    try:
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
            names = {part.filename for part in parts}
            if len(parts) > MAX_PARTS or not all(name in names for name in REQUIRED_PARTS):
                raise UploadRefused(NOT_XLSX)
            declared = sum(part.file_size for part in parts)
            if declared > limit:
                raise _too_big(declared)
            _check_ratio(declared, size)
            expanded = 0
            for part in parts:
                expanded = _expand(archive, part, expanded, limit)
            _check_ratio(expanded, size)
    except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError, ValueError):
        raise UploadRefused(NOT_XLSX) from None  # truncated, forged headers, bad CRC
    except (zlib.error, struct.error):
        raise UploadRefused(NOT_XLSX) from None


def _expand(archive: zipfile.ZipFile, part: zipfile.ZipInfo, expanded: int, limit: int) -> int:
    """Expand ``part`` chunk by chunk, counting; returns the bytes expanded so far."""
    probe = copy.copy(part)
    # zipfile stops a part at its declared size: declare the budget instead, so that data
    # expanding past what the archive claims is seen (and its CRC still checked at the end);
    # a chunk or two beyond it, so that the count passes the limit before zipfile stops.
    probe.file_size = limit - expanded + 2 * CHUNK
    with archive.open(probe) as stream:
        while chunk := stream.read(CHUNK):
            expanded += len(chunk)
            if expanded > limit:
                raise _too_big(expanded)
    return expanded


def _check_ratio(expanded: int, size: int) -> None:
    if expanded >= RATIO_FROM and expanded > settings.XLSX_MAX_RATIO * max(size, 1):
        raise _too_compressed(expanded / max(size, 1))


def _length(stream: BinaryIO) -> int:
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


def check_upload(uploaded) -> None:
    """Refuse an uploaded .csv/.xlsx (a Django ``UploadedFile``) that is too large or is not
    what its name says: an .xlsx must be a workbook within the expansion limits, a CSV
    text (no NUL bytes, UTF-8 or GB18030 in its first block)."""
    limit = settings.UPLOAD_MAX_MB * MB
    if uploaded.size > limit:
        raise UploadRefused(f"文件超过 {settings.UPLOAD_MAX_MB} MB 的上传上限")
    suffix = Path(uploaded.name or "").suffix.lower()
    uploaded.seek(0)
    try:
        if suffix in (".xlsx", ".xlsm"):
            check_xlsx(uploaded, uploaded.size)
        elif suffix in (".csv", ".txt"):
            _check_text(uploaded.read(SNIFF))
    finally:
        uploaded.seek(0)


def _check_text(head: bytes) -> None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UploadRefused("不支持 UTF-16 编码的文件，请另存为 UTF-8 或 GBK 编码的 CSV")
    if head.startswith(b"PK\x03\x04") or b"\x00" in head:
        raise UploadRefused(
            "文件不是文本格式的 CSV（可能是改了扩展名的 Excel 或其他文件），请另存为 CSV 再上传"
        )
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(head, final=False)  # a character cut at the end of the block
        except UnicodeDecodeError:
            continue
        return
    raise UploadRefused("无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK 编码后再上传")
