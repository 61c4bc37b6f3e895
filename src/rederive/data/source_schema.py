"""The schema of data/<source>/source.yml, checked with jsonschema: every key, every table spec and
every cell spec. An unknown or misspelt key (`chek:`), a missing required key or a value of the
wrong kind is bad input naming the file, the line and the key path, never silently ignored
(a misspelt `check` would otherwise drop that column's checks without a word)."""
from __future__ import annotations

from functools import cache

_TEXT = {"type": "string", "minLength": 1}
# a file name in the seeds folder: no folder part, so a quote can only be checked against the
# source documents, never against a copy kept elsewhere (in data/, say)
_SEED = {"type": "string", "minLength": 1, "pattern": "^(?!\\.\\.?$)[^/\\\\\\x00]+$"}
_VERSION_NAME = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_.-]*$"}


@cache
def schema() -> dict:
    from ..checks import registry as checks
    from .tables import READERS
    cell = {"type": "object", "additionalProperties": False, "required": ["read"],
            "properties": {"name": _TEXT, "read": {"enum": sorted(READERS)},
                           "check": {"enum": sorted(checks.POSSIBLE)}, "of": _TEXT}}
    expected = {"type": "object", "additionalProperties": False, "required": ["outcome"],
                "properties": {"outcome": _TEXT, "note": {"type": "string"}}}
    table = {"type": ["object", "null"], "additionalProperties": False,
             "properties": {"title": _TEXT, "short": _TEXT, "id_prefix": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                            "not_printed": {"type": "array", "items": _TEXT},
                            "cells": {"type": "object", "additionalProperties": cell},
                            "expected": {"type": "object", "additionalProperties": expected},
                            "document": _VERSION_NAME}}
    # The version of the document quoted: the publication behind the page `read` names, the date
    # the page was retrieved where known, and the SHA-256 of the text copy (`seed`) whose quotes
    # were verified; `check` verifies quotes only against a copy with this hash (rederive.data.quotes).
    document = {"type": "object", "additionalProperties": False, "required": ["publication", "sha256"],
                "properties": {"publication": _TEXT,
                               "retrieved": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"},
                               "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}
    # Later versions of the document, each a text copy of its own with its own hash; a register row
    # (its `document` column) or a table (`document`) names the version it quotes.
    version = {"type": "object", "additionalProperties": False, "required": ["seed", "sha256"],
               "properties": {"seed": _SEED, "publication": _TEXT, "page": _TEXT,
                              "retrieved": document["properties"]["retrieved"],
                              "sha256": document["properties"]["sha256"]}}
    return {"type": "object", "additionalProperties": False,
            "required": ["id", "short", "title", "seed", "citation"],
            "properties": {"id": _TEXT, "short": _TEXT, "title": _TEXT, "seed": _SEED, "citation": _TEXT,
                           # what the report actually read: the kind of document and the web page
                           "read": {"type": "object", "additionalProperties": False, "required": ["kind", "page"],
                                    "properties": {"kind": {"enum": list(DOCUMENT_KINDS)}, "page": _TEXT}},
                           "document": document,
                           "versions": {"type": "object", "propertyNames": _VERSION_NAME, "additionalProperties": version},
                           "tables": {"type": "object", "additionalProperties": table}}}


# The kinds of document a source may be read from (the seeds' README names each).
DOCUMENT_KINDS = ("full article", "news article", "education summary", "preprint abstract")


def problems(meta, rel: str, lines: dict) -> list:
    """types.Problem for every way `meta` breaks the schema, with the line of the key."""
    import jsonschema

    from ..core.types import Problem
    validator = jsonschema.Draft202012Validator(schema())
    out = [Problem(rel, _line(lines, path), ".".join(map(str, path)) or None, f"the key {key!r} is not text")
           for path, key in _non_text_keys(meta)]
    if out:
        return out
    for error in sorted(validator.iter_errors(meta), key=lambda e: [str(p) for p in e.absolute_path]):
        path = tuple(error.absolute_path)
        key = ".".join(str(p) for p in path)
        message = error.message
        if error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            key = ".".join([*map(str, path), extra[0]]) if len(extra) == 1 else key
            known = ", ".join(sorted(error.schema.get("properties", {})))
            message = (f"unknown key{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))} "
                       f"(known here: {known}; a misspelling?)")
            path = (*path, extra[0]) if len(extra) == 1 else path
        elif error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            key = ".".join([*map(str, path), missing]) if missing else key
            message = f"missing '{missing}'" if missing else message
        elif error.validator == "pattern" and path == ("seed",):
            message = f"{error.instance!r} must be a file name in the seeds folder, not a path"
        elif error.validator == "minLength":
            message = "empty"
        elif error.validator == "type":
            message = f"{error.instance!r} must be {' or '.join(_KINDS.get(t, t) for t in _listed(error.validator_value))}"
        elif error.validator == "enum":
            message = f"{error.instance!r} is not one of: {', '.join(map(str, error.validator_value))}"
        out.append(Problem(rel, _line(lines, path), key or None, message))
    return out


_KINDS = {"string": "text", "object": "a mapping of keys", "array": "a list", "null": "empty"}


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _non_text_keys(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                yield path, key
            else:
                yield from _non_text_keys(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _non_text_keys(item, (*path, i))


def _line(lines: dict, path: tuple) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None
