"""The bottom layer: the types every other layer shares and the primitives they all use.

A register row, its source and tables, and a problem located by file, row and column
(types); a printed value (reported); an outcome's name (outcomes); a derived value as
data and a check's result (values, result); a value as text (formatting); where the
project is, regular files read and written atomically, bounded YAML (paths, files,
yamlfile).

It imports no other part of rederive.
"""
