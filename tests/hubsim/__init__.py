"""Simulated huggingface.co hub and CDN for the hfcache test suites (see hubsim.py)."""

from .hubsim import Simulator
from .world import Blob, Repo, World

__all__ = ["Simulator", "World", "Repo", "Blob"]
