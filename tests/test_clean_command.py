"""corpuskit clean: JSONL and digest input, --steps, --config, errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from corpuskit.cli import main

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _run(*args):
    return CliRunner().invoke(main, ["clean", *args])


def _rows(path):
    return [json.loads(line) for line in Path(path).read_text("utf-8").splitlines()]


def test_jsonl_all_steps(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "a", "text": "Itâ€™s the central bank\u00a0 that kept rates unchanged on Thursday, officials said."},
        {"id": "b", "text": "Body of a story about markets and trade talks in Europe.\n\n(Reporting by A B; Editing by C D)"},
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = _run(str(src), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == (f"{out}: 2 records cleaned with fix_encoding, normalize_whitespace, "
                             "strip_boilerplate, normalize_variants, detect_language; 0 dropped\n")
    rows = _rows(out)
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["text"] == "It’s the central bank that kept rates unchanged on Thursday, officials said."
    assert rows[0]["language"] == "en"
    assert rows[1]["text"] == "Body of a story about markets and trade talks in Europe."
    assert rows[1]["edits"][0]["action"] == "remove:reporting_trailer"


def test_steps_subset_and_digest(tmp_path):
    out = tmp_path / "out.jsonl"
    result = _run(str(SEEDS), "--steps", "fix_encoding,normalize_whitespace", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert len(rows) == 10 and "language" not in rows[0]
    assert all("\u00a0" not in r["text"] for r in rows)


def test_config_lexicon_and_language_filter(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('name = "x"\nversion = "1.0.0"\n[variants]\n"Nagorno" = ["Nargono", "Nagorny"]\n'
                      '[[pipeline]]\nstep = "normalize_variants"\n[[pipeline]]\nstep = "detect_language"\n'
                      'languages = ["de"]\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = _run(str(SEEDS), "--config", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert all("Nargono" not in r["text"] for r in rows)
    assert all(r["dropped"]["reason"] == "language:en" for r in rows)


def test_unknown_step_is_one_line(tmp_path):
    result = _run(str(SEEDS), "--steps", "fix_encoding,dedup", "--out", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 1
    assert result.output == ("Error: unknown step 'dedup' for --steps (valid: fix_encoding, "
                             "normalize_whitespace, strip_boilerplate, normalize_variants, detect_language)\n")


def test_missing_input_is_one_line(tmp_path):
    result = _run(str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
