"""The pack tests use the fixtures capkit ships for pack authors, so those are tested by use too."""

import pytest

from capkit.packs.testing import capkit_data_dir, capkit_pack_validator, make_pack  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _private_data_dir(capkit_data_dir):  # noqa: F811
    """No pack test may touch the user's real capkit data folder."""
    return capkit_data_dir
