"""Personal data encrypted at rest (PIPL; ``domain.md``): ID numbers, mobiles, phones,
addresses and e-mails.

A value is stored as ``hf1$<key id>$<base64url(nonce ‖ AES-256-GCM ciphertext ‖ tag)>``
(the ``cryptography`` package's authenticated encryption; a fresh 96-bit nonce per value).
``settings.FIELD_KEYS`` (``HUIFANG_FIELD_KEYS``) lists the keys: the first encrypts, each
decrypts the values its key id names, so a new key goes in front and ``huifang keys
rotate`` re-encrypts the rest before the old key is dropped.

Encrypted text cannot be searched, so a column that must be found by its exact value (an
ID number, a mobile) has a blind index beside it: a keyed HMAC-SHA256 of the value with
``settings.INDEX_KEY``, which does not rotate with the field keys. The importers compare
indexes, not ciphertext, to see whether a value changed.

The empty string stays empty (no value, nothing to hide; blank checks keep working). A
value without the ``hf1$`` prefix is read as it is: rows written before encryption, until
the migration or ``keys rotate`` encrypts them.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from itertools import repeat

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import FieldError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.lookups import Exact, IsNull

logger = logging.getLogger(__name__)

PREFIX = "hf1$"
NONCE = 12  # bytes: AES-GCM's 96-bit nonce
_URLSAFE = bytes.maketrans(b"+/", b"-_")  # what base64.urlsafe_b64encode translates
UNREADABLE = "（无法解密）"
INDEX_LENGTH = 32  # hex characters: 128 bits of the HMAC


class Undecryptable(Exception):
    """A stored value that no configured key opens."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"huifang field key " + key).hexdigest()[:8]


class Keyring:
    """The configured keys: encrypt with the first, decrypt with the one a value names.

    Speed matters (an import encrypts millions of values): ``encrypt_many`` and
    ``index_many`` take a whole column of values (the importers' path: one call per staged
    chunk and column); the nonces of a call come from one ``os.urandom`` (each value its
    own 96 random bits; nothing is kept between calls, so a forked process never shares its
    parent's), and the HMAC is RFC 2104's construction over copies of the two keyed
    SHA-256 states (what ``hmac`` computes, without setting the key up for every value;
    ``tests/core/test_fieldcrypt.py`` compares the two)."""

    def __init__(self, keys: list[bytes], index_key: bytes):
        self.ciphers = {key_id(key): AESGCM(key) for key in keys}
        self.current = key_id(keys[0])
        self._cipher = self.ciphers[self.current]
        self._head = f"{PREFIX}{self.current}$"
        block = index_key.ljust(64, b"\0")  # SHA-256's block; the key is 32 bytes
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def encrypt(self, text: str) -> str:
        return self.encrypt_many([text])[0]

    def encrypt_many(self, texts: Sequence[str]) -> list[str]:
        """Each of ``texts`` encrypted under a fresh nonce, in order (an empty text stays
        as it is): the nonces from one ``os.urandom``, the base64 of all the values
        translated to the URL-safe alphabet in one pass."""
        present = [text for text in texts if text]
        count = len(present)
        if not count:
            return list(texts)
        random = os.urandom(NONCE * count)
        nonces = [random[start : start + NONCE] for start in range(0, NONCE * count, NONCE)]
        sealed = map(self._cipher.encrypt, nonces, map(_utf8, present), repeat(None))
        raw = list(map(bytes.__add__, nonces, sealed))
        encoded = b"\n".join([binascii.b2a_base64(r, newline=False) for r in raw])
        bodies = encoded.translate(_URLSAFE).decode("ascii").split("\n")
        return _refill(texts, list(map(self._head.__add__, bodies)))

    def decrypt(self, stored: str, *, strict: bool = False) -> str:
        """The clear text; a value no configured key opens reads as ``UNREADABLE`` (logged),
        or raises ``Undecryptable`` when ``strict`` (never re-encrypt what was not read)."""
        if not stored or not stored.startswith(PREFIX):
            return stored
        try:
            _, kid, body = stored.split("$", 2)
            raw = base64.urlsafe_b64decode(body)
            return self.ciphers[kid].decrypt(raw[:NONCE], raw[NONCE:], None).decode("utf-8")
        except (KeyError, ValueError, InvalidTag, binascii.Error, UnicodeDecodeError) as exc:
            kid = stored[len(PREFIX) : len(PREFIX) + 8]
            if strict:
                raise Undecryptable(
                    f"密钥 {kid} 不在 HUIFANG_FIELD_KEYS 中，或密文已损坏：无法解密"
                ) from exc
            logger.error("a stored value cannot be decrypted (key id %s)", kid)
            return UNREADABLE

    def index(self, text: str) -> str:
        """The blind index of ``text`` ("" for no value): HMAC-SHA256 with the index key,
        the first 128 bits in hex."""
        return self.index_many([text])[0]

    def index_many(self, texts: Sequence[str]) -> list[str]:
        """The blind index of each of ``texts``, in order."""
        inner_copy, outer_copy = self._inner.copy, self._outer.copy
        indexes = []
        append = indexes.append
        for text in texts:
            if not text:
                append("")
                continue
            inner = inner_copy()
            inner.update(text.encode("utf-8"))
            outer = outer_copy()
            outer.update(inner.digest())
            append(outer.hexdigest()[:INDEX_LENGTH])
        return indexes

    def is_current(self, stored: str) -> bool:
        """Whether ``stored`` needs no re-encryption: empty, or under the current key."""
        return not stored or stored.startswith(self._head)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def _refill(texts: Sequence[str], done: list[str]) -> list[str]:
    """``done`` (one value per non-empty text, in order) with the empty texts put back in
    their places as they were."""
    if len(done) == len(texts):
        return done
    values = iter(done)
    return [next(values) if text else text for text in texts]


@functools.lru_cache(maxsize=4)
def _keyring(keys: tuple[bytes, ...], index_key: bytes) -> Keyring:
    return Keyring(list(keys), index_key)


def keyring() -> Keyring:
    return _keyring(tuple(settings.FIELD_KEYS), settings.INDEX_KEY)


def encrypt(text: str) -> str:
    return keyring().encrypt(text)


def decrypt(stored: str) -> str:
    return keyring().decrypt(stored)


def blind_index(text: str) -> str:
    return keyring().index(text)


class EncryptedTextField(models.TextField):
    """Text stored encrypted; Python sees the clear value. ``max_length`` limits the clear
    text (forms, the importers' checks), not the column.

    Only ``isnull`` and equality with the empty string can be asked of the column: any
    other lookup would compare ciphertext and silently find nothing, so it is refused
    (search through the blind index field instead)."""

    description = "加密文本"

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_db_prep_save(self, value, connection):
        value = super().get_db_prep_save(value, connection)
        if value and not hasattr(value, "resolve_expression"):
            return encrypt(value)
        return value

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return BlankExact
        raise FieldError(f"加密字段 {self.name} 不能按“{lookup_name}”查询：请按其盲索引精确查找")

    def get_transform(self, lookup_name):
        return None


class EncryptedJSONField(EncryptedTextField):
    """A JSON document stored whole as one encrypted text: for what is kept only to be
    read back (a partner's raw payload, a call list waiting for delivery), never queried."""

    description = "加密 JSON"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None if value is None else {}
        return json.loads(decrypt(value))

    def get_db_prep_save(self, value, connection):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return encrypt(json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder))

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, cls=DjangoJSONEncoder)


class BlankExact(Exact):
    """``field=""`` on an encrypted field (no value); any other value is refused."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise FieldError("加密字段只能与空值比较：请按其盲索引精确查找")
        return super().get_prep_lookup()


class BlindIndexField(models.CharField):
    """The keyed HMAC of another field's clear value, set on every save (``pre_save``), for
    exact search: ``Customer.objects.filter(mobile_bidx=blind_index("13800001111"))``."""

    description = "盲索引"

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", INDEX_LENGTH)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, value in (("max_length", INDEX_LENGTH), ("blank", True), ("default", "")):
            if kwargs.get(key) == value:
                del kwargs[key]
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = blind_index(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def encrypted_columns() -> dict[str, dict[str, str | None]]:
    """Every encrypted column of every installed model: table → {column: its blind-index
    column or None}."""
    from django.apps import apps

    found: dict[str, dict[str, str | None]] = {}
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        indexes = {f.source: f.column for f in fields if isinstance(f, BlindIndexField)}
        for field in fields:
            if isinstance(field, EncryptedTextField):
                table = found.setdefault(model._meta.db_table, {})
                table[field.column] = indexes.get(field.name)
    return found


def sealed_json_columns() -> list[tuple[str, str, tuple[str, ...]]]:
    """(table, column, keys) of every :class:`SealedJSONField`."""
    from django.apps import apps

    return [
        (model._meta.db_table, field.column, field.keys)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, SealedJSONField)
    ]


def reseal(table: str, columns: dict[str, str | None], *, chunk: int = 2000, clear=False) -> int:
    """Bring ``table``'s encrypted ``columns`` under the current key (clear text written
    before encryption included) and their blind indexes up to date; with ``clear``, write
    them back in clear text instead (a migration's reverse). Rows in id order, ``chunk`` at
    a time; returns how many rows were rewritten. Run it inside a transaction."""
    from django.db import connection

    ring = keyring()
    names = list(columns)
    quote = connection.ops.quote_name
    select = ", ".join(quote(c) for c in names)
    sets = [f"{quote(c)} = %s" for c in names]
    sets += [f"{quote(i)} = %s" for i in columns.values() if i]
    update = f"UPDATE {quote(table)} SET {', '.join(sets)} WHERE id = %s"
    rewritten, last = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, {select} FROM {quote(table)} WHERE id > %s ORDER BY id LIMIT %s",
                [last, chunk],
            )
            rows = cursor.fetchall()
            if not rows:
                return rewritten
            last = rows[-1][0]
            ids, values = [], []
            for pk, *stored in rows:
                if clear:
                    if not any(s and s.startswith(PREFIX) for s in stored):
                        continue
                elif all(ring.is_current(s or "") for s in stored):
                    continue
                ids.append(pk)
                values.append([ring.decrypt(s, strict=True) if s else "" for s in stored])
            if ids:
                # Column by column: each column's values encrypted and indexed in one call.
                texts = list(zip(*values, strict=True))
                written = texts if clear else [ring.encrypt_many(t) for t in texts]
                pairs = zip(texts, columns.values(), strict=True)
                bidx = [ring.index_many(t) for t, i in pairs if i]
                cursor.executemany(update, list(zip(*written, *bidx, ids, strict=True)))
                rewritten += len(ids)


def rotate() -> dict[str, int]:
    """``huifang keys rotate``: every encrypted column under the current key, clear text
    left from before encryption included, in one transaction (a kill leaves every value
    as it was); audited. Returns rows rewritten per table."""
    from django.db import transaction

    from huifang.core import audit
    from huifang.core.audit_actions import CoreAction

    with transaction.atomic():
        counts = {table: reseal(table, cols) for table, cols in encrypted_columns().items()}
        for table, column, keys in sealed_json_columns():
            counts[f"{table}.{column}"] = reseal_json(table, column, keys)
        audit.record(
            CoreAction.KEYS_ROTATE,
            object_type="core.fieldkeys",
            object_id=keyring().current,
            object_repr=f"字段加密密钥 {keyring().current}",
            after={"rows": counts},
            message=f"个人信息字段改用密钥 {keyring().current} 加密，重写 {sum(counts.values())} 行",
        )
    return counts


def status() -> list[tuple[str, str, str, int]]:
    """(table, column, key id or "明文", values) of every non-empty encrypted column."""
    from django.db import connection

    quote = connection.ops.quote_name
    start = len(PREFIX) + 1
    found = []
    with connection.cursor() as cursor:
        for table, columns in encrypted_columns().items():
            for column in columns:
                c = quote(column)
                cursor.execute(
                    f"SELECT CASE WHEN {c} LIKE %s THEN SUBSTR({c}, {start}, 8) ELSE '明文' END,"
                    f" COUNT(*) FROM {quote(table)} WHERE {c} <> '' GROUP BY 1 ORDER BY 1",
                    [PREFIX + "%"],
                )
                found += [(table, column, kid, count) for kid, count in cursor.fetchall()]
    return found


def _sealed(value, transform):
    """``value`` (a string, or a list of them as ``changes`` holds) through ``transform``."""
    if isinstance(value, str):
        return transform(value)
    if isinstance(value, list):
        return [transform(v) if isinstance(v, str) else v for v in value]
    return value


class SealedJSONField(models.JSONField):
    """JSON whose top-level ``keys`` hold personal data: their values (strings, or lists
    of strings such as ``[old, new]``) are stored encrypted and read clear. Other keys stay
    searchable JSON."""

    def __init__(self, *args, keys: tuple[str, ...] = (), **kwargs):
        self.keys = tuple(keys)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["keys"] = self.keys
        return name, path, args, kwargs

    def _each(self, value, transform):
        if not isinstance(value, dict) or not any(k in value for k in self.keys):
            return value
        return {k: _sealed(v, transform) if k in self.keys else v for k, v in value.items()}

    def get_db_prep_save(self, value, connection):
        if hasattr(value, "resolve_expression"):
            return super().get_db_prep_save(value, connection)
        return super().get_db_prep_save(self._each(value, encrypt), connection)

    def from_db_value(self, value, expression, connection):
        return self._each(super().from_db_value(value, expression, connection), decrypt)


def reseal_json(table: str, column: str, keys: tuple[str, ...], *, clear=False) -> int:
    """``reseal`` for a :class:`SealedJSONField`: its ``keys`` under the current key (or
    back in clear text), row by row in id order; returns the rows rewritten."""
    import json

    from django.db import connection

    ring = keyring()
    quote = connection.ops.quote_name
    rewritten, last = 0, 0

    def redo(text: str) -> str:
        value = ring.decrypt(text, strict=True)
        return value if clear else ring.encrypt(value)

    def stale(text) -> bool:
        if not isinstance(text, str) or not text:
            return False
        return text.startswith(PREFIX) if clear else not ring.is_current(text)

    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, {quote(column)} FROM {quote(table)} WHERE id > %s "
                f"ORDER BY id LIMIT 2000",
                [last],
            )
            rows = cursor.fetchall()
            if not rows:
                return rewritten
            last = rows[-1][0]
            changes = []
            for pk, raw in rows:
                data = json.loads(raw) if isinstance(raw, str) else raw
                if not isinstance(data, dict):
                    continue
                parts = [v if isinstance(v, list) else [v] for k, v in data.items() if k in keys]
                if not any(stale(text) for part in parts for text in part):
                    continue
                new = {k: _sealed(v, redo) if k in keys else v for k, v in data.items()}
                changes.append([json.dumps(new, ensure_ascii=False), pk])
            if changes:
                mark = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
                cursor.executemany(
                    f"UPDATE {quote(table)} SET {quote(column)} = {mark} WHERE id = %s", changes
                )
                rewritten += len(changes)


def encrypt_existing(
    columns: dict[str, dict[str, str | None]],
    json_keys: dict[tuple[str, str], tuple] | None = None,
):
    """The migration operation that encrypts what a table held in clear before its columns
    became encrypted (``{table: {column: blind-index column or None}}``; ``json_keys``:
    ``{(table, column): keys}`` of :class:`SealedJSONField`), and decrypts it on reverse."""
    from django.db import migrations

    def forward(apps, schema_editor, clear=False):
        for table, cols in columns.items():
            reseal(table, cols, clear=clear)
        for (table, column), keys in (json_keys or {}).items():
            reseal_json(table, column, keys, clear=clear)

    def backward(apps, schema_editor):
        forward(apps, schema_editor, clear=True)

    return migrations.RunPython(forward, backward, elidable=False)
