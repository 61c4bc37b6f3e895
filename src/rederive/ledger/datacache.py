"""Cache files that hold data only: JSON, authenticated, decoded into the engine's own dataclasses.

Every cache under .rederive/ (the analyses and derivations, the one ledger per render, the
fallback's chapter executions) is written with `dump` and read with `load`. A cache is an
optimisation, never a source of truth, so:

- nothing in it can run code: it is JSON, and decoding builds only plain values (str, numbers,
  lists, dicts, tuples, sets, bytes, Fraction, numpy scalars, pathlib paths) and dataclasses
  defined in the engine's own modules, whose fields are set directly (no constructor, no
  `__post_init__`, no import of anything outside `rederive`);
- nothing in it can change a result: the file carries an HMAC-SHA256 of its JSON under a key
  kept outside the work tree (the user's cache folder), so a cache that this user's own
  engine did not write (a restored CI cache, a copied folder, a crafted file) is refused;
- anything that does not verify, parse or validate is a miss (`CacheMiss`), never an error.

Written here because pickle runs code by design and no maintained library decodes JSON into
arbitrary frozen dataclasses of a chosen package without running their constructors.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import importlib
import importlib.util
import json
import os
import secrets
from fractions import Fraction
from pathlib import Path, PurePosixPath

TAG = "$t"
PACKAGE = "rederive"
KEY_ENV = "REDERIVE_CACHE_KEY_FILE"  # where the key is (tests point it elsewhere)
_process_key = secrets.token_bytes(32)  # when no key file can be kept: valid in this process only


class CacheMiss(Exception):
    """The cache file is absent, foreign, damaged or not what was asked for: rebuild."""


def _key_file() -> Path:
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rederive" / "cache-key"


_keys: dict[str, bytes] = {}


def _key() -> bytes:
    path = _key_file()
    if str(path) in _keys:
        return _keys[str(path)]
    key = _process_key
    try:
        data = path.read_bytes()
        if len(data) != 32:
            raise FileNotFoundError
        key = data
    except OSError:
        try:  # made once per user, by whichever process comes first (the others read it)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(32))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
            data = path.read_bytes()
            key = data if len(data) == 32 else _process_key
        except OSError:
            key = _process_key  # no writable cache folder: caches last one process
    _keys[str(path)] = key
    return key


# --- encoding ---------------------------------------------------------------------------------

def _encode(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value) is int or type(value) is float:
        return value
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return {TAG: "tuple", "v": [_encode(v) for v in value]}
    if isinstance(value, dict):
        if all(type(k) is str for k in value) and TAG not in value:
            return {k: _encode(v) for k, v in value.items()}
        return {TAG: "dict", "v": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, (set, frozenset)):
        return {TAG: type(value).__name__, "v": [_encode(v) for v in value]}
    if isinstance(value, bytes):
        return {TAG: "bytes", "v": base64.b64encode(value).decode()}
    if isinstance(value, Fraction):
        return {TAG: "fraction", "v": [value.numerator, value.denominator]}
    if isinstance(value, PurePosixPath):
        return {TAG: "path", "v": str(value)}
    module = type(value).__module__
    if module == "numpy" and type(value).__name__ in _NUMPY:
        return {TAG: "numpy", "type": type(value).__name__, "v": value.item()}
    if dataclasses.is_dataclass(value) and (module == PACKAGE or module.startswith(PACKAGE + ".")):
        return {TAG: "dataclass", "class": f"{module}:{type(value).__qualname__}",
                "v": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, dict):  # a dict subclass (nbformat's NotebookNode): its items
        return _encode(dict(value))
    raise TypeError(f"cannot cache a {type(value).__module__}.{type(value).__qualname__}")


_NUMPY = {"float64", "float32", "int64", "int32", "bool_"}


# --- decoding: only what _encode writes, checked ------------------------------------------------
# A member named "$t" at the top level ({"kind", "content"}) is never written: the wrapper has none.

_classes: dict[str, type] = {}


def _engine_class(name: str):
    if isinstance(name, str) and name in _classes:
        return _classes[name]
    cls = _find_engine_class(name)
    _classes[name] = cls
    return cls


def _find_engine_class(name: str):
    """A dataclass of the engine, by "module:Class"; never imports anything outside rederive or
    a module that is not a file of the installed engine (so never `rederive.__main__`)."""
    if not isinstance(name, str) or name.count(":") != 1:
        raise CacheMiss(f"bad class name {name!r}")
    module_name, qualname = name.split(":")
    parts = module_name.split(".")
    if parts[0] != PACKAGE or any(not p.isidentifier() or p.startswith("_") and p != "__init__" for p in parts) \
            or "__main__" in parts or not qualname.isidentifier():
        raise CacheMiss(f"class {name!r} is not one of the engine's")
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        spec = None
    engine = Path(__file__).parents[1]
    if spec is None or not spec.origin or not Path(spec.origin).resolve().is_relative_to(engine.resolve()):
        raise CacheMiss(f"no engine module {module_name!r}")
    cls = getattr(importlib.import_module(module_name), qualname, None)
    if not isinstance(cls, type) or not dataclasses.is_dataclass(cls):
        raise CacheMiss(f"{name!r} is not a dataclass of the engine")
    return cls


def _object(value: dict):
    """One JSON object as json.loads meets it (innermost first, so its members are decoded)."""
    if TAG not in value:
        return value
    tag, v = value[TAG], value.get("v")
    if tag == "tuple" and isinstance(v, list):
        return tuple(v)
    if tag == "dict" and isinstance(v, list) and all(isinstance(p, list) and len(p) == 2 for p in v):
        return {_hashable(k): x for k, x in v}
    if tag in ("set", "frozenset") and isinstance(v, list):
        items = [_hashable(x) for x in v]
        return set(items) if tag == "set" else frozenset(items)
    if tag == "bytes" and isinstance(v, str):
        return base64.b64decode(v.encode(), validate=True)
    if tag == "fraction" and isinstance(v, list) and len(v) == 2 and all(type(x) is int for x in v) and v[1] > 0:
        return Fraction(v[0], v[1])
    if tag == "path" and isinstance(v, str):
        return Path(v)
    if tag == "numpy" and value.get("type") in _NUMPY and isinstance(v, (int, float, bool)):
        import numpy
        return getattr(numpy, value["type"])(v)
    if tag == "dataclass" and isinstance(v, dict):
        cls = _engine_class(value.get("class"))
        names = _field_names(cls)
        if len(v) != len(names) or any(name not in v for name in names):
            raise CacheMiss(f"{cls.__name__}: fields {sorted(v)} are not {sorted(names)}")
        obj = object.__new__(cls)
        for name in names:
            object.__setattr__(obj, name, v[name])
        return obj
    raise CacheMiss(f"unknown or malformed tag {tag!r}")


_fields: dict[type, tuple] = {}


def _field_names(cls) -> tuple:
    if cls not in _fields:
        _fields[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return _fields[cls]


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        raise CacheMiss("an unhashable key") from None
    return value


# --- files ------------------------------------------------------------------------------------

def dumps(kind: str, content) -> bytes:
    """The bytes of a cache file: a MAC line, then the JSON of {kind, content}. TypeError when
    the content holds something this format does not carry (the caller then does not cache)."""
    body = json.dumps({"kind": kind, "content": _encode(content)}, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")
    mac = hmac.new(_key(), body, hashlib.sha256).hexdigest().encode()
    return mac + b"\n" + body


def loads(kind: str, data: bytes):
    """The content of a cache file written by `dumps` for this kind; CacheMiss otherwise."""
    mac, sep, body = data.partition(b"\n")
    if not sep or not hmac.compare_digest(mac, hmac.new(_key(), body, hashlib.sha256).hexdigest().encode()):
        raise CacheMiss("not written by this user's engine (no valid MAC)")
    try:  # decoded as it is parsed: each object, innermost first (see _object)
        parsed = json.loads(body.decode("utf-8"), object_hook=_object)
    except CacheMiss:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError, TypeError, ImportError, AttributeError) as exc:
        raise CacheMiss(f"not a cache this engine reads: {exc}") from None
    if not isinstance(parsed, dict) or parsed.get("kind") != kind or "content" not in parsed:
        raise CacheMiss(f"not a {kind} cache")
    return parsed["content"]


def load(path: Path, kind: str):
    """The content of a cache file; CacheMiss if it is absent, not a regular file, or invalid."""
    from ..core.files import BadFile, read_bytes
    try:
        data = read_bytes(path)
    except (OSError, BadFile) as exc:
        raise CacheMiss(str(exc)) from None
    return loads(kind, data)


def save(path: Path, kind: str, content) -> bool:
    """Write a cache file atomically; False (nothing written) when it cannot be, which only
    loses the speed-up."""
    from ..core.files import write_atomically
    try:
        data = dumps(kind, content)
        write_atomically(path, data)
    except (OSError, TypeError, ValueError, RecursionError):
        return False
    return True
