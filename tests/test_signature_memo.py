"""The build's dedup signature memo, and the gate's near-duplicate check taking from it.

The gate takes a published row's signature from the memo only when the row, as read back,
has the signed fields of a record the build signed (their digest); it signs every 16th row
again and fails when the memo disagrees; its findings are those of a check without memo.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpuskit._dedup import memo as memo_mod
from corpuskit._dedup.memo import Memo, MemoWriter, SignedBatch, input_digests, signed_batch
from corpuskit._dedup.signature import compute, compute_batch
from helpers import load_generate

CONFIG = """\
name = "memo"
version = "1.0.0"
inputs = ["in"]
[[pipeline]]
step = "fix_encoding"
[[pipeline]]
step = "dedup"
"""


class _Watched(dict):
    """A record that notes every key read from it."""

    read: set = set()

    def get(self, key, default=None):
        _Watched.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        _Watched.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        _Watched.read.add(key)
        return super().__contains__(key)


def test_a_signature_reads_only_the_signed_fields():
    """The memo's digest covers SIGNED_FIELDS: a signature that read another field could be
    taken for a row that differs in it."""
    records = [_Watched(id="a", title=None, text="HEADLINE\n\nPARIS, April 2 - Prices rose 3 pct.", date=None,
                        language="en", source={"path": "x"}),
               _Watched(id="b", title="Grain", text="Wheat fell 2 pct on May 4.", date="1987-05-04",
                        language="en", source={"path": "y"})]
    _Watched.read = set()
    compute_batch(records)
    assert _Watched.read and _Watched.read <= set(memo_mod.SIGNED_FIELDS)


@pytest.mark.parametrize("a, b", [
    ({"title": None, "text": "x"}, {"title": "", "text": "x"}),
    ({"title": "ab", "text": "c"}, {"title": "a", "text": "bc"}),
    ({"text": "x", "date": "2020-01-02"}, {"text": "x", "date": "2020-01-03"}),
    ({"text": "x", "date": None}, {"text": "x", "date": ""}),
    ({"text": "caf\u00e9"}, {"text": "cafe\u0301"}),
])
def test_different_signed_fields_have_different_digests(a, b):
    assert input_digests([a]) != input_digests([b])
    assert input_digests([a, b]) == input_digests([a]) + input_digests([b])
    assert input_digests([dict(a, id="other", language="fr")]) == input_digests([a])


def test_the_memo_finds_a_signature_by_its_inputs_only(tmp_path):
    records = [{"title": None, "text": f"HEADLINE {i}\n\nBody words number {i} here."} for i in range(5)]
    odd = {"title": 7, "text": "not a string title"}
    writer = MemoWriter(str(tmp_path / "memo"))
    writer.append(signed_batch(records[:3]))
    writer.append(compute_batch(records[3:]))  # a plain list has no digests: left out
    batch = SignedBatch([compute(records[4])])
    batch.digests = input_digests([odd])
    writer.append(batch)
    writer.close()
    memo = Memo(str(tmp_path / "memo"))
    try:
        found = memo.find(input_digests(records + [odd, dict(records[1], text="changed")])).tolist()
        assert found == [0, 1, 2, -1, -1, -1, -1]
        assert [memo.signature(i) for i in found[:3]] == compute_batch(records[:3])
    finally:
        memo.close()


# -- the gate on a built folder ------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A project built through the gate, with the memo the build handed its gate kept aside."""
    from corpuskit._build import build
    from corpuskit._check import gate
    from corpuskit.config import load_config

    project = tmp_path_factory.mktemp("memo")
    (project / "in").mkdir()
    load_generate().write_jsonl(project / "in" / "news.jsonl", 400, seed=3, pool=False)
    (project / "corpuskit.toml").write_text(CONFIG)
    kept, run_gate, signed = project / "memo", gate.run_gate, []

    def keep(config, staged, workers=1, memo=None):
        shutil.copytree(memo, kept)
        return run_gate(config, staged, workers, memo=memo)

    from corpuskit._dedup.engine import Deduplicator

    signatures = Deduplicator.signatures
    patch = pytest.MonkeyPatch()
    patch.setattr(gate, "run_gate", keep)
    patch.setattr(Deduplicator, "signatures", lambda self, records: signed.append(len(records))
                  or signatures(self, records))
    try:
        out = project / "dist" / "1.0.0"
        build(load_config(root=str(project)), out=str(out), workers=1)
    finally:
        patch.undo()
    return project, out, kept, sum(signed)


def _rows(folder: Path) -> list[dict]:
    return pq.read_table(next((folder / "data").glob("*.parquet"))).to_pylist()


def _write(folder: Path, rows: list[dict], **options) -> None:
    path = next((folder / "data").glob("*.parquet"))
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(path)), path, **options)


def _near(project: Path, folder: Path, memo: Path | None, workers: int = 1, batch_rows: int | None = None):
    from corpuskit._check.folder import open_folder
    from corpuskit._check.records import check_near_duplicates

    version = open_folder(str(folder), root=str(project))
    version.memo, version.workers = (str(memo) if memo else None), workers
    if batch_rows:
        version.batch_rows = batch_rows
    found = check_near_duplicates(version).to_dict()
    del found["seconds"]
    return found


def test_the_build_gate_signs_only_a_sample_of_the_rows_again(built):
    """The gate took the build's signatures: it signed 1 row in 16 (not all, as before)."""
    _, out, _, signed = built
    rows = len(_rows(out))
    assert rows > 250
    assert -(-rows // 16) <= signed <= rows // 8


def test_a_row_changed_after_signing_is_signed_again(built, tmp_path):
    """A published row whose text is not a text the build signed is signed by the check:
    here it becomes a near copy of another row, which the check must find (with the memo's
    signature of its old text, it would pass). The findings equal a check without memo."""
    project, out, kept, _ = built
    folder = tmp_path / "v"
    shutil.copytree(out, folder)
    removed = pq.read_table(next((out / "removed").glob("*.parquet"))).to_pylist()
    copy = next(r for r in removed if r["removed"]["match"] == "near")
    kept_id = copy["removed"]["duplicate_of"]
    rows = _rows(folder)
    target = next(i for i in range(1, len(rows)) if i % 16 and rows[i]["id"] != kept_id)
    # the copy the build removed, with a sentence more: a text the build never signed
    rows[target] = dict(rows[target], title=copy["title"], text=copy["text"] + " Officials declined to comment.",
                        date=copy["date"])
    _write(folder, rows)
    with_memo = _near(project, folder, kept)
    assert with_memo["status"] == "fail"
    [problem] = with_memo["problems"]
    assert {problem["item"], problem["reason"].split(" copy of ")[1].split(" ")[0]} == {rows[target]["id"], kept_id}
    assert with_memo == _near(project, folder, None)
    assert _near(project, out, kept) == _near(project, out, None) and _near(project, out, kept)["status"] == "pass"


def test_a_memo_that_disagrees_with_the_check_fails_it(built, tmp_path):
    """Every signature of the memo altered: each row signed again (every 16th, whichever
    process scans it) differs from the memo's and fails the check; the others are taken."""
    project, out, kept, _ = built
    memo = Memo(str(kept))
    digests = (kept / "digests").read_bytes()
    writer = MemoWriter(str(tmp_path / "memo"))
    try:
        for i in range(len(memo.order)):
            batch = SignedBatch([memo.signature(i)._replace(key=memo.signature(i).key ^ 1)])
            batch.digests = digests[16 * i:16 * i + 16]
            writer.append(batch)
    finally:
        memo.close()
    writer.close()
    folder = tmp_path / "v"
    shutil.copytree(out, folder)
    rows = _rows(folder)
    _write(folder, rows, row_group_size=64)  # several batches: on both processes
    found = _near(project, folder, tmp_path / "memo", workers=2, batch_rows=64)
    assert found["status"] == "fail"
    assert [p["item"] for p in found["problems"]] == [rows[i]["id"] for i in range(0, len(rows), 16)]
    assert "differs from the one computed from the published row" in found["problems"][0]["reason"]
    assert json.dumps(_near(project, folder, kept, workers=2, batch_rows=64)) == \
        json.dumps(_near(project, folder, None))
