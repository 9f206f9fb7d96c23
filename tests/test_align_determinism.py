"""The same input gives the same numbers in every process.

Python randomises string hashing per process (``PYTHONHASHSEED``), so anything that
walks a set of words walks it in a different order each run; float32 sums over those
words then differ in their last bits, and a value on a rounding edge prints differently
(``benchmarks/results/behaviour_snapshot_2026-12-06_review.txt``: 0.349 vs 0.3491).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_SCRIPT = """
import hashlib, sys
from pathlib import Path
import numpy as np
from plansearch import parse_plan
from plansearch.alignment.lexical import lexical_scores
from plansearch.frameworks.space import builtin_space
from plansearch.search.bm25 import Vocabulary, tokenize

texts = [s.content for p in sorted(Path(sys.argv[1]).glob("*.txt"))
         for s in parse_plan(p).sections]
h = hashlib.sha256()
for name in ("national", "dla", "sdg"):
    h.update(np.ascontiguousarray(lexical_scores(texts, builtin_space(name)).coverage).tobytes())
docs = [tokenize(t) for t in texts]
m = Vocabulary(docs).matrix(docs)
h.update(m.indices.tobytes())
h.update(m.indptr.tobytes())
print(h.hexdigest())
"""


def _digest(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PLANSEARCH_QUIET": "1"}
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(ROOT / "corpus" / "raw")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def test_lexical_coverage_and_term_matrices_do_not_depend_on_the_hash_seed() -> None:
    digests = {seed: _digest(seed) for seed in ("1", "2", "3")}
    assert len(set(digests.values())) == 1, digests
