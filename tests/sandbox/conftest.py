import pytest

from sharing.sandbox import demo


@pytest.fixture
def seeded(db):
    """The sandbox agencies and their registers, with one generated resident besides the demo people."""
    demo.seed(residents=1)
