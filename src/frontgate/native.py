"""The request-path modules the build compiles to C with mypyc, and the guard that keeps a stale
build from shadowing edited sources.

``pip install -e .`` (or a wheel build) runs ``setup.py``, which compiles every module in
``COMPILED`` into an extension module next to its source. The source stays the truth: the same
file runs interpreted where no compiler was available, and mypy --strict checks it either way.

Python imports an extension module in preference to a ``.py`` of the same name, so after a
source edit the old compiled code would keep running. :func:`guard` (run when ``frontgate`` is
imported) therefore checks that every compiled module's extension is at least as new as its
source; if any is missing or older, *all* of them load from source. All or none, because mypyc
calls between compiled modules directly, so a half-compiled set could mix old and new code.
``FRONTGATE_PURE=1`` forces the interpreted modules (debugging, coverage, profiling with
py-spy).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

# setup.py loads this file on its own (it imports only the standard library) to build them.
# The data plane's request path, from the socket to the upstream and back, plus the policy
# stages; control-plane modules stay interpreted (they are not on the request path).
COMPILED = (
    "frontgate.counters",
    "frontgate.counters.local",
    "frontgate.deferred",
    "frontgate.fastjson",
    "frontgate.functions.arns",
    "frontgate.functions.frames",
    "frontgate.functions.invoker",
    "frontgate.functions.logs",
    "frontgate.functions.permissions",
    "frontgate.functions.pool",
    "frontgate.functions.proxy_event",
    "frontgate.functions.result",
    "frontgate.functions.runtime",
    "frontgate.gateway_errors",
    "frontgate.http.budget",
    "frontgate.http.errors",
    "frontgate.http.limits",
    "frontgate.http.message",
    "frontgate.http.server",
    "frontgate.http.server_conn",
    "frontgate.http.write_batch",
    "frontgate.ids",
    "frontgate.observe.access_format",
    "frontgate.observe.metrics",
    "frontgate.observe.observer",
    "frontgate.observe.plan",
    "frontgate.observe.sinks",
    "frontgate.pipeline.access_log",
    "frontgate.pipeline.api_key",
    "frontgate.pipeline.content_handling",
    "frontgate.pipeline.context",
    "frontgate.pipeline.env",
    "frontgate.pipeline.gateway_response",
    "frontgate.pipeline.http_mapping",
    "frontgate.pipeline.integration_request",
    "frontgate.pipeline.integration_response",
    "frontgate.pipeline.integrations.function_url",
    "frontgate.pipeline.integrations.http",
    "frontgate.pipeline.integrations.http_api",
    "frontgate.pipeline.integrations.lambda_proxy",
    "frontgate.pipeline.integrations.mock",
    "frontgate.pipeline.lambda_payload",
    "frontgate.pipeline.method_response",
    "frontgate.pipeline.route",
    "frontgate.pipeline.runner",
    "frontgate.pipeline.templates",
    "frontgate.pipeline.throttle",
    "frontgate.pipeline.validation",
    "frontgate.pipeline.values",
    "frontgate.snapshot.httpapi",
    "frontgate.snapshot.router",
    "frontgate.snapshot.snapshot",
    "frontgate.traffic.keys",
    "frontgate.traffic.limiter",
    "frontgate.traffic.periods",
    "frontgate.upstream.connection",
    "frontgate.upstream.pool",
    "frontgate.vtl.inputs",
    "frontgate.vtl.limits",
    "frontgate.vtl.methods",
    "frontgate.vtl.operators",
    "frontgate.vtl.runtime",
    "frontgate.vtl.util",
    # WebSocket APIs: frames, routing, MOCK answers and @connections (issue 16's benchmark).
    "frontgate.websocket.events",
    "frontgate.websocket.flow",
    "frontgate.websocket.gateway",
    "frontgate.websocket.handshake",
    "frontgate.websocket.integrations",
    "frontgate.websocket.messages",
    "frontgate.websocket.routing",
    "frontgate.websocket.session",
    "frontgate.websocket.timers",
)

# What guard() decided: "compiled", or "interpreted (<why>)". Shown by `frontgate serve`.
mode = "interpreted (not checked)"


def _source(package_root: Path, module: str) -> Path:
    path = package_root.joinpath(*module.split(".")[1:])
    if path.is_dir():  # A package: its __init__ is what gets compiled.
        return path / "__init__.py"
    return path.with_suffix(".py")


def _extension(source: Path) -> Path | None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = source.with_suffix(suffix)
        if candidate.exists():
            return candidate
    return None


def pure_requested() -> bool:
    """``FRONTGATE_PURE`` set (and not 0): neither build nor load the compiled modules."""
    return os.environ.get("FRONTGATE_PURE", "") not in ("", "0")


def sources(package_root: Path) -> list[Path]:
    """The source files of ``COMPILED`` (what setup.py hands to mypyc)."""
    return [_source(package_root, module) for module in COMPILED]


def check(package_root: Path, modules: Sequence[str] = COMPILED) -> str | None:
    """None when every module has an extension at least as new as its source, else why not."""
    for module in modules:
        source = _source(package_root, module)
        ext = _extension(source)
        if ext is None:
            return "not built" if module == modules[0] else f"{module} was not compiled"
        if ext.stat().st_mtime < source.stat().st_mtime:
            return f"{module} changed since the build; run `pip install -e .` to rebuild"
    return None


class _SourceFirst:
    """A meta path finder that loads the listed modules from their ``.py`` files."""

    def __init__(self, package_root: Path, modules: Sequence[str]) -> None:
        self._paths = {module: _source(package_root, module) for module in modules}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        source = self._paths.get(fullname)
        if source is None:
            return None
        if source.name == "__init__.py":
            return importlib.util.spec_from_file_location(
                fullname, source, submodule_search_locations=[str(source.parent)]
            )
        return importlib.util.spec_from_file_location(fullname, source)


def guard() -> str:
    """Decide, once per process and before any compiled module is imported, whether the
    compiled modules may load; returns (and records in ``mode``) the decision."""
    global mode
    if any(isinstance(finder, _SourceFirst) for finder in sys.meta_path):
        return mode
    package_root = Path(__file__).resolve().parent
    if pure_requested():
        why: str | None = "FRONTGATE_PURE is set"
    else:
        why = check(package_root)
    if why is None:
        mode = "compiled"
        return mode
    mode = f"interpreted ({why})"
    # Make the sources win over any extension, including one a build still running writes.
    sys.meta_path.insert(0, _SourceFirst(package_root, COMPILED))
    return mode
