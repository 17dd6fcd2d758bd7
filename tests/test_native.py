"""The compiled-build guard: a stale or partial build must never shadow the sources."""

from __future__ import annotations

import importlib.machinery
import os
import subprocess
import sys
import time
from pathlib import Path

from frontgate import native

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def _package(tmp_path: Path) -> Path:
    root = tmp_path / "fakepkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "hot.py").write_text("WHERE = 'source'\n")
    (root / "sub").mkdir()
    (root / "sub" / "__init__.py").write_text("WHERE = 'package source'\n")
    return root


def test_check_reports_missing_stale_and_current_builds(tmp_path: Path) -> None:
    root = _package(tmp_path)
    modules = ("fakepkg.hot", "fakepkg.sub")
    assert native.check(root, modules) == "not built"
    old = time.time() - 100
    for ext in (root / f"hot{SUFFIX}", root / "sub" / f"__init__{SUFFIX}"):
        ext.write_bytes(b"not really an extension")
    assert native.check(root, modules) is None
    os.utime(root / f"hot{SUFFIX}", (old, old))
    assert "fakepkg.hot changed since the build" in str(native.check(root, modules))
    (root / f"hot{SUFFIX}").unlink()
    assert native.check(root, ("fakepkg.sub", "fakepkg.hot")) == "fakepkg.hot was not compiled"


def test_sources_win_over_extensions_once_the_guard_says_so(tmp_path: Path) -> None:
    root = _package(tmp_path)
    # Garbage where the extensions would be: importing them would fail outright.
    (root / f"hot{SUFFIX}").write_bytes(b"garbage")
    (root / "sub" / f"__init__{SUFFIX}").write_bytes(b"garbage")
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from pathlib import Path\n"
        "from frontgate import native\n"
        f"sys.meta_path.insert(0, native._SourceFirst(Path({str(root)!r}), "
        "('fakepkg.hot', 'fakepkg.sub')))\n"
        "import fakepkg.hot, fakepkg.sub\n"
        "print(fakepkg.hot.WHERE, '|', fakepkg.sub.WHERE, '|', fakepkg.sub.__path__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split(" | ")[:2] == ["source", "package source"]
    bare = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import fakepkg.hot",
        ],
        capture_output=True,
        text=True,
    )
    assert bare.returncode != 0  # Without the guard the extension would have been loaded.


def test_pure_mode_is_reported(tmp_path: Path) -> None:
    code = "import frontgate.native as n, frontgate.http.server as s; print(n.mode, s.__file__)"
    env = {**os.environ, "FRONTGATE_PURE": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.startswith("interpreted (FRONTGATE_PURE is set)")
    assert out.stdout.strip().endswith("server.py")


def test_no_interpreted_class_inherits_from_a_compiled_one() -> None:
    """mypyc refuses at run time a class in an interpreted module whose base was compiled
    ("interpreted classes cannot inherit from compiled"): a failure the interpreted test run
    never sees. Every such subclass must live in a compiled module too."""
    import importlib
    import inspect
    import pkgutil

    import frontgate

    compiled = set(native.COMPILED)
    found = []
    for info in pkgutil.walk_packages(frontgate.__path__, "frontgate."):
        if info.name.startswith("frontgate.demo") or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != info.name or info.name in compiled:
                continue
            bases = [b for b in cls.__mro__[1:] if b.__module__ in compiled]
            if bases:
                found.append(f"{info.name}.{cls.__name__} <- {bases[0].__module__}")
    assert found == []
