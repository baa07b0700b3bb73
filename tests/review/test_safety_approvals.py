"""``safety_setup`` for the compliance and browser tests that import it from this module; it
lives in ``tests.review_setup``."""

from tests.review_setup import safety_setup

__all__ = ["safety_setup"]
