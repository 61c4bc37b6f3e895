"""YAML as the project reads it (source.yml, _quarto.yml, cell options): safe, bounded, unambiguous.

PyYAML's safe loader builds no objects of its own choosing, but it still
- lets aliases multiply a document ("billion laughs": nine lines that expand to 10^9 nodes,
  which any walk over the result then takes forever to visit), and
- silently keeps the last of two equal keys in a mapping, so a duplicated key hides its twin.

Here a document is composed into nodes first (libyaml where PyYAML has it), its size counted
with every alias expanded, stopping at `MAX_NODES`, and every mapping checked for a repeated
key, before it is constructed. An anchor used a few times (source.yml shares one expected
outcome between three cells) stays fine. Written here because PyYAML offers neither check and
no maintained loader in the pinned set does both.
"""
from __future__ import annotations

import yaml

MAX_NODES = 100_000  # a project file has hundreds; a bomb reaches this in microseconds


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader, except that a date stays the text it is written as: `retrieved:
    2026-12-06` is the string a schema expects, not a datetime.date (YAML 1.1's timestamp)."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in getattr(yaml, "CSafeLoader", yaml.SafeLoader).yaml_implicit_resolvers.items()}


class YamlError(Exception):
    """Not YAML, too large once aliases are expanded, or a repeated key: `line` where known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message, self.line = message, line

    def __str__(self) -> str:
        return (f"line {self.line}: " if self.line else "") + self.message


def _check(root: yaml.Node) -> dict[tuple, int]:
    """Count nodes with aliases expanded (YamlError past MAX_NODES), refuse repeated keys, and
    return the line of every key path, for messages (("tables", "table1", "cells"): 14)."""
    lines: dict[tuple, int] = {}
    count = 0
    stack = [(root, ())]
    while stack:
        node, path = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise YamlError(f"more than {MAX_NODES} values once its aliases are expanded "
                            "(an alias bomb?); write the values out", node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else None
                if name is not None:
                    if name in seen and name != "<<":
                        raise YamlError(f"the key {name!r} appears twice in one mapping (lines {seen[name]} "
                                        f"and {key.start_mark.line + 1}): one would silently replace the other",
                                        key.start_mark.line + 1)
                    seen[name] = key.start_mark.line + 1
                    lines.setdefault((*path, name), key.start_mark.line + 1)
                stack.append((key, path))
                stack.append((value, (*path, name) if name is not None else path))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                stack.append((item, (*path, i)))
    return lines


def load_with_lines(text: str) -> tuple[object, dict[tuple, int]]:
    """The document's value and the line of each key path; YamlError for anything refused."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise YamlError(f"not valid YAML: {' '.join(str(getattr(exc, 'problem', None) or exc).split())}",
                            mark.line + 1 if mark else None) from None
        if node is None:
            return None, {}
        lines = _check(node)
        try:
            return loader.construct_document(node), lines
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise YamlError(f"not valid YAML: {' '.join(str(getattr(exc, 'problem', None) or exc).split())}",
                            mark.line + 1 if mark else None) from None
        except RecursionError:
            raise YamlError("nested too deeply") from None
    finally:
        loader.dispose()


def load(text: str):
    return load_with_lines(text)[0]
