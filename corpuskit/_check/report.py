"""Check results and the report: one line per check, and the same as JSON.

A check ends in one of four states:

``pass``  the promise holds;
``fail``  it does not: the dataset must not ship;
``warn``  something a person should look at, but not a broken promise (``--strict``
          turns every warning into a failure);
``skip``  the check does not apply (e.g. no ``normalize_variants`` step was recorded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"
#: Offending items listed per check in the summary (the JSON report has all of them).
SHOWN = 5


@dataclass
class Problem:
    """One offending item: a record id, a file or a card field, and why."""

    item: str
    reason: str

    def to_dict(self) -> dict:
        return {"item": self.item, "reason": self.reason}


@dataclass
class CheckResult:
    """The outcome of one check: ``name`` like ``records.variants``."""

    name: str
    status: str = PASS
    summary: str = ""
    checked: int = 0  # items looked at (records, files, fields)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    def fail(self, item: str, reason: str) -> None:
        self.problems.append(Problem(item, reason))
        self.status = FAIL

    def warn(self, item: str, reason: str) -> None:
        self.warnings.append(Problem(item, reason))
        if self.status in (PASS, SKIP):
            self.status = WARN

    def drop_warnings(self) -> None:
        """Forget the warnings (a report that does not evaluate them: the build's gate)."""
        self.warnings.clear()
        if self.status == WARN:
            self.status = PASS

    def skip(self, reason: str) -> "CheckResult":
        self.status = SKIP
        self.summary = reason
        return self

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "checked": self.checked,
            "problems": [p.to_dict() for p in self.problems],
            "warnings": [p.to_dict() for p in self.warnings],
            "seconds": round(self.seconds, 3),
        }

    def line(self) -> str:
        label = {PASS: "PASS", FAIL: "FAIL", WARN: "WARN", SKIP: "SKIP"}[self.status]
        text = f"{label} {self.name}"
        if self.summary:
            text += f": {self.summary}"
        listed = self.problems if self.problems else self.warnings
        if listed:
            shown = "; ".join(f"{p.item}: {p.reason}" for p in listed[:SHOWN])
            more = f" (+{len(listed) - SHOWN} more)" if len(listed) > SHOWN else ""
            text += f" [{shown}{more}]"
        return text


@dataclass
class Report:
    """All check results for one version folder."""

    folder: str
    results: list[CheckResult] = field(default_factory=list)
    strict: bool = False
    warnings: bool = True  # False: warnings were not evaluated (the build's gate: failures decide)
    seconds: float = 0.0

    def add(self, result: CheckResult) -> CheckResult:
        self.results.append(result)
        return result

    def get(self, name: str) -> CheckResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)

    def failed(self) -> list[CheckResult]:
        bad = {FAIL, WARN} if self.strict else {FAIL}
        return [r for r in self.results if r.status in bad]

    @property
    def ok(self) -> bool:
        return not self.failed()

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def counts(self) -> dict[str, int]:
        counts = {PASS: 0, FAIL: 0, WARN: 0, SKIP: 0}
        for result in self.results:
            counts[result.status] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "ok": self.ok,
            "strict": self.strict,
            "counts": self.counts(),
            "failed": [r.name for r in self.failed()],
            "seconds": round(self.seconds, 3),
            "checks": [r.to_dict() for r in self.results],
        }

    def render(self) -> str:
        lines = [r.line() for r in self.results]
        counts = self.counts()
        verdict = "OK" if self.ok else "FAILED"
        strict = " (strict: warnings fail)" if self.strict else ""
        warned = f"{counts[WARN]} warnings" if self.warnings else "warnings not evaluated"
        lines.append(
            f"{verdict}{strict}: {counts[PASS]} checks passed, {counts[FAIL]} failed, "
            f"{warned}, {counts[SKIP]} skipped in {self.seconds:.1f}s"
        )
        return "\n".join(lines)
