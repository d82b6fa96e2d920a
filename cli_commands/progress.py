"""Progress bars in the terminal, fed by the progress events services emit (a ProgressSink)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli_commands.common import err
from models.progress import ProgressEvent, ProgressKind


class StepBars:
    """One bar per subject (a migration step, a pipeline step), on stderr.

    Given `subjects`, the bars are made up front in that order and events about anything else
    (a pipeline's own events) are ignored; without, a bar appears with a subject's first event.
    Events may arrive from worker threads: rich guards its own state with a lock.
    """

    def __init__(self, subjects: Iterable[str] = ()) -> None:
        self.bar = Progress(
            TextColumn("{task.description:<20}", markup=False), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[state]:<28}", markup=False), TimeElapsedColumn(), console=err,
        )  # fmt: skip
        self.tasks = {
            subject: self.bar.add_task(subject, total=None, start=False, state="waiting")
            for subject in subjects
        }
        self.fixed = bool(self.tasks)

    def __enter__(self) -> StepBars:
        # The display starts with the first event: a command that fails before any work
        # leaves its one-line error alone on the screen, with no empty progress display.
        self.started = False
        return self

    def __exit__(self, *exc: object) -> None:
        if self.started:
            self.bar.stop()

    def __call__(self, event: ProgressEvent) -> None:
        """Draw one event."""
        if not self.started:
            self.started = True
            self.bar.start()
        task = self.tasks.get(event.subject)
        if task is None:
            if self.fixed:
                return
            task = self.tasks[event.subject] = self.bar.add_task(
                event.subject, total=None, start=False, state="waiting"
            )
        if event.kind is ProgressKind.STARTED:
            self.bar.start_task(task)
            self.bar.update(task, total=event.total or None, completed=event.done, state="running")
        elif event.kind is ProgressKind.ADVANCED:
            total = max(event.total, event.done) or None  # estimates can be low
            self.bar.update(task, total=total, completed=event.done, state=event.message or "")
        elif event.kind is ProgressKind.FINISHED:
            done = event.done
            state = "done (earlier run)" if event.message else "done"
            self.bar.update(task, total=done or 1, completed=done or 1, state=state)
            self.bar.stop_task(task)
        else:
            skipped = (event.message or "").startswith("skipped")
            self.bar.update(task, state="skipped" if skipped else "FAILED")
            self.bar.stop_task(task)
