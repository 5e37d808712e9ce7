"""Shared test configuration."""

import os

from hypothesis import settings

# `make test` draws the same examples every run, so a verdict does not depend on the draw;
# HYPOTHESIS_PROFILE=explore draws new ones (and keeps failures in .hypothesis/ to replay)
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, database=None)
settings.register_profile("explore", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Tests never read or write the user's dataset folder (~/.cache/actlab)."""
    monkeypatch.setenv("ACTLAB_DATA", str(tmp_path_factory.mktemp("actlab-data")))
