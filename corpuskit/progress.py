"""Progress display for the CLI (the library only calls a callback)."""

from __future__ import annotations

import sys


class BuildProgress:
    """A rich progress bar with records/s and ETA; silent when disabled."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._progress = None
        self._task = None

    def __enter__(self):
        if self.enabled:
            from rich.progress import (BarColumn, Progress, TextColumn, TimeRemainingColumn)

            self._progress = Progress(
                TextColumn("[bold]building"), BarColumn(),
                TextColumn("{task.fields[records]} records"),
                TextColumn("{task.fields[rate]} rec/s"), TimeRemainingColumn(),
                transient=True, redirect_stdout=False,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("build", total=None, records=0, rate="–")
        return self

    def update(self, records: int, done_bytes: int, total_bytes: int) -> None:
        if self._progress is None:
            return
        task = self._progress.tasks[0]
        elapsed = task.elapsed or 0.0
        rate = f"{records / elapsed:,.0f}" if elapsed > 0 else "–"
        self._progress.update(self._task, total=total_bytes, completed=done_bytes,
                              records=records, rate=rate)

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.__exit__(*exc)
        return False


def print_summary(result) -> None:
    """Per-step table: records in, changed, dropped by reason, time."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stderr)
    table = Table(title=f"build: {result.rows} records in {result.seconds:.1f}s")
    for column in ("step", "in", "changed", "dropped", "by reason", "seconds"):
        table.add_column(column, justify="right" if column not in ("step", "by reason") else "left")
    for s in result.stats:
        reasons = ", ".join(f"{k}: {v}" for k, v in s["dropped_by_reason"].items()) or "-"
        seconds = result.timings.get(f"step:{s['step']}", result.timings.get(s["step"], 0.0))
        table.add_row(s["step"], str(s["records_in"]), str(s["changed"]), str(s["dropped"]),
                      reasons, f"{seconds:.2f}")
    console.print(table)
