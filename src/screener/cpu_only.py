"""Keep the screener's own processes off the GPU.

spaCy's thinc imports ``cupy`` and ``torch`` when they are installed and asks each for its
GPUs (``cupy.cuda.runtime.getDeviceCount()``, ``torch.cuda.device_count()``): in an
environment that has them, every worker would initialise CUDA on a GPU for a pipeline that
runs on the CPU only (a blank tokenizer and rules). ``cpu_only`` hides every GPU from CUDA
(``CUDA_VISIBLE_DEVICES=""``) before spaCy is imported in the processes the screener owns
(the command line and so its pool workers, the pool initializer, Spark's Python workers):
the probes find no device and create no CUDA context. It is never called on
``import screener``: a user's own process keeps its GPUs.
"""
from __future__ import annotations

import os


def keep_gpu_libraries_out() -> None:
    """Hide every GPU from CUDA in this process and its children (the screener uses none)."""
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
