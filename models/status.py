"""Life-cycle states shared by pipeline runs and jobs."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """Where a run or job stands; the last three are final."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    #: Stopped part-way (killed, Ctrl-C, the server gone) with its checkpoint kept: a resume
    #: continues it and the same run becomes succeeded. Not final.
    INTERRUPTED = "interrupted"

    @property
    def is_final(self) -> bool:
        """True once nothing more will happen to the run."""
        return self in {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED}
