"""Keep GPU libraries out of the screener's own processes.

spaCy's thinc imports ``cupy`` and ``torch`` when they are installed and asks each for its
GPUs (``cupy.cuda.runtime.getDeviceCount()``, ``torch.cuda.device_count()``): in an
environment that has them, every worker would load them and probe CUDA, for a pipeline that
runs on the CPU only (a blank tokenizer and rules). ``keep_gpu_libraries_out`` is called
before spaCy is imported in the processes the screener owns (the command line, its pool
workers, Spark's Python workers), never on ``import screener``: a user's own process keeps
its GPU libraries.
"""
from __future__ import annotations

import importlib.abc
import os
import sys

GPU_MODULES = frozenset({"cupy", "cupyx", "cupy_backends", "torch", "tensorflow", "jax", "mxnet"})


class _NoGpuLibraries(importlib.abc.MetaPathFinder):
    """An import hook that answers ImportError for the GPU libraries, which thinc treats as
    "not installed". Nothing is put in ``sys.modules``: libraries that look a module up
    there (scipy's array-API helpers do, for torch) see it absent, as it is."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in GPU_MODULES:
            raise ImportError(f"{fullname} is not loaded in the screener's CPU-only processes")
        return None


def keep_gpu_libraries_out() -> None:
    """Make the GPU libraries that thinc probes unimportable in this process and hide every
    GPU from CUDA for its child processes. A library already imported stays as it is."""
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    if not any(isinstance(finder, _NoGpuLibraries) for finder in sys.meta_path):
        sys.meta_path.insert(0, _NoGpuLibraries())
