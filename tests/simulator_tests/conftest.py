"""Simulator self-tests: make ``tests/`` importable and expose the shared hubsim fixtures.

tests/conftest.py (when present) already does both; this file keeps the suite runnable on its own
without defining the fixtures twice (which would start two session simulators).
"""

import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[1]
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

if not (TESTS_DIR / "conftest.py").exists():
    from hubsim.testing import hub_sim, hub_sim_session, sim  # noqa: F401  (pytest fixtures)
