"""A cache under .rederive/ can never run code or change a result, whoever wrote it (issue 20).

Oracle for each: the command ends exactly as it does with no cache at all (exit 0, every outcome
as expected), and the marker a crafted pickle would create does not exist.
"""
import json
import pickle

import pytest

from conftest import rederive_in_process

from rederive.ledger import datacache
from rederive.render import incremental


class _Crafted:
    """Unpickling this runs `touch <marker>` (what a malicious pickle does)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return (os.system, (f"touch {self.marker}",))


CACHE_FILES = [".rederive/analyses.json", ".rederive/ledger.json", ".rederive/analyses.pickle",
               ".rederive/ledger.pickle", f"{incremental.CACHE}/index.qmd.json"]


def test_a_crafted_pickle_in_any_cache_file_runs_nothing_and_changes_nothing(project, tmp_path):
    marker = tmp_path / "ran"
    for rel in CACHE_FILES:
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_bytes(pickle.dumps(_Crafted(marker)))
    for args in (["check"], ["exports", "--output-dir", "out"]):
        done = rederive_in_process(project, *args, env={"REDERIVE_LEDGER": str(project / ".rederive/ledger.json")})
        assert done.returncode == 0, done.stderr
        assert not marker.exists()
    assert "ok: all" in rederive_in_process(project, "check").stdout


def test_a_cache_not_written_with_this_users_key_is_a_miss(tmp_path, monkeypatch):
    path = tmp_path / "c.json"
    monkeypatch.setenv(datacache.KEY_ENV, str(tmp_path / "key-a"))
    datacache.save(path, "analyses", {"engine": "x", "entries": {}})
    assert datacache.load(path, "analyses") == {"engine": "x", "entries": {}}
    monkeypatch.setenv(datacache.KEY_ENV, str(tmp_path / "key-b"))  # another machine, a restored CI cache
    with pytest.raises(datacache.CacheMiss, match="MAC"):
        datacache.load(path, "analyses")


@pytest.mark.parametrize("content", [
    {"$t": "dataclass", "class": "os:system", "v": {}},
    {"$t": "dataclass", "class": "rederive.__main__:main", "v": {}},
    {"$t": "dataclass", "class": "subprocess:Popen", "v": {}},
    {"$t": "dataclass", "class": "rederive.core.values:Pin", "v": {"value": 1, "extra": 2}},
    {"$t": "reduce", "v": ["os.system", ["true"]]},
])
def test_decoding_builds_only_the_engines_dataclasses_with_their_own_fields(tmp_path, monkeypatch, content):
    # Even a file carrying a valid MAC (written by someone holding the key) decodes to data only.
    monkeypatch.setenv(datacache.KEY_ENV, str(tmp_path / "key"))
    body = json.dumps({"kind": "analyses", "content": content}).encode()
    forged = datacache.dumps("analyses", None).split(b"\n")[0]  # a MAC for another body: refused
    with pytest.raises(datacache.CacheMiss):
        datacache.loads("analyses", forged + b"\n" + body)
    import hashlib
    import hmac
    mac = hmac.new(datacache._key(), body, hashlib.sha256).hexdigest().encode()
    with pytest.raises(datacache.CacheMiss):
        datacache.loads("analyses", mac + b"\n" + body)


def test_a_cache_holding_a_plain_integer_is_a_miss_and_is_rebuilt(project):
    for rel, kind in ((".rederive/analyses.json", "analyses"), (".rederive/ledger.json", "ledger")):
        datacache.save(project / rel, kind, 5)
    done = rederive_in_process(project, "check")
    assert done.returncode == 0 and "ok: all" in done.stdout, done.stderr
    saved = datacache.load(project / ".rederive/analyses.json", "analyses")
    assert isinstance(saved, dict) and saved["entries"]  # rebuilt


def test_engine_values_round_trip_exactly():
    # Oracle: the decoded ledger rows equal the built ones field by field (dataclass equality,
    # which includes Fractions, numpy scalars and tuples), so a reused cache changes no result.
    from conftest import ROOT
    from rederive.ledger.ledger import build
    ledger = build(ROOT)
    decoded = datacache.loads("x", datacache.dumps("x", [ledger.rows, list(ledger.analyses.values())]))
    assert decoded[0] == ledger.rows
    assert [a.result for a in decoded[1]] == [a.result for a in ledger.analyses.values()]


def test_a_page_placed_in_the_page_cache_under_its_key_is_not_published(tmp_path):
    # The page cache's key is a hash of public inputs: anyone can compute it. Oracle: a page
    # written there without this user's MAC is a miss; one the cache wrote itself is reused.
    cache = incremental.PageCache(tmp_path)
    key = cache.key("markdown", "sidebar")
    (tmp_path / incremental.PAGES).mkdir(parents=True)
    (tmp_path / incremental.PAGES / f"{key}.html.json").write_text('{"kind": "page", "content": "<script>"}')
    (tmp_path / incremental.PAGES / f"{key}.html").write_text("<script>")
    assert cache.get(key) is None
    cache.put(key, "<p>the page</p>")
    assert cache.get(key) == "<p>the page</p>"
