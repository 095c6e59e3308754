"""Simulator self-tests: make ``tests/`` importable and expose the shared hubsim fixtures."""

import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[1]
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from hubsim.testing import hub_sim, hub_sim_session, sim  # noqa: E402,F401  (pytest fixtures)
