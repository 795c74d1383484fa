"""What keeps the build's gate small: ``datasets`` stays out of the build's process until the
gate's last checks, and the card is still exactly what ``datasets`` writes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pyarrow.parquet as pq
import yaml
from helpers import DIST, copy_project


def test_card_features_from_the_child_are_what_datasets_writes():
    from datasets import Features

    from corpuskit.publish.card import _features_in_child

    version = max((DIST / "nagorno-karabakh-2020").iterdir())
    schemas = [pq.read_schema(path) for path in sorted(version.glob("*/*.parquet"))]
    assert len(schemas) == 2
    assert _features_in_child(schemas) == [Features.from_arrow_schema(s)._to_yaml_list() for s in schemas]


def test_build_writes_the_card_without_importing_datasets(tmp_path):
    """A build (gate off) in a fresh process: the card has its features, ``datasets`` was not
    imported there (its ~60 MB would stay through the gate), and a ``datasets`` folder in the
    working directory did not shadow the library in the child. Nor was ``matplotlib`` (~35 MB):
    the card's picture was drawn in a child, the same bytes as the published one's."""
    copy_project(tmp_path)
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "__init__.py").write_text("raise ImportError('a folder, not the library')\n")
    script = textwrap.dedent("""
        import sys
        from corpuskit._build import build
        from corpuskit.config import load_config
        result = build(load_config(root=sys.argv[1]), workers=1, gate=False)
        print("datasets" in sys.modules, "matplotlib" in sys.modules, result.folder)
    """)
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          check=True, cwd=tmp_path)
    imported, drawn_here, folder = done.stdout.split()
    assert imported == "False" and drawn_here == "False"
    from corpuskit.publish import stats

    numbers = stats.statistics(sorted(str(p) for p in (tmp_path / folder / "data").glob("*.parquet")))
    assert stats.draw(str(tmp_path), numbers) == "stats.png"  # here, by this process
    assert (tmp_path / folder / "stats.png").read_bytes() == (tmp_path / "stats.png").read_bytes()
    from datasets import Features

    card = (tmp_path / folder / "README.md").read_text(encoding="utf-8")
    info = yaml.safe_load(card.split("---")[1])["dataset_info"]
    schemas = {name: pq.read_schema(next((tmp_path / folder / name).glob("*.parquet")))
               for name in ("data", "removed")}
    expected = [Features.from_arrow_schema(schemas[name])._to_yaml_list() for name in ("data", "removed")]
    assert [config["features"] for config in info] == expected  # what this ``datasets`` writes
    assert {"name": "text", "dtype": "string"} in expected[0]


def test_the_card_picture_is_drawn_here_when_the_child_cannot_run(tmp_path):
    """A child that cannot run changes nothing but where the picture is drawn (a fresh
    process: one that has imported matplotlib draws itself anyway)."""
    from corpuskit.publish import stats

    version = max((DIST / "nagorno-karabakh-2020").iterdir())
    script = textwrap.dedent("""
        import sys
        import corpuskit._memory
        from corpuskit.publish import stats
        asked = []
        corpuskit._memory.run_in_child = lambda code, payload: asked.append(code) or None
        numbers = stats.statistics(sys.argv[2:])
        print(stats.picture(sys.argv[1], numbers), len(asked), "matplotlib" in sys.modules)
    """)
    (tmp_path / "here").mkdir()
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "here"),
                           *sorted(str(p) for p in (version / "data").glob("*.parquet"))],
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["stats.png", "1", "True"]
    numbers = stats.statistics(sorted(str(p) for p in (version / "data").glob("*.parquet")))
    assert stats.draw(str(tmp_path), numbers) == "stats.png"
    assert (tmp_path / "here" / "stats.png").read_bytes() == (tmp_path / "stats.png").read_bytes()


def test_the_language_check_lets_the_models_go_before_the_resolve():
    """The gate's language check hands back the language models once every batch is scanned
    (its ``scanned``), before any check's finish (the near-duplicate resolve): the models
    are not loaded then, and the check's verdict is the one it gives with them."""
    import corpuskit.lang as lang
    from corpuskit._check import records, scan
    from corpuskit._check.folder import open_folder
    from corpuskit.lang import py3langid_backend

    version = max((DIST / "nagorno-karabakh-2020").iterdir())
    loaded_at_finish = []

    class Probe(scan.RecordScan):
        name, columns = "probe", ("id",)

        def scan(self, records, start):
            return len(records)

        def add(self, part):
            self.result.checked += part

        def finish(self, folder):
            loaded_at_finish.append((lang._model, py3langid_backend._identifier))
            return self.result

    folder = open_folder(str(version), root=str(DIST.parent))
    results = scan.run_pass(folder, [records._Languages, Probe])
    assert results["records.languages"].status == "pass" and results["records.languages"].checked > 0
    assert results["probe"].checked == results["records.languages"].checked
    assert loaded_at_finish == [(None, None)]
    assert lang.detect("The weather in London was cold and wet again today, said the forecasters.")[0] == "en"
