"""Progress display for the CLI (the library only calls a callback)."""

from __future__ import annotations

import sys
import time


class BuildProgress:
    """A rich progress bar with records/s and ETA; silent when disabled.

    The bar advances with the input bytes read (the only total known before the
    end), so the ETA is the time left to read and clean the inputs; dedup and
    writing follow.
    """

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._progress = None
        self._task = None
        self._started = 0.0

    def __enter__(self):
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("[bold]building"), BarColumn(),
                TextColumn("{task.fields[records]:,} records"),
                TextColumn("{task.fields[rate]} rec/s"), TextColumn("ETA"), TimeRemainingColumn(),
                transient=True, redirect_stdout=False, console=Console(file=sys.stderr),
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("build", total=None, records=0, rate="–")
        self._started = time.perf_counter()
        return self

    def update(self, records: int, done_bytes: int, total_bytes: int) -> None:
        if self._progress is None:
            return
        elapsed = time.perf_counter() - self._started
        rate = f"{records / elapsed:,.0f}" if elapsed > 0 else "–"
        self._progress.update(self._task, total=max(total_bytes, 1),
                              completed=min(done_bytes, total_bytes), records=records, rate=rate)

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.__exit__(*exc)
        return False


def print_summary(result) -> None:
    """Per-step table: records in, changed, dropped by reason, time."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stderr)
    rate = result.records_in / result.seconds if result.seconds else 0.0
    table = Table(title=f"build: {result.records_in:,} records in {result.seconds:.1f}s "
                        f"({rate:,.0f}/s, {result.workers} worker(s)); {result.rows:,} kept")
    for column in ("step", "in", "changed", "dropped", "by reason", "seconds"):
        table.add_column(column, justify="right" if column not in ("step", "by reason") else "left")
    for s in result.stats:
        reasons = ", ".join(f"{k}: {v}" for k, v in s["dropped_by_reason"].items()) or "-"
        seconds = result.timings.get(f"step:{s['step']}", result.timings.get(s["step"], 0.0))
        table.add_row(s["step"], f"{s['records_in']:,}", f"{s['changed']:,}", f"{s['dropped']:,}",
                      reasons, f"{seconds:.2f}")
    console.print(table)
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items()
                       if not k.startswith(("step:", "worker:")))
    console.print(f"wall time by stage: {stages}; step seconds are summed over workers "
                  "(dedup: resolve only)", highlight=False)
