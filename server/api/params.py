"""Reading the parameters of a client API request, the one way every API route does it.

Mastodon clients send the same parameters in the query string, as form fields, as multipart
fields or as a JSON object, and nest them Rails-style (`id[]=1`, `source[privacy]=public`,
`fields_attributes[0][name]=x`). `await read_params(request)` merges the query string and the
body (the body wins, as in Rails) into one nested tree, and the typed getters turn a bad value
into a 422 that names the parameter, so a route never sees a half-parsed value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from server.errors import BadRequestError, NotFoundError, ValidationError
from server.web.forms import posted

_TRUE = frozenset({"true", "1", "t", "on", "yes"})
_FALSE = frozenset({"false", "0", "f", "off", "no"})
_KEY = re.compile(r"\[([^\[\]]*)\]")
_MAX_BIGINT = (1 << 63) - 1
_PARAMS_KEY: web.RequestKey[Params] = web.RequestKey("api_params", object)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Upload:
    """A file sent as a multipart field."""

    filename: str
    content_type: str
    data: bytes


def _split_key(key: str) -> list[str]:
    """`a[b][]` -> ['a', 'b', '']; an empty part means "append to a list"."""
    head, bracket, rest = key.partition("[")
    if not bracket:
        return [key]
    return [head, *_KEY.findall("[" + rest)]


def _insert(tree: dict[str, Any], parts: list[str], value: Any) -> None:
    node: Any = tree
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "" and isinstance(node, list):
            if last:
                node.append(value)
                return
            # `a[][id]=1&a[][description]=x&a[][id]=2`: as Rails reads it, a key goes into
            # the last object until that object has it already, then a new object starts.
            key = parts[i + 1]
            if not (node and isinstance(node[-1], dict) and key not in node[-1]
                    and i + 1 == len(parts) - 1):
                node.append({})
            node = node[-1]
            continue
        if not isinstance(node, dict):
            return  # `a=1&a[b]=2`: the shapes disagree; keep what came first
        if last:
            node[part] = value
            return
        want_list = parts[i + 1] == ""
        child = node.get(part)
        if not isinstance(child, list if want_list else dict):
            child = [] if want_list else {}
            node[part] = child
        node = child


def _tree(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in pairs:
        _insert(tree, _split_key(key), value)
    return tree


class Params:
    """Typed access to one level of the parameter tree."""

    def __init__(self, data: dict[str, Any], prefix: str = "") -> None:
        self._data = data
        self._prefix = prefix

    def _label(self, name: str) -> str:
        return f"{self._prefix}[{name}]" if self._prefix else name

    def has(self, name: str) -> bool:
        return name in self._data

    def raw(self, name: str) -> Any:
        return self._data.get(name)

    def str(self, name: str, *, required: bool = False, max_length: int | None = None,
            strip: bool = False) -> str | None:
        value = self._data.get(name)
        if value is None or isinstance(value, FileField):
            if required:
                raise ValidationError(f"Missing required parameter: {self._label(name)}",
                                      field=name)
            return None
        if isinstance(value, (dict, list)):
            raise ValidationError(f"{self._label(name)} must be a string", field=name)
        text = value if isinstance(value, str) else json.dumps(value)
        if "\x00" in text:
            raise ValidationError(f"{self._label(name)} contains a NUL character", field=name)
        if strip:
            text = text.strip()
        if required and not text:
            raise ValidationError(f"Missing required parameter: {self._label(name)}", field=name)
        if max_length is not None and len(text) > max_length:
            raise ValidationError(
                f"{self._label(name)} is too long (maximum is {max_length} characters)", field=name)
        return text

    def bool(self, name: str) -> bool | None:
        """true/false/1/0 (and t/f/on/off/yes/no); absent or empty is None."""
        value = self._data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
        raise ValidationError(f"{self._label(name)} must be true or false", field=name)

    def int(self, name: str, *, minimum: int | None = None,
            maximum: int | None = None) -> int | None:
        value = self._data.get(name)
        if value is None or value == "":
            return None
        try:
            number = int(value) if not isinstance(value, (bool, float)) else None
        except (TypeError, ValueError):
            number = None
        if number is None:
            raise ValidationError(f"{self._label(name)} must be a whole number", field=name)
        if minimum is not None and number < minimum:
            raise ValidationError(f"{self._label(name)} must be at least {minimum}", field=name)
        if maximum is not None and number > maximum:
            raise ValidationError(f"{self._label(name)} must be at most {maximum}", field=name)
        return number

    def list(self, name: str) -> list[str]:
        """`name[]=a&name[]=b`, `name=a`, or a JSON array; always strings."""
        value = self._data.get(name)
        if value is None:
            return []
        if isinstance(value, dict):  # `name[0]=a&name[1]=b`
            value = [value[k] for k in sorted(value, key=_index_order)]
        if not isinstance(value, list):
            value = [value]
        out = []
        for item in value:
            if isinstance(item, (dict, list, FileField)) or item is None:
                raise ValidationError(f"{self._label(name)} must be a list of strings", field=name)
            text = item if isinstance(item, str) else json.dumps(item)
            if "\x00" in text:
                raise ValidationError(f"{self._label(name)} contains a NUL character", field=name)
            out.append(text)
        return out

    def nested(self, name: str) -> Params:
        """The sub-object `name[...]` (an empty one when absent)."""
        value = self._data.get(name)
        if value is None:
            return Params({}, self._label(name))
        if not isinstance(value, dict):
            raise ValidationError(f"{self._label(name)} must be an object", field=name)
        return Params(value, self._label(name))

    def nested_list(self, name: str) -> list[Params]:
        """`name[0][k]=v&name[1][k]=v` or a JSON array of objects, in index order."""
        value = self._data.get(name)
        if value is None:
            return []
        items = value
        if isinstance(value, dict):
            items = [value[k] for k in sorted(value, key=_index_order)]
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValidationError(f"{self._label(name)} must be a list of objects", field=name)
        return [Params(item, f"{self._label(name)}[{i}]") for i, item in enumerate(items)]

    def file(self, name: str) -> Upload | None:
        value = self._data.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, FileField):
            raise ValidationError(f"{self._label(name)} must be a file sent as multipart/form-data",
                                  field=name)
        return Upload(filename=value.filename or "", content_type=value.content_type or "",
                      data=value.file.read())


def _index_order(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (1 << 30, key)


async def read_params(request: web.Request) -> Params:
    """The request's parameters (read once per request, then cached on it)."""
    if _PARAMS_KEY in request:
        return request[_PARAMS_KEY]
    pairs: list[tuple[str, Any]] = list(request.query.items())
    body = await _body(request)
    if isinstance(body, dict):
        tree = _tree(pairs)
        tree.update(body)
    else:
        tree = _tree(pairs + body)
    params = Params(tree)
    request[_PARAMS_KEY] = params
    return params


async def _body(request: web.Request) -> dict[str, Any] | list[tuple[str, Any]]:
    if not request.body_exists or request.method in ("GET", "HEAD"):
        return []
    content_type = request.content_type
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            data = json.loads(await request.text())
        except (ValueError, UnicodeDecodeError):
            raise BadRequestError("The request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise BadRequestError("The request body must be a JSON object")
        return data
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await posted(request, unreadable="The request body could not be read")
        return list(form.items())
    return []


def match_id(request: web.Request, name: str = "id") -> int:
    """A numeric id from the URL; anything else is simply not found, as in Mastodon."""
    text = request.match_info.get(name, "")
    if not text.isdigit() or int(text) > _MAX_BIGINT:
        raise NotFoundError("Record not found")
    return int(text)


def parse_id(text: str | None) -> int | None:
    """An id sent as a parameter, or None when it cannot be one."""
    if text is None or not text.isdigit() or int(text) > _MAX_BIGINT:
        return None
    return int(text)


def ids_param(params: Params, most: int) -> list[int]:
    """The ids of `id[]` (or `id`), in order, without repeats or what is not an id; at most
    `most` of them."""
    found = [i for i in (parse_id(v) for v in params.list("id")) if i is not None]
    return list(dict.fromkeys(found))[:most]
