"""``croissant.json``: the version described in Croissant 1.1 with the RAI fields.

Written from the published folder itself (its manifest, card front matter and
parquet schemas), so it is a pure function of the build outputs: ``corpuskit
check`` generates it again and compares, and validates it with ``mlcroissant``
when that is installed. It describes both configurations (``default`` and
``removed``) as record sets whose fields mirror the parquet columns (nested
``provenance`` as sub-fields), every data file with its sha256, and the source
files as provenance (``prov:wasDerivedFrom``). The responsible-AI fields come
from the ``[rai]`` table of the configuration, with defaults that are true of
any corpuskit news corpus.
"""

from __future__ import annotations

import json
import os
import re

import pyarrow as pa

CROISSANT = "croissant.json"
CONFORMS_TO = ["http://mlcommons.org/croissant/1.1", "http://mlcommons.org/croissant/RAI/1.0"]

#: The standard Croissant 1.1 ``@context`` plus the PROV namespace for the sources.
CONTEXT = {
    "@language": "en", "@vocab": "https://schema.org/", "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs", "column": "cr:column", "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn", "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/", "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"}, "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract", "field": "cr:field",
    "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject", "fileSet": "cr:fileSet",
    "format": "cr:format", "includes": "cr:includes", "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath", "key": "cr:key", "md5": "cr:md5",
    "name": {"@container": "@language"}, "parentField": "cr:parentField", "path": "cr:path",
    "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex",
    "repeated": "cr:repeated", "replace": "cr:replace", "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/", "separator": "cr:separator", "source": "cr:source",
    "subField": "cr:subField", "transform": "cr:transform", "prov": "http://www.w3.org/ns/prov#",
}

#: ``[rai]`` keys -> (Croissant property, default). Lists are allowed where Croissant has them.
RAI_DEFAULTS = {
    "data_collection": ("rai:dataCollection",
                        "News articles collected from the source files listed under prov:wasDerivedFrom "
                        "(press digests and exports), segmented by corpuskit's readers."),
    "limitations": ("rai:dataLimitations", [
        "Text is as published by the outlets; rule-based boilerplate removal is conservative, so "
        "unusual trailers or captions can remain.",
        "Spelling variants are normalised only for names in the configured lexicon.",
        "Language labels come from a statistical detector and can be wrong on very short texts.",
        "Duplicate detection merges copies of one story; rewritten versions may remain separate."]),
    "biases": ("rai:dataBiases", [
        "The selection of outlets and dates reflects the collector's sources, not the press as a "
        "whole; coverage of a conflict carries the outlets' editorial positions."]),
    "personal_sensitive_information": ("rai:personalSensitiveInformation", [
        "Articles name public figures and bylined journalists (author field); they may report on "
        "people in sensitive situations (war, politics). No other personal data was collected."]),
    "intended_uses": ("rai:dataUseCases", [
        "Research on news text: language modelling, classification, media analysis.",
        "Not for profiling individuals named in the articles."]),
    "maintenance_plan": ("rai:dataReleaseMaintenancePlan",
                         "Versions are immutable and numbered by semantic versioning; each new version "
                         "ships a CHANGELOG.md with the diff against the previous one."),
}

_TYPES = {pa.types.is_string: "sc:Text", pa.types.is_large_string: "sc:Text",
          pa.types.is_floating: "sc:Float", pa.types.is_integer: "sc:Integer",
          pa.types.is_boolean: "sc:Boolean"}


def _data_type(arrow_type) -> str:
    return next((name for test, name in _TYPES.items() if test(arrow_type)), "sc:Text")


def files_key(file_ids: list[str]) -> str:
    return "fileObject" if len(file_ids) == 1 else "fileSet"


def files_id(file_ids: list[str]) -> str:
    """The file, or for several shards the file set (``data/*.parquet``), a record set reads."""
    return file_ids[0] if len(file_ids) == 1 else file_ids[0].split("/")[0] + "/*.parquet"


def _field(prefix: str, field: pa.Field, file_ids: list[str], column: str, path: str | None = None) -> dict:
    """A Croissant field for an Arrow field; structs get sub-fields, lists ``isArray``."""
    out: dict = {"@type": "cr:Field", "@id": f"{prefix}/{field.name}", "name": field.name}
    kind = field.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        out["isArray"] = True
        out["arrayShape"] = "-1"
        kind = kind.value_type
    source: dict = {files_key(file_ids): {"@id": files_id(file_ids)}, "extract": {"column": column}}
    if path:
        source["transform"] = {"jsonPath": path}
    out["source"] = source
    if pa.types.is_struct(kind):
        out["dataType"] = "sc:StructuredValue"
        out["subField"] = [_field(f"{prefix}/{field.name}", kind.field(i), file_ids, column,
                                  f"{path or '$'}.{kind.field(i).name}") for i in range(kind.num_fields)]
    else:
        out["dataType"] = _data_type(kind)
    return out


def _record_set(name: str, schema: pa.Schema, file_ids: list[str], description: str) -> dict:
    return {
        "@type": "cr:RecordSet", "@id": name, "name": name, "description": description,
        "key": {"@id": f"{name}/id"},
        "field": [_field(name, schema.field(i), file_ids, schema.field(i).name) for i in range(len(schema))],
    }


def validate_rai(table, where: str = "") -> dict:
    """The ``[rai]`` table checked: known keys, each a string or a list of strings."""
    from corpuskit.errors import ConfigError

    if not isinstance(table, dict):
        raise ConfigError(f"[rai]{where} must be a table")
    known = sorted([*RAI_DEFAULTS, "citation"])
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"unknown key {key!r} in [rai]{where} (known: {', '.join(known)})")
        if not (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
            raise ConfigError(f"rai.{key}{where} must be a string or a list of strings")
    return dict(table)


def _rai(config) -> dict:
    given = getattr(config, "rai", None) or {}
    return {prop: given.get(key, default) for key, (prop, default) in RAI_DEFAULTS.items()}


def citation(config) -> str:
    """A BibTeX entry for this version (``[rai] citation`` overrides it)."""
    given = (getattr(config, "rai", None) or {}).get("citation")
    if given:
        return given
    key = re.sub(r"[^A-Za-z0-9]+", "_", f"{config.name}_{config.version}")
    where = f"https://huggingface.co/datasets/{config.hub_repo}" if getattr(config, "hub_repo", None) else config.name
    return (f"@misc{{{key},\n  title = {{{config.pretty_name or config.name}}},\n"
            f"  note = {{Version {config.version}, built with corpuskit}},\n  howpublished = {{{where}}}\n}}")


def croissant(folder: str, config) -> dict:
    """The Croissant description of the version folder ``folder`` (as JSON data)."""
    import pyarrow.parquet as pq

    from corpuskit.publish.manifest import read_manifest

    manifest = read_manifest(folder)
    files = {f["path"]: f for f in manifest["files"]}
    distribution, record_sets = [], []
    descriptions = {"default": "The cleaned, deduplicated articles with their provenance.",
                    "removed": "Records the pipeline removed (copies merged by dedup, dropped records), "
                               "with the reason in the removed field."}
    for name, sub in (("default", "data"), ("removed", "removed")):
        paths = sorted(p for p in files if p.startswith(sub + "/") and p.endswith(".parquet"))
        if not paths:
            continue
        for path in paths:
            distribution.append({
                "@type": "cr:FileObject", "@id": path, "name": path, "contentUrl": path,
                "encodingFormat": "application/x-parquet", "sha256": files[path]["sha256"],
                "contentSize": f"{files[path]['bytes']} B"})
        if len(paths) > 1:
            distribution.append({"@type": "cr:FileSet", "@id": files_id(paths), "name": files_id(paths),
                                 "containedIn": [{"@id": p} for p in paths],
                                 "encodingFormat": "application/x-parquet", "includes": files_id(paths)})
        schema = pq.read_schema(os.path.join(folder, paths[0]))
        record_sets.append(_record_set(name, schema, paths, descriptions[name]))
    meta = {
        "@context": CONTEXT, "@type": "sc:Dataset", "conformsTo": CONFORMS_TO,
        "name": manifest["name"], "alternateName": manifest.get("pretty_name") or manifest["name"],
        "description": config.description.strip() or f"{manifest.get('pretty_name')}: news articles "
                       "cleaned and deduplicated by corpuskit.",
        "version": manifest["version"], "license": config.license,
        **({"url": f"https://huggingface.co/datasets/{config.hub_repo}"} if getattr(config, "hub_repo", None) else {}),
        "inLanguage": list(config.language), "keywords": ["news", "corpuskit", "deduplicated"],
        "citeAs": citation(config), "isLiveDataset": False,
        "prov:wasDerivedFrom": [{"@type": "prov:Entity", "name": i["path"], "sha256": i["sha256"],
                                 "contentSize": f"{i['bytes']} B"} for i in manifest.get("inputs") or []],
        "prov:wasGeneratedBy": {"@type": "prov:Activity", "name": "corpuskit build",
                                "description": "pipeline: " + ", ".join(s["step"] for s in manifest["config"]["pipeline"])},
        **_rai(config),
        "distribution": distribution, "recordSet": record_sets,
    }
    return meta


def render(folder: str, config) -> str:
    return json.dumps(croissant(folder, config), indent=2, ensure_ascii=False) + "\n"


def validate(path: str) -> list[str]:
    """mlcroissant's errors for the file at ``path`` (empty: valid). Needs ``mlcroissant``."""
    from corpuskit.errors import require

    import logging
    import warnings

    absl = logging.getLogger("absl")  # mlcroissant logs its recommendations; the check reports errors
    level = absl.level
    absl.setLevel(logging.ERROR)
    with warnings.catch_warnings():  # mlcroissant's own deprecation warnings (rdflib) are not ours
        warnings.simplefilter("ignore")
        mlc = require("mlcroissant", "Croissant validation", "mlcroissant")
        try:
            dataset = mlc.Dataset(jsonld=path)
        except mlc.ValidationError as exc:
            return _errors(str(exc))
        finally:
            absl.setLevel(level)
    return sorted(dataset.metadata.ctx.issues.errors)


def _errors(message: str) -> list[str]:
    """The error items of an mlcroissant validation message (its warnings left out)."""
    errors, in_errors = [], False
    for line in message.splitlines():
        if line.startswith("Found the following"):
            in_errors = "error(s)" in line
        elif in_errors and line.strip().startswith("-"):
            errors.append(line.strip()[1:].strip())
    return errors
