"""The JSON parser every API endpoint reads its body with (``DEFAULT_PARSER_CLASSES``).

Its own module: DRF imports the parser classes while ``rest_framework.views`` loads, so
this must not import views or viewsets."""

import codecs
import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json as drf_json

# Deeper than any body the API takes; checked before a serializer or the audit log walks it.
MAX_JSON_DEPTH = 32


def json_depth(value) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in item)
    return deepest


class JSONParser(parsers.JSONParser):
    """A JSON body is one object, nested at most :data:`MAX_JSON_DEPTH` levels; anything
    else is a 400 with a Chinese message (never a 500 from the view or the parser)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            data = drf_json.load(
                codecs.getreader(encoding)(stream),
                parse_constant=drf_json.strict_constant if self.strict else None,
            )
        except RecursionError as exc:
            raise ParseError("JSON 嵌套层数过多") from exc
        except json.JSONDecodeError as exc:
            raise ParseError(f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）") from exc
        except ValueError as exc:  # bad encoding, NaN / Infinity
            raise ParseError("JSON 格式错误：请使用 UTF-8 编码的标准 JSON") from exc
        if not isinstance(data, dict):
            raise ParseError("请求体必须是一个 JSON 对象（{…}）")
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(f"JSON 嵌套层数过多（最多 {MAX_JSON_DEPTH} 层）")
        return data
