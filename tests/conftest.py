"""Shared pytest set-up: hypothesis profiles and fixtures used by several test files.

Hypothesis profiles (select with ``HYPOTHESIS_PROFILE=fuzz``, as ``make fuzz`` does):

- ``default``: few examples, derandomized, so the default run is fast and the same on
  every machine;
- ``fuzz``: many random examples, for a longer hunt.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from plansearch.embed.hashing import HashingEmbedder

settings.register_profile(
    "default",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def hashing() -> HashingEmbedder:
    """The fast deterministic test embedder (256 dimensions), shared by the test files."""
    return HashingEmbedder(256)


@pytest.fixture(scope="session")
def emb(hashing: HashingEmbedder) -> HashingEmbedder:
    """The same embedder under the name the alignment tests use."""
    return hashing
