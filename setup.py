"""Compiles the request-path modules listed in ``frontgate.native.COMPILED`` with mypyc.

Everything else about the package is in pyproject.toml. Set FRONTGATE_PURE=1 to skip the
compilation; when no C compiler is available the extensions are optional and the package
installs interpreted (slower, same behaviour).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from setuptools import setup

ROOT = Path(__file__).resolve().parent
PACKAGE = ROOT / "src" / "frontgate"


def _native() -> ModuleType:
    # frontgate.native imports only the standard library: load it without the package, which
    # cannot be imported before its dependencies are installed.
    spec = importlib.util.spec_from_file_location("_frontgate_native", PACKAGE / "native.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extensions() -> list[object]:
    native = _native()
    if native.pure_requested():
        return []
    from mypyc.build import mypycify

    paths = [str(path.relative_to(ROOT)) for path in native.sources(PACKAGE)]
    # A build environment holds only the build requirements, so third-party imports are
    # untyped here: type-check leniently (strict mypy runs in development, not at install).
    exts = mypycify(
        ["--config-file", "", "--ignore-missing-imports", *paths],
        opt_level="3",
        group_name="frontgate",
    )
    for ext in exts:
        ext.optional = True  # No compiler: install interpreted rather than fail.
    return list(exts)


setup(ext_modules=extensions())
