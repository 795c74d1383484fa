"""What a build returns (:class:`BuildResult`), and its statistics table."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from corpuskit.publish import manifest as manifest_mod


@dataclass
class BuildResult:
    folder: str
    status: str  # "published" or "unchanged"
    rows: int
    removed: int
    stats: list[dict]
    seconds: float
    inputs: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    workers: int = 1
    records_in: int = 0
    engine: dict = field(default_factory=dict)  # what ran the steps (``Engine.describe()``)

    def stats_table(self) -> dict:
        """Everything the build measured, including times (never published: times vary)."""
        steps = [dict(s, seconds=round(self.timings.get(f"step:{s['step']}", 0.0), 3))
                 for s in self.stats]
        stages = {k: round(v, 3) for k, v in self.timings.items()
                  if not k.startswith(("step:", "worker:"))}
        in_workers = {k.split(":", 1)[1]: round(v, 3) for k, v in self.timings.items()
                      if k.startswith("worker:")}
        return {
            "records_in": self.records_in,
            "rows": self.rows,
            "removed": self.removed,
            "workers": self.workers,
            "engine": self.engine,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records_in / self.seconds, 1) if self.seconds else None,
            "steps": steps,
            "stages": stages,
            "worker_overheads": in_workers,
            "note": "step and worker seconds are summed over worker processes; stage seconds are wall time",
        }


def nothing_left(result: BuildResult, staged: str) -> str:
    """Why a build has no records to publish, naming the inputs or the removal reasons."""
    if not result.records_in:
        shown = ", ".join(i["path"] for i in result.inputs[:3]) + (" …" if len(result.inputs) > 3 else "")
        return (f"no records to publish: the inputs hold no articles ({shown}); add articles, "
                "or set [check] allow_empty = true to publish an empty dataset")
    reasons = manifest_mod.read_manifest(staged).get("removed_by_reason", {})
    listed = ", ".join(f"{reason} {count}" for reason, count in sorted(reasons.items()))
    return (f"no records to publish: all {result.records_in} records were removed ({listed}); "
            "check the pipeline settings, or set [check] allow_empty = true to publish an empty dataset")


def write_json(path: str, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")
