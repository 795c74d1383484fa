"""File checks: the folder holds exactly the files the manifest names, as declared.

``files.checksums``  every manifest entry's sha256 and size match the file on disk
``files.inventory``  no file outside the manifest (extra) and none missing; no symlinks,
                     FIFOs or devices anywhere in the folder
``files.config``     the recorded configuration is valid and ``corpuskit.toml`` equals it
``files.schema``     each parquet schema equals the card's ``dataset_info`` features
``files.counts``     ``num_examples`` per split (and the manifest's rows) match the parquet rows;
                     no records at all fails unless ``[check] allow_empty = true``
``files.version``    the folder name equals the version in the manifest, configuration and card
"""

from __future__ import annotations

import os
import re

from corpuskit._check.folder import CONFIG_COPY, MANIFEST, VersionFolder
from corpuskit._check.report import CheckResult
from corpuskit.release import RELEASE_FILES

_UNREADABLE = "front matter unreadable (see card.yaml)"


def _manifest_files(folder: VersionFolder) -> list[dict]:
    files = folder.manifest.get("files")
    return [f for f in files if isinstance(f, dict) and isinstance(f.get("path"), str)] \
        if isinstance(files, list) else []


def _has_link(root: str, rel: str) -> bool:
    """Whether any part of ``rel`` under ``root`` is a symbolic link."""
    path = root
    for part in rel.split("/"):
        path = os.path.join(path, part)
        if os.path.islink(path):
            return True
    return False


def check_checksums(folder: VersionFolder) -> CheckResult:
    from corpuskit.publish.manifest import sha256_file

    result = CheckResult("files.checksums")
    for entry in _manifest_files(folder):
        path = os.path.join(folder.path, entry["path"])
        if not os.path.isfile(path) or _has_link(folder.path, entry["path"]):
            continue  # reported by files.inventory
        result.checked += 1
        size = os.path.getsize(path)
        if size != entry.get("bytes"):
            result.fail(entry["path"], f"size {size} bytes, manifest says {entry.get('bytes')}")
        digest = sha256_file(path)
        if digest != entry.get("sha256"):
            result.fail(entry["path"], f"sha256 {digest[:12]}…, manifest says {str(entry.get('sha256'))[:12]}…")
    result.summary = (f"{result.checked} files match their sha256 and size" if not result.problems
                      else f"{len(result.problems)} mismatch(es)")
    return result


def _not_plain(path: str, listed_as_dir: bool) -> str | None:
    """Why ``path`` is not a plain file or folder (a symlink hides or swaps content), or None."""
    import stat

    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        kind = "folder" if listed_as_dir else "file"
        return (f"a symbolic link ({kind} -> {os.readlink(path)}); a version folder holds only "
                "real files: its inventory and checksums cannot vouch for a link")
    if not listed_as_dir and not stat.S_ISREG(mode):
        return "not a regular file (FIFO, socket or device)"
    return None


def check_inventory(folder: VersionFolder) -> CheckResult:
    result = CheckResult("files.inventory")
    listed = [e["path"] for e in _manifest_files(folder)]
    if not listed:
        result.fail(MANIFEST, "lists no files")
    on_disk = set()
    if os.path.islink(folder.path):
        result.fail(".", "the version folder is a symbolic link; a version holds only real files")
    for directory, dirs, names in os.walk(folder.path):
        for name in dirs + names:
            path = os.path.join(directory, name)
            rel = os.path.relpath(path, folder.path).replace(os.sep, "/")
            problem = _not_plain(path, name in dirs)
            if problem:
                result.fail(rel, problem)
            elif name in names and rel != MANIFEST and (rel not in RELEASE_FILES or rel in listed):
                on_disk.add(rel)
    result.checked = len(on_disk | set(listed))
    for rel in listed:
        if rel not in on_disk:
            result.fail(rel, "listed in the manifest but missing")
    if len(set(listed)) != len(listed):
        result.fail(MANIFEST, "lists a file twice")
    for rel in sorted(on_disk - set(listed)):
        result.fail(rel, "extra file: not in the manifest")
    result.summary = (f"{len(listed)} files, exactly those in the manifest" if not result.problems
                      else f"{len(result.problems)} problem(s)")
    return result


def check_config(folder: VersionFolder) -> CheckResult:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    from corpuskit.publish.manifest import _toml_safe

    result = CheckResult("files.config", checked=1)
    if folder.config_error:
        result.fail(MANIFEST, f"recorded configuration is invalid: {folder.config_error}")
    path = os.path.join(folder.path, CONFIG_COPY)
    try:
        with open(path, "rb") as handle:
            saved = tomllib.load(handle)
    except FileNotFoundError:
        result.fail(CONFIG_COPY, "missing: the resolved configuration is not saved")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        result.fail(CONFIG_COPY, f"not valid TOML ({exc})")
    else:
        recorded = _toml_safe(folder.config_data)
        if saved != recorded:
            keys = sorted(k for k in set(saved) | set(recorded) if saved.get(k) != recorded.get(k))
            result.fail(CONFIG_COPY, f"differs from the manifest's config in: {', '.join(keys)}")
    result.summary = "recorded configuration valid and saved" if not result.problems else \
        "recorded configuration broken"
    return result


def _declared_features(folder: VersionFolder) -> dict:
    from datasets import Features

    out = {}
    for info in (folder.front_matter or {}).get("dataset_info") or []:
        if isinstance(info, dict) and "features" in info:
            try:
                out[info.get("config_name", "default")] = Features._from_yaml_list(info["features"])
            except Exception as exc:  # noqa: BLE001 - any malformed YAML feature list
                out[info.get("config_name", "default")] = exc
    return out


def check_schema(folder: VersionFolder) -> CheckResult:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datasets import Features

    result = CheckResult("files.schema")
    if folder.front_matter is None:
        return result.skip(_UNREADABLE)
    declared = _declared_features(folder)
    for name in folder.config_names():
        features = declared.get(name)
        if features is None:
            result.fail(name, "no dataset_info features declared")
            continue
        if isinstance(features, Exception):
            result.fail(name, f"dataset_info features do not parse ({features})")
            continue
        for rel in folder.data_files(name):
            path = os.path.join(folder.path, rel)
            if not os.path.isfile(path):
                continue  # reported by card.configs
            result.checked += 1
            try:
                actual = Features.from_arrow_schema(pq.read_schema(path))
            except (OSError, pa.ArrowException) as exc:
                result.fail(rel, f"not a readable parquet file ({exc})")
                continue
            if actual != features:
                result.fail(rel, _feature_diff(features, actual))
    result.summary = (f"{result.checked} parquet schemas equal the declared features"
                      if not result.problems else "schema drift")
    return result


def _feature_diff(declared, actual) -> str:
    diffs = []
    for key in list(declared) + [k for k in actual if k not in declared]:
        if key not in actual:
            diffs.append(f"{key}: declared, not in the file")
        elif key not in declared:
            diffs.append(f"{key}: in the file, not declared")
        elif declared[key] != actual[key]:
            diffs.append(f"{key}: declared {_short(declared[key])}, file has {_short(actual[key])}")
    if not diffs and list(declared) != list(actual):
        diffs.append(f"column order differs: file has {list(actual)}")
    return "; ".join(diffs) or "features differ"


def _short(feature) -> str:
    text = repr(feature)
    return text if len(text) <= 80 else text[:77] + "..."


def check_counts(folder: VersionFolder) -> CheckResult:
    import pyarrow as pa
    import pyarrow.parquet as pq

    result = CheckResult("files.counts")
    if folder.front_matter is None:
        return result.skip(_UNREADABLE)
    infos = {i.get("config_name", "default"): i for i in folder.front_matter.get("dataset_info") or []
             if isinstance(i, dict)}
    manifest_rows = folder.manifest.get("rows") if isinstance(folder.manifest.get("rows"), dict) else {}
    totals = []
    for name in folder.config_names():
        declared_splits = {s.get("name"): s.get("num_examples")
                           for s in (infos.get(name) or {}).get("splits") or [] if isinstance(s, dict)}
        files = folder.declared_files(name) or {}
        config_rows = 0
        for split, paths in files.items():
            rows = 0
            for rel in paths:
                path = os.path.join(folder.path, rel)
                if os.path.isfile(path):
                    try:
                        rows += pq.ParquetFile(path).metadata.num_rows
                    except (OSError, pa.ArrowException):
                        pass  # reported by files.schema
            config_rows += rows
            result.checked += 1
            if split not in declared_splits:
                result.fail(f"{name}/{split}", "no num_examples declared in dataset_info")
            elif declared_splits[split] != rows:
                result.fail(f"{name}/{split}", f"card says {declared_splits[split]} rows, parquet has {rows}")
        for split in declared_splits:
            if split not in files:
                result.fail(f"{name}/{split}", "declared in dataset_info but has no data files")
        if name in manifest_rows and manifest_rows[name] != config_rows:
            result.fail(f"{name}", f"manifest says {manifest_rows[name]} rows, parquet has {config_rows}")
        totals.append(f"{name} {config_rows}")
        if name == "default" and not config_rows and not folder.check_setting("allow_empty", False):
            result.fail("default", "no records: an empty dataset is published only with "
                                   "[check] allow_empty = true")
    result.summary = (f"rows match the card and manifest ({', '.join(totals)})" if not result.problems
                      else f"{len(result.problems)} count mismatch(es)")
    return result


_CARD_VERSION = re.compile(r"\(version (\S+?)\)|load_dataset\(\"[^\"/]+/([^\"]+)\"\)")


_VERSION_NAME = re.compile(r"^\d+\.\d+\.\d+$")


def check_version(folder: VersionFolder) -> CheckResult:
    result = CheckResult("files.version")
    folder_version = os.path.basename(folder.path.rstrip(os.sep))
    claims = [("manifest.json version", folder.manifest.get("version")),
              ("manifest.json config.version", folder.config_data.get("version"))]
    try:
        import tomllib
    except ImportError:  # pragma: no cover
        import tomli as tomllib
    try:
        with open(os.path.join(folder.path, CONFIG_COPY), "rb") as handle:
            claims.append((f"{CONFIG_COPY} version", tomllib.load(handle).get("version")))
    except (OSError, tomllib.TOMLDecodeError):
        pass  # reported by files.config
    for item in (folder.front_matter or {}).get("configs") or []:
        if isinstance(item, dict) and "version" in item:
            claims.append((f"card configs[{item.get('config_name')}].version", str(item["version"])))
    for match in _CARD_VERSION.finditer(folder.body):
        claims.append(("card text", match.group(1) or match.group(2)))
    in_dist_layout = bool(_VERSION_NAME.match(folder_version))
    expected = folder_version if in_dist_layout else folder.manifest.get("version")
    for where, version in claims:
        result.checked += 1
        if version != expected:
            shown = f"the folder is {folder_version!r}" if in_dist_layout else f"the manifest says {expected!r}"
            result.fail(where, f"says {version!r}, {shown}")
    if not in_dist_layout:
        # published with `build --out DIR`: the folder is not named by version
        result.warn("folder", f"folder {folder_version!r} is not named by its version {expected!r} "
                              "(expected <name>/<version>/, e.g. from `corpuskit build` without --out)")
    else:
        name = folder.manifest.get("name")
        parent = os.path.basename(os.path.dirname(folder.path.rstrip(os.sep)))
        if name and parent != name:
            result.warn("folder", f"parent folder {parent!r} is not the dataset name {name!r}")
    result.summary = (f"version {expected} everywhere ({result.checked} places)" if not result.problems
                      else "version mismatch")
    return result


CHECKS = (check_checksums, check_inventory, check_config, check_schema, check_counts, check_version)
