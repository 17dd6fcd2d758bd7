"""Compiles the request-path modules listed in ``frontgate.native.COMPILED`` with mypyc.

Everything else about the package is in pyproject.toml. Set FRONTGATE_PURE=1 to skip the
compilation; when no C compiler is available the extensions are optional and the package
installs interpreted (slower, same behaviour).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent


def compiled_modules() -> list[str]:
    tree = ast.parse((ROOT / "src/frontgate/native.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "COMPILED" for t in node.targets
        ):
            return list(ast.literal_eval(node.value))
    raise RuntimeError("COMPILED not found in src/frontgate/native.py")


def extensions() -> list[object]:
    if os.environ.get("FRONTGATE_PURE", "") not in ("", "0"):
        return []
    from mypyc.build import mypycify

    paths = []
    for module in compiled_modules():
        path = "src/" + module.replace(".", "/")
        paths.append(path + "/__init__.py" if (ROOT / path).is_dir() else path + ".py")
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
