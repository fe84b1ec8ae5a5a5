import pytest

from capkit.model import History, Project
from model_samples import sample_project


@pytest.fixture
def project() -> Project:
    return sample_project()


@pytest.fixture
def history(project) -> History:
    return History(project)
