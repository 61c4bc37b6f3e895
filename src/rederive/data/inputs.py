"""The public interface a source module's derive(inputs) reads: printed values by id, printed
tables by name. Every read is recorded, so the ledger knows which inputs each claim used.

A source module returns its derivations in `inputs.derivations()`, a dict that files the
reads made since the previous entry under each new entry: read what a claim needs just before
you derive it (reads are cheap), and its provenance is exact.
"""
from __future__ import annotations

from fractions import Fraction

from ..core.types import Row, Source, Table
from ..core.reported import Reported


class UnknownInput(KeyError):
    pass


class Derivations(dict):
    """{claim id: Derivation}, remembering for each claim the inputs read to derive it."""

    def __init__(self, inputs: "Inputs"):
        super().__init__()
        self._inputs = inputs
        self.provenance: dict[str, tuple[str, ...]] = {}

    def __setitem__(self, claim_id, derivation):
        super().__setitem__(claim_id, derivation)
        self.provenance[claim_id] = self._inputs.take_reads()


class Inputs:
    """A source's printed values by id, as its derive() function reads them."""

    def __init__(self, source: Source):
        self._rows: dict[str, Row] = {r.id: r for r in source.rows}
        self.source = source
        self._reads: list[str] = []

    # --- reading ---
    def __getitem__(self, row_id: str) -> Reported:
        try:
            value = self._rows[row_id].value
        except KeyError:
            raise UnknownInput(row_id) from None
        self._reads.append(row_id)
        return value

    def context(self, row_id: str) -> Reported:
        """A printed value read as context (how a column is rounded), not one a claim's value comes
        from: not recorded in its provenance, so a finding on it does not travel (rederive.ledger.travel)."""
        try:
            return self._rows[row_id].value
        except KeyError:
            raise UnknownInput(row_id) from None

    def n(self, row_id: str) -> int:
        """A printed count."""
        return self[row_id].count

    def value(self, row_id: str) -> Fraction:
        """A printed estimate's exact value."""
        return self[row_id].value

    def table(self, name: str) -> Table:
        """A table the source prints (data/<source>/<name>.csv)."""
        try:
            table = self.source.tables[name]
        except KeyError:
            raise UnknownInput(f"table {name}") from None
        self._reads.append(f"{name}.csv" if "/" in name else f"{self.source.id}/{name}.csv")
        return table

    # --- provenance ---
    def derivations(self) -> Derivations:
        self._reads.clear()
        return Derivations(self)

    def take_reads(self) -> tuple[str, ...]:
        reads = tuple(dict.fromkeys(self._reads))
        self._reads.clear()
        return reads


def combined(sources: list[Source]) -> Source:
    """Every source's rows and tables as one source, whose Inputs read them all at once for analyses that read several (rederive.analyses.synthesis):
    row ids are unique across registers; tables are named "<source>/<name>"."""
    from pathlib import Path
    whole = Source(id="synthesis", short="Synthesis", title="Across the sources", seed="", citation="",
                   directory=Path("data"), rows=[r for s in sources for r in s.rows],
                   tables={f"{s.id}/{name}": table for s in sources for name, table in s.tables.items()})
    return whole
