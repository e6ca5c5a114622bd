import pytest

from sharing.sandbox import demo

from .helpers import approvals_for_tests


@pytest.fixture
def seeded(db):
    """The sandbox agencies and their registers, with one generated resident besides the demo people."""
    demo.seed(residents=1)
    approvals_for_tests()
