"""Card checks: the README.md front matter is valid, true and complete.

``card.yaml``           front matter parses with a strict loader (duplicate keys rejected)
``card.enums``          Hub enumerations (license, language, size/task categories, ...) are valid
``card.size_category``  ``size_categories`` matches the default config's row count
``card.configs``        every ``configs`` data file exists and every data file is referenced
``card.sizes``          ``dataset_info`` sizes are the data's: ``num_bytes`` and ``dataset_size``
                        what ``datasets`` computes (the Arrow size), ``download_size`` the files'
``card.placeholders``   no unfilled template text (``{{...}}``, ``[More Information Needed]``,
                        ``TODO``, ``<name>``)
"""

from __future__ import annotations

import os
import re

from corpuskit._check.folder import VersionFolder
from corpuskit._check.hub_enums import ENUMERATIONS, language_problem, size_category
from corpuskit._check.report import CheckResult
from corpuskit._check.scan import WholeCheck, scanned

_UNREADABLE = "front matter unreadable (see card.yaml)"

_PLACEHOLDERS = (
    (re.compile(r"\{\{.*?\}\}", re.S), "unfilled template variable"),
    (re.compile(r"\[More Information Needed\]", re.I), "'[More Information Needed]' left in"),
    (re.compile(r"\b(?:TODO|FIXME|TBD|XXX)\b"), "to-do marker"),
    (re.compile(r"\blorem ipsum\b", re.I), "filler text"),
)
_ANGLE = re.compile(r"<([A-Za-z][A-Za-z0-9 _-]{0,40})>")
#: HTML tags a card may legitimately contain (never placeholders).
_HTML_TAGS = frozenset("""
a abbr b blockquote br center code dd details div dl dt em h1 h2 h3 h4 h5 h6 hr i img kbd li ol
p pre q s small span strong sub summary sup table tbody td th thead tr u ul
""".split())
_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.S | re.M)


def check_yaml(folder: VersionFolder) -> CheckResult:
    result = CheckResult("card.yaml", checked=1)
    if folder.front_matter_error:
        result.fail("README.md", folder.front_matter_error)
        result.summary = "front matter rejected"
    else:
        result.summary = f"front matter parses strictly ({len(folder.front_matter)} keys)"
    return result


def check_enums(folder: VersionFolder) -> CheckResult:
    result = CheckResult("card.enums")
    meta = folder.front_matter
    if meta is None:
        return result.skip(_UNREADABLE)
    for key in ("license", "language", "size_categories", "task_categories", "pretty_name"):
        if key not in meta:
            result.fail(key, "missing from the front matter")
    for key, allowed in ENUMERATIONS.items():
        if key not in meta:
            continue
        for value in _as_list(meta[key]):
            result.checked += 1
            if not isinstance(value, str) or value not in allowed:
                result.fail(key, f"{value!r} is not a valid Hub value")
    for code in _as_list(meta.get("language", [])):
        result.checked += 1
        problem = language_problem(code)
        if problem:
            result.fail("language", problem)
    for problem in _custom_license_problems(meta, folder.path):
        result.fail("license", problem)
    if key_value := meta.get("pretty_name"):
        if not isinstance(key_value, str) or not key_value.strip():
            result.fail("pretty_name", "must be a non-empty string")
    result.summary = f"{result.checked} enumerated values valid" if not result.problems else \
        f"{len(result.problems)} invalid value(s)"
    return result


def _custom_license_problems(meta: dict, path: str) -> list[str]:
    """``license: other`` needs ``license_name`` and ``license_link`` (Hub card spec); a relative
    link must name a file in the version folder."""
    from corpuskit.config import is_url

    if meta.get("license") != "other":
        return []
    problems = [f"license: other without {key}" for key in ("license_name", "license_link")
                if not isinstance(meta.get(key), str) or not meta[key].strip()]
    link = meta.get("license_link")
    if isinstance(link, str) and link.strip() and not is_url(link) and \
            not os.path.isfile(os.path.join(path, link)):
        problems.append(f"license_link {link!r} names no file in the version folder")
    return problems


def check_size_category(folder: VersionFolder) -> CheckResult:
    result = CheckResult("card.size_category", checked=1)
    meta = folder.front_matter
    if meta is None:
        return result.skip(_UNREADABLE)
    rows = folder.num_rows("default")  # from the footers: the rows themselves are not read
    expected = size_category(rows)
    declared = _as_list(meta.get("size_categories", []))
    if declared != [expected]:
        result.fail("size_categories", f"card says {declared!r}, {rows} rows mean [{expected!r}]")
    result.summary = f"{expected} for {rows} rows" if not result.problems else "does not match the rows"
    return result


def check_configs(folder: VersionFolder) -> CheckResult:
    result = CheckResult("card.configs")
    meta = folder.front_matter
    if meta is None:
        return result.skip(_UNREADABLE)
    configs = meta.get("configs")
    if not isinstance(configs, list) or not configs:
        result.fail("configs", "no configs block listing the data files")
        return result
    referenced: set[str] = set()
    names = []
    for item in configs:
        name = item.get("config_name") if isinstance(item, dict) else None
        if not isinstance(name, str):
            result.fail("configs", f"entry without a config_name: {item!r}")
            continue
        names.append(name)
        declared = folder.declared_files(name) or {}
        if not declared:
            result.fail(name, "declares no data files")
        for split, paths in declared.items():
            if not paths:
                result.fail(name, f"split {split!r}: pattern matches no file")
            for rel in paths:
                result.checked += 1
                referenced.add(rel)
                if not os.path.isfile(os.path.join(folder.path, rel)):
                    result.fail(rel, f"listed in config {name!r} but missing")
    if len(set(names)) != len(names):
        result.fail("configs", "a config_name appears twice")
    if "default" not in names:
        result.fail("configs", "no 'default' config")
    for rel in _data_files_on_disk(folder.path):
        if rel not in referenced:
            result.fail(rel, "data file not referenced by any config")
    info_names = [i.get("config_name") for i in _as_list(meta.get("dataset_info", []))
                  if isinstance(i, dict)]
    for name in names:
        if name not in info_names:
            result.fail(name, "config has no dataset_info entry")
    for name in info_names:
        if name not in names:
            result.fail(str(name), "dataset_info entry for a config that does not exist")
    result.summary = (f"{len(names)} configs, {result.checked} data files, all present and referenced"
                      if not result.problems else f"{len(result.problems)} problem(s)")
    return result


def check_sizes(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _SizesCheck)


def sizes_check(folder: VersionFolder) -> CheckResult:
    """The ``card.sizes`` check: every data file is read whole, as ``datasets`` sizes a split
    (a whole check of the shared pass, so it runs on a worker beside the batches instead
    of before them, in the process that then runs the per-record checks)."""
    from corpuskit.publish.card import arrow_nbytes

    result = CheckResult("card.sizes")
    meta = folder.front_matter
    if meta is None:
        return result.skip(_UNREADABLE)
    for info in _as_list(meta.get("dataset_info", [])):
        if not isinstance(info, dict):
            continue
        name = str(info.get("config_name"))
        declared = folder.declared_files(name) or {}
        for split in _as_list(info.get("splits", [])):
            paths = [os.path.join(folder.path, p) for p in declared.get(split.get("name"), [])
                     if os.path.isfile(os.path.join(folder.path, p))] if isinstance(split, dict) else []
            if not paths:
                continue  # a missing split or file is card.configs' to report
            result.checked += 1
            try:
                actual = arrow_nbytes(paths)
            except Exception as exc:  # noqa: BLE001 - unreadable parquet is files.schema's to report
                result.fail(name, f"data files unreadable ({type(exc).__name__})")
                continue
            if split.get("num_bytes") != actual:
                result.fail(name, f"split {split.get('name')!r} num_bytes {split.get('num_bytes')!r}, "
                                  f"the data is {actual} bytes in Arrow (what datasets computes)")
        splits = [s for s in _as_list(info.get("splits", [])) if isinstance(s, dict)]
        if info.get("dataset_size") != sum(s.get("num_bytes") or 0 for s in splits):
            result.fail(name, f"dataset_size {info.get('dataset_size')!r} is not the sum of the splits' "
                              "num_bytes")
        files = [os.path.join(folder.path, p) for paths in declared.values() for p in paths]
        if all(os.path.isfile(f) for f in files) and info.get("download_size") != \
                sum(os.path.getsize(f) for f in files):
            result.fail(name, f"download_size {info.get('download_size')!r}, the data files hold "
                              f"{sum(os.path.getsize(f) for f in files)} bytes")
    result.summary = (f"{result.checked} split size(s) match the data" if not result.problems
                      else f"{len(result.problems)} size(s) wrong")
    return result


def check_placeholders(folder: VersionFolder) -> CheckResult:
    result = CheckResult("card.placeholders", checked=1)
    text = folder.card_text
    for pattern, reason in _PLACEHOLDERS:
        for match in pattern.finditer(text):
            result.fail(f"line {_line_of(text, match.start())}", f"{reason}: {match.group()[:60]!r}")
    # ``<name>`` placeholders, outside code blocks (where ``<this folder>`` is an instruction)
    prose = _FENCE.sub(lambda m: "\n" * m.group().count("\n"), text)
    for match in _ANGLE.finditer(prose):
        word = match.group(1)
        if word.split()[0].lower() in _HTML_TAGS and " " not in word:
            continue
        result.fail(f"line {_line_of(prose, match.start())}", f"template placeholder {match.group()!r}")
    result.summary = "no template placeholders" if not result.problems else \
        f"{len(result.problems)} placeholder(s) left in"
    return result


def _data_files_on_disk(path: str) -> list[str]:
    found = []
    for directory, dirs, names in os.walk(path):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if name.endswith((".parquet", ".arrow", ".jsonl", ".csv")) and not name.startswith("."):
                found.append(os.path.relpath(os.path.join(directory, name), path).replace(os.sep, "/"))
    return sorted(found)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


class _SizesCheck(WholeCheck):
    name, check = "card.sizes", staticmethod(sizes_check)


CHECKS = (check_yaml, check_enums, check_size_category, check_configs, check_sizes, check_placeholders)
#: The checks that run in the shared pass (see :mod:`~corpuskit._check.scan`).
SCANS = {"check_sizes": _SizesCheck}
