"""Test controls of the simulator: fault rules, bandwidth cap, offline switch, page sizes, request log.

Nothing here exists on huggingface.co; it is how tests make the simulated network misbehave
(docs/hub-protocol.md "The download" and "Retries" describe how clients react to such failures). Shared by the
``/_sim/*`` HTTP routes and the in-process ``Simulator`` methods.
"""

from __future__ import annotations

import re
import threading

from dataclasses import dataclass, field

FAULT_KINDS = {
    "drop_after": ("bytes",),
    "status": ("status",),
    "slow": ("bytes_per_sec",),
    "corrupt": ("offset",),
    "hang": ("seconds",),
    "reset": (),
}
HOSTS = ("hub", "cdn", "any")


@dataclass
class FaultRule:
    kind: str
    host: str = "any"
    path_regex: str = ""
    method: str | None = None
    times: int = 1  # -1 = forever
    params: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: dict) -> "FaultRule":
        kind = raw.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        missing = [k for k in FAULT_KINDS[kind] if k not in raw]
        if missing:
            raise ValueError(f"fault {kind!r} needs {missing}")
        host = raw.get("host") or "any"
        if host not in HOSTS:
            raise ValueError(f"fault host must be one of {HOSTS}")
        regex = raw.get("path_regex") or ""
        re.compile(regex)
        method = raw.get("method")
        known = {"kind", "host", "path_regex", "method", "times"}
        params = {k: v for k, v in raw.items() if k not in known}
        return cls(kind, host, regex, method.upper() if method else None, int(raw.get("times", 1)), params)

    def to_json(self) -> dict:
        return {"kind": self.kind, "host": self.host, "path_regex": self.path_regex,
                "method": self.method, "times": self.times, **self.params}

    def matches(self, role: str, method: str, paths: tuple[str, ...]) -> bool:
        if self.times == 0 or self.host not in ("any", role):
            return False
        if self.method is not None and self.method != method:
            return False
        return any(re.search(self.path_regex, p) for p in paths)


class ControlState:
    """Thread-safe mutable state consulted by every request."""

    def __init__(self, tree_page_size: int | None = None, tree_page_size_expand: int | None = None):
        self._lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self.rate_bps = 0
        self.offline = False
        self.offline_mode = "drop"
        self.page_size = {"tree": tree_page_size, "tree_expand": tree_page_size_expand}
        self._log: list[dict] = []
        self.stopping = threading.Event()

    # -- faults ----------------------------------------------------------------------------------
    def add_faults(self, rules: list[dict]) -> list[dict]:
        parsed = [FaultRule.from_json(r) for r in rules]
        with self._lock:
            self.rules.extend(parsed)
        return [r.to_json() for r in parsed]

    def clear_faults(self) -> None:
        with self._lock:
            self.rules.clear()

    def faults(self) -> list[dict]:
        with self._lock:
            return [r.to_json() for r in self.rules]

    def take_fault(self, role: str, method: str, paths: tuple[str, ...]) -> FaultRule | None:
        """First matching rule with uses left; consumes one use."""
        with self._lock:
            for rule in self.rules:
                if rule.matches(role, method, paths):
                    if rule.times > 0:
                        rule.times -= 1
                    return rule
        return None

    # -- request log -----------------------------------------------------------------------------
    def record(self, entry: dict) -> None:
        with self._lock:
            self._log.append(entry)

    def log(self) -> list[dict]:
        with self._lock:
            return [dict(e) for e in self._log]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def sleep(self, seconds: float) -> None:
        """Sleep that ends early when the simulator stops."""
        self.stopping.wait(seconds)


def filter_requests(log: list[dict], host: str | None = None, path_contains: str | None = None) -> list[dict]:
    """Helper shared by in-process and subprocess handles."""
    out = []
    for e in log:
        if host is not None and e["host"] != host:
            continue
        if path_contains is not None and path_contains not in e["path"] and path_contains not in e["decoded_path"]:
            continue
        out.append(e)
    return out


def bytes_served(log: list[dict], host: str | None = None) -> int:
    return sum(e["body_bytes"] for e in filter_requests(log, host))


