"""The part of RFC 8941 (Structured Field Values) that HTTP message signatures need.

Dictionaries are parsed (Signature-Input, Signature, Content-Digest) and inner lists, items
and parameters are serialized again, because RFC 9421 signs the canonical serialization of
component identifiers and of the signature parameters, not the bytes the peer happened to send.
Lists as a top-level type and RFC 9651's dates and display strings are not needed here.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TypeAlias


class Token(str):
    """A bare token, kept apart from a String because the two serialize differently."""


BareItem: TypeAlias = "int | Decimal | str | Token | bytes | bool"
Params: TypeAlias = "dict[str, BareItem]"


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: Params = field(default_factory=dict)


@dataclass(frozen=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params = field(default_factory=dict)


class StructuredFieldError(ValueError):
    """Raised on input that is not a valid structured field; callers turn it into a 4xx."""


_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_BASE64 = re.compile(r"[A-Za-z0-9+/=]*")


class _Parser:
    def __init__(self, text: str) -> None:
        if not text.isascii():
            raise StructuredFieldError("structured fields are ASCII only")
        self.s = text
        self.i = 0

    def _peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def _skip(self, chars: str) -> None:
        while self._peek() and self._peek() in chars:
            self.i += 1

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise StructuredFieldError(f"expected {char!r} at offset {self.i}")
        self.i += 1

    def _match(self, pattern: re.Pattern[str], what: str) -> str:
        m = pattern.match(self.s, self.i)
        if not m or not m.group(0):
            raise StructuredFieldError(f"expected {what} at offset {self.i}")
        self.i = m.end()
        return m.group(0)

    def dictionary(self) -> dict[str, Item | InnerList]:
        out: dict[str, Item | InnerList] = {}
        self._skip(" ")
        while self.i < len(self.s):
            key = self._match(_KEY, "a key")
            if self._peek() == "=":
                self.i += 1
                out[key] = self._member()
            else:
                out[key] = Item(True, self._params())
            self._skip(" \t")
            if self.i >= len(self.s):
                return out
            self._expect(",")
            self._skip(" \t")
            if self.i >= len(self.s):
                raise StructuredFieldError("trailing comma")
        return out

    def _member(self) -> Item | InnerList:
        if self._peek() != "(":
            return Item(self._bare_item(), self._params())
        self.i += 1
        items: list[Item] = []
        while True:
            self._skip(" ")
            if self._peek() == ")":
                self.i += 1
                return InnerList(tuple(items), self._params())
            items.append(Item(self._bare_item(), self._params()))
            if self._peek() not in (" ", ")"):
                raise StructuredFieldError(f"bad inner list at offset {self.i}")

    def _params(self) -> Params:
        params: Params = {}
        while self._peek() == ";":
            self.i += 1
            self._skip(" ")
            key = self._match(_KEY, "a parameter key")
            value: BareItem = True
            if self._peek() == "=":
                self.i += 1
                value = self._bare_item()
            params[key] = value
        return params

    def _bare_item(self) -> BareItem:
        c = self._peek()
        if c == '"':
            return self._string()
        if c == ":":
            return self._bytes()
        if c == "?":
            flag = self.s[self.i : self.i + 2]
            if flag not in ("?0", "?1"):
                raise StructuredFieldError("bad boolean")
            self.i += 2
            return flag == "?1"
        if c == "-" or c.isdigit():
            text = self._match(_NUMBER, "a number")
            whole = text.lstrip("-").split(".")[0]
            if len(whole) > (12 if "." in text else 15):
                raise StructuredFieldError("number out of range")
            return Decimal(text) if "." in text else int(text)
        return Token(self._match(_TOKEN, "an item"))

    def _string(self) -> str:
        self.i += 1
        chars: list[str] = []
        while self.i < len(self.s):
            c = self.s[self.i]
            self.i += 1
            if c == "\\":
                nxt = self._peek()
                if nxt not in ('"', "\\"):
                    raise StructuredFieldError("bad escape in string")
                chars.append(nxt)
                self.i += 1
            elif c == '"':
                return "".join(chars)
            elif not " " <= c <= "~":
                raise StructuredFieldError("control character in string")
            else:
                chars.append(c)
        raise StructuredFieldError("unterminated string")

    def _bytes(self) -> bytes:
        self.i += 1
        m = _BASE64.match(self.s, self.i)
        end = m.end() if m else self.i
        encoded = self.s[self.i : end]
        self.i = end
        self._expect(":")
        try:
            return base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise StructuredFieldError("bad base64 in byte sequence") from exc


def parse_dictionary(text: str) -> dict[str, Item | InnerList]:
    """Parse a Dictionary; later duplicate keys win, as RFC 8941 says."""
    return _Parser(text.strip(" ")).dictionary()


def serialize_bare_item(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        rounded = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)
        text = f"{rounded:f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Token):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def serialize_params(params: Params) -> str:
    return "".join(
        f";{key}" if value is True else f";{key}={serialize_bare_item(value)}"
        for key, value in params.items()
    )


def serialize_item(item: Item) -> str:
    return serialize_bare_item(item.value) + serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    return "(" + " ".join(serialize_item(i) for i in inner.items) + ")" + serialize_params(
        inner.params
    )
