"""Building .xlsx zip bombs for tests: a real workbook's parts with a first sheet that
expands to ``expand_mb`` MB (about 290 times its compressed size), written in a moment.

Deflate output after a full flush starts afresh, so one compressed 1 MB block of rows can
be repeated as often as wanted; only its CRC is computed over the whole expansion."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

ROW = b'<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAA</t></is></c></row>'
BLOCK = ROW * ((1 << 20) // len(ROW))
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
TAIL = b"</sheetData></worksheet>"
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    b"</Relationships>"
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    b"</Relationships>"
)


def _deflate_once(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def _bomb_part(expand_mb: int) -> tuple[bytes, int, int]:
    """(deflated data, expanded size, CRC) of a sheet of ``expand_mb`` MB of rows."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(HEAD) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(BLOCK) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.compress(TAIL) + packer.flush()
    crc = zlib.crc32(HEAD)
    for _ in range(expand_mb):
        crc = zlib.crc32(BLOCK, crc)
    crc = zlib.crc32(TAIL, crc)
    size = len(HEAD) + len(BLOCK) * expand_mb + len(TAIL)
    return head + block * expand_mb + tail, size, crc


def xlsx_bomb(expand_mb: int, *, declared_size: int | None = None) -> bytes:
    """The bytes of an .xlsx whose sheet expands to ``expand_mb`` MB; ``declared_size``
    forges the size (and leaves the CRC of the real data) the archive claims for it."""
    parts = [
        (name, _deflate_once(data), len(data), zlib.crc32(data))
        for name, data in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        )
    ]
    data, size, crc = _bomb_part(expand_mb)
    parts.append(("xl/worksheets/sheet1.xml", data, declared_size or size, crc))
    body, directory = bytearray(), bytearray()
    for name, packed, size, crc in parts:
        encoded = name.encode()
        offset = len(body)
        body += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(packed), size, len(encoded), 0
        )
        body += encoded + packed
        directory += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(packed),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        directory += encoded
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(directory), len(body), 0
    )
    return bytes(body + directory + end)


def write_xlsx_bomb(path: Path, expand_mb: int, **kwargs) -> Path:
    path.write_bytes(xlsx_bomb(expand_mb, **kwargs))
    return path
