"""The worker: claims calls from the queue and runs them through the call pipeline.

Public names: `Worker`, `WorkerConfig`, `JobReport`, `JobResult` (the loop), `JobContext` and
`LeaseLoss` (what a pipeline run gets), `CallPipeline` and `failure_for` (the pipeline seam).
"""

from angel_intelligence.worker.context import JobContext, LeaseLoss
from angel_intelligence.worker.loop import JobReport, JobResult, Worker, WorkerConfig
from angel_intelligence.worker.pipeline import CallPipeline, failure_for

__all__ = [
    "CallPipeline",
    "JobContext",
    "JobReport",
    "JobResult",
    "LeaseLoss",
    "Worker",
    "WorkerConfig",
    "failure_for",
]
