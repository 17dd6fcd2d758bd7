"""Compiles the request-path modules listed in ``frontgate.native.COMPILED`` with mypyc.

Everything else about the package is in pyproject.toml. Set FRONTGATE_PURE=1 to skip the
compilation. When the compiled build fails for any reason (a mypyc error, no C compiler, no
Python headers) the package installs interpreted (same behaviour, slower request path) and the
build prints one warning saying why, starting with ``frontgate: WARNING:`` (pip shows build
output with ``-v``; ``frontgate serve`` then reports ``request path interpreted (not built)``).

mypyc runs only when the extensions are actually built (``build_ext``), not each time pip asks
the backend for its requirements or metadata; the C files compile in parallel (one job per CPU);
and an editable install whose in-place build is still current (the rule the import-time guard
uses) is not compiled again, so ``pip install -e '.[test]'`` after ``pip install -e .`` is quick.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import ModuleType
from typing import Any

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
PACKAGE = ROOT / "src" / "frontgate"
WARNING = "frontgate: WARNING:"


def _native() -> ModuleType:
    # frontgate.native imports only the standard library: load it without the package, which
    # cannot be imported before its dependencies are installed.
    spec = importlib.util.spec_from_file_location("_frontgate_native", PACKAGE / "native.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mypyc_extensions() -> list[Extension]:
    """Type-check the compiled modules and generate their C (raises SystemExit on an error)."""
    from mypyc.build import mypycify

    os.chdir(ROOT)  # mypyc writes its C under ./build and names modules by relative path
    paths = [str(path.relative_to(ROOT)) for path in _native().sources(PACKAGE)]
    # A build environment holds only the build requirements. --no-site-packages makes every
    # third-party import Any whatever else is installed, so the check and the generated code
    # are the same in pip's isolated environment and anywhere else (strict mypy, with the
    # dependencies' types, runs in development and CI, not at install).
    return list(
        mypycify(
            ["--config-file", "", "--ignore-missing-imports", "--no-site-packages", *paths],
            opt_level="3",
            multi_file=True,  # one C file per module, compiled in parallel (below)
            group_name="frontgate",
        )
    )


def _in_place_extensions() -> list[Path]:
    """Extensions an earlier in-place build left next to the sources (and mypyc's group
    library next to the package)."""
    found = list(PACKAGE.parent.glob("frontgate__mypyc.*"))
    for source in _native().sources(PACKAGE):
        found += [source.with_suffix(suffix) for suffix in EXTENSION_SUFFIXES]
    return found


def _built_in_place() -> bool:
    """An earlier in-place build (pip install -e) is complete and as new as the sources, by the
    rule frontgate.native.guard() uses to load it, and as new as this build's setup."""
    libraries = list(PACKAGE.parent.glob("frontgate__mypyc.*"))
    setup_changed = max(Path(__file__).stat().st_mtime, (PACKAGE / "native.py").stat().st_mtime)
    return (
        _native().check(PACKAGE) is None
        and len(libraries) == 1
        and libraries[0].stat().st_mtime >= setup_changed
    )


def _compiler_failure(exc: Exception) -> str:
    """A compiler error in one short line: which program failed and how (its own messages
    are printed above the warning)."""
    text = " ".join(str(exc).split())
    # setuptools >= 74: "Command '['gcc', ...]' returned non-zero exit status 1."
    # older setuptools: "command '/usr/bin/gcc' failed with exit code 1"
    match = re.search(r"Command '\['([^']*)'.*' returned non-zero exit status (-?\d+)", text)
    match = match or re.search(r"command '([^']*)' failed with exit code (-?\d+)", text)
    if match:
        return f"'{match[1]}' exited with status {match[2]}; its messages are above"
    return text[:300] or type(exc).__name__


def _jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _parallel(compile_: Callable[..., list[str]], jobs: int) -> Callable[..., list[str]]:
    """``CCompiler.compile`` that compiles the sources of one extension in ``jobs`` threads
    (each runs the compiler as a subprocess), largest file first, objects in source order."""

    def compile_all(sources: list[str], *args: Any, **kwargs: Any) -> list[str]:
        if jobs < 2 or len(sources) < 2:
            return compile_(sources, *args, **kwargs)
        order = sorted(sources, key=lambda s: -os.path.getsize(s) if os.path.exists(s) else 0)
        with ThreadPoolExecutor(jobs) as pool:
            objects = pool.map(lambda source: compile_([source], *args, **kwargs), order)
            done = dict(zip(order, objects, strict=True))
        return [obj for source in sources for obj in done[source]]

    return compile_all


class BuildCompiled(build_ext):
    """build_ext that runs mypyc itself and falls back to the interpreted package on failure."""

    def run(self) -> None:
        if not self.extensions:  # FRONTGATE_PURE: nothing to build
            super().run()
            return
        started = time.monotonic()
        # (setuptools' run clears inplace while it builds, and does not restore it on failure)
        in_place = self.inplace or getattr(self, "editable_mode", False)
        if in_place and _built_in_place():
            self.extensions = self.distribution.ext_modules = []
            print("frontgate: the compiled request path is up to date (built earlier in place)")
            return
        reason = self._build()
        if reason is None:
            if in_place:
                # A module's small extension is copied with its old date when its C did not
                # change, and native.guard() would then find it older than its source: the
                # build just made them all current, so say so.
                for path in _in_place_extensions():
                    with contextlib.suppress(OSError):
                        os.utime(path)
            print(f"frontgate: compiled the request path in {time.monotonic() - started:.0f} s")
            return
        # No half-built set, and in place (pip install -e) no earlier build left behind: what
        # runs is what the warning says.
        stale = [Path(self.get_ext_fullpath(ext.name)) for ext in self.extensions]
        if in_place:
            stale += _in_place_extensions()
        for path in stale:
            with contextlib.suppress(OSError):
                path.unlink()
        self.extensions = self.distribution.ext_modules = []
        print(
            f"{WARNING} the compiled request path could not be built ({reason}); installing "
            "the interpreted package instead (same behaviour, slower request path). "
            "FRONTGATE_PURE=1 skips the attempt.",
            file=sys.stderr,
            flush=True,
        )

    def _build(self) -> str | None:
        """None when the extensions were built, else a one-line reason."""
        captured = io.StringIO()
        try:
            with contextlib.redirect_stdout(captured):
                extensions = _mypyc_extensions()
        except (Exception, SystemExit) as exc:  # mypyc exits on a type or compile error
            details = captured.getvalue()
            sys.stderr.write(details)
            errors = [line for line in details.splitlines() if ": error:" in line]
            if errors:
                first = errors[0]
            elif isinstance(exc, SystemExit):
                first = f"exit status {exc.code}; its messages are above"
            else:
                first = f"{type(exc).__name__}: {exc}"
            more = f" and {len(errors) - 1} more" if len(errors) > 1 else ""
            return f"mypyc: {first}{more}"
        sys.stdout.write(captured.getvalue())
        self._adopt(extensions)
        try:
            super().run()
        except Exception as exc:  # CompileError, LinkError, no compiler, no Python.h, ...
            return f"C build failed: {_compiler_failure(exc)}"
        return None

    def _adopt(self, extensions: list[Extension]) -> None:
        """Use mypyc's extensions in place of the placeholder, set up as finalize_options sets
        up the ones it is given (mypyc makes no shared Library, so none links to one)."""
        self.check_extensions_list(extensions)
        self.extensions = self.distribution.ext_modules = extensions
        self.ext_map = {}
        for ext in extensions:
            ext._full_name = fullname = self.get_ext_fullname(ext.name)
            self.ext_map[fullname] = self.ext_map[fullname.split(".")[-1]] = ext
            ext._links_to_dynamic = ext._needs_stub = False
            ext._file_name = self.get_ext_filename(fullname)

    def build_extensions(self) -> None:
        self.compiler.compile = _parallel(self.compiler.compile, _jobs())
        super().build_extensions()


def extensions() -> list[Extension]:
    if _native().pure_requested():
        return []
    # A placeholder so that setuptools runs build_ext (and tags the wheel for this platform);
    # BuildCompiled.run replaces it with mypyc's extensions.
    return [Extension("frontgate.__compiled__", sources=[])]


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildCompiled})
