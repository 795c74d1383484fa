"""``croissant.json``: Croissant 1.1 with the RAI fields, valid for mlcroissant, checked by the gate."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from click.testing import CliRunner

from corpuskit._build import build
from corpuskit.cli import main
from corpuskit.config import load_config, parse_config
from corpuskit.errors import ConfigError
from corpuskit.publish.croissant import validate

NAME, VERSION = "nagorno-karabakh-2020", "1.1.0"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    from helpers import ROOT

    root = tmp_path_factory.mktemp("croissant")
    toml = (ROOT / "corpuskit.toml").read_text() + (
        '\n[rai]\nbiases = ["Only English-language outlets."]\nmaintenance_plan = "Rebuilt weekly."\n')
    (root / "corpuskit.toml").write_text(toml)
    shutil.copytree(ROOT / "seeds", root / "seeds")
    shutil.copy(ROOT / "DATA-NOTICE.md", root / "DATA-NOTICE.md")  # the licence file the card links
    build(load_config(root=str(root)), workers=1)
    return root / "dist" / NAME / VERSION


def test_croissant_validates_and_describes_both_configs(published):
    path = published / "croissant.json"
    assert validate(str(path)) == []
    meta = json.loads(path.read_text())
    assert meta["conformsTo"][0] == "http://mlcommons.org/croissant/1.1"
    assert [r["@id"] for r in meta["recordSet"]] == ["default", "removed"]
    fields = [f["name"] for f in meta["recordSet"][0]["field"]]
    assert fields[:3] == ["id", "title", "outlet"] and fields[-1] == "provenance"
    provenance = meta["recordSet"][0]["field"][-1]
    edits = next(f for f in provenance["subField"] if f["name"] == "edits")
    assert edits["isArray"] and [f["name"] for f in edits["subField"]] == ["step", "field", "action", "detail",
                                                                          "count", "fixes"]
    assert "removed" in [f["name"] for f in meta["recordSet"][1]["field"]]
    for item in meta["distribution"]:
        data = (published / item["contentUrl"]).read_bytes()
        assert item["sha256"] == hashlib.sha256(data).hexdigest() and item["contentSize"] == f"{len(data)} B"
    seed = meta["prov:wasDerivedFrom"][0]
    assert seed["name"] == "seeds/000_cfc82215a48762bb.txt" and len(seed["sha256"]) == 64


def test_rai_fields_come_from_the_config_with_defaults(published):
    meta = json.loads((published / "croissant.json").read_text())
    assert meta["rai:dataBiases"] == ["Only English-language outlets."]
    assert meta["rai:dataReleaseMaintenancePlan"] == "Rebuilt weekly."
    for key in ("rai:dataCollection", "rai:dataLimitations", "rai:personalSensitiveInformation",
                "rai:dataUseCases"):
        assert meta[key]
    with pytest.raises(ConfigError, match=r"unknown key 'bias' in \[rai\]"):
        parse_config({"name": "x", "version": "1.0.0", "rai": {"bias": "x"}}, ".")
    with pytest.raises(ConfigError, match="rai.biases must be a string or a list of strings"):
        parse_config({"name": "x", "version": "1.0.0", "rai": {"biases": 3}}, ".")


def _check(folder):
    return CliRunner().invoke(main, ["check", str(folder), "--no-load"])


def test_gate_passes_it_and_fails_a_tampered_one(published, tmp_path):
    good = _check(published)
    assert good.exit_code == 0, good.output
    assert "PASS release.croissant: describes this folder; mlcroissant finds no error" in good.output
    copy = tmp_path / "dist" / NAME / VERSION
    shutil.copytree(published.parent.parent.parent, tmp_path, dirs_exist_ok=True)
    path = copy / "croissant.json"
    meta = json.loads(path.read_text())
    meta["distribution"][0]["sha256"] = "0" * 64
    path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    bad = _check(copy)
    assert bad.exit_code == 1 and "FAIL release.croissant" in bad.output and "differs from the description" in bad.output
    del meta["recordSet"][0]["field"][0]["dataType"]
    meta["distribution"][0]["sha256"] = json.loads((published / "croissant.json").read_text())["distribution"][0]["sha256"]
    path.write_text(json.dumps(meta))
    errors = validate(str(path))
    assert len(errors) == 1 and "Field(id)" in errors[0] and "dataType" in errors[0], errors
    assert "mlcroissant:" in _check(copy).output
