"""Shared pytest set-up: hypothesis profiles and fixtures used by several test files.

Hypothesis profiles (select with ``HYPOTHESIS_PROFILE=fuzz``, as ``make fuzz`` does):

- ``default``: few examples, derandomized, so the default run is fast and the same on
  every machine;
- ``fuzz``: many random examples, for a longer hunt.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

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


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """One local Dask cluster (two single-threaded worker processes) for the whole run,
    shared by the distributed-build and distributed-alignment tests."""
    pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            host="127.0.0.1",
        ) as lc,
        Client(lc) as c,
    ):
        yield c
