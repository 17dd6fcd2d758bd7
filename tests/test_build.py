"""setup.py's compiled build, run for real on a one-module stand-in of the package: a build that
fails (a mypyc type error, a C compiler that fails) installs the interpreted package with one
warning instead of failing, and leaves no compiled module behind."""

from __future__ import annotations

import importlib.machinery
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
WARNING = "frontgate: WARNING:"


def _project(tmp_path: Path, hot: str) -> Path:
    """setup.py, pyproject.toml and the real native.py, with COMPILED cut down to one module,
    ``hot``."""
    root = tmp_path / "project"
    package = root / "src" / "frontgate"
    package.mkdir(parents=True)
    shutil.copy(ROOT / "setup.py", root)
    shutil.copy(ROOT / "pyproject.toml", root)  # the package directory, src/
    native = (ROOT / "src" / "frontgate" / "native.py").read_text()
    native, count = re.subn(
        r"^COMPILED = \(\n.*?^\)$", 'COMPILED = ("frontgate.hot",)', native, flags=re.M | re.S
    )
    assert count == 1
    (package / "native.py").write_text(native)
    (package / "__init__.py").write_text("")
    (package / "hot.py").write_text(hot)
    return root


def _build(root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "FRONTGATE_PURE"}
    return subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--inplace"],
        cwd=root,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def _warnings(build: subprocess.CompletedProcess[str]) -> list[str]:
    output = build.stdout + build.stderr
    return [line for line in output.splitlines() if WARNING in line]


def _compiled(root: Path) -> list[str]:
    return sorted(path.name for path in (root / "src").rglob(f"*{SUFFIX}"))


def test_the_compiled_modules_type_check_as_in_an_isolated_build() -> None:
    # setup.py's check: every third-party import is Any, whatever is installed here (a type
    # alias made of them must be explicit, or it is a variable and "not valid as a type").
    from frontgate import native

    paths = [str(path.relative_to(ROOT)) for path in native.sources(ROOT / "src" / "frontgate")]
    flags = ["--config-file", "", "--ignore-missing-imports", "--no-site-packages"]
    check = subprocess.run(
        [sys.executable, "-m", "mypy", *flags, "--no-incremental", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert check.returncode == 0, check.stdout


def test_a_type_error_installs_interpreted_with_one_warning(tmp_path: Path) -> None:
    root = _project(tmp_path, "def answer() -> int:\n    return 'forty-two'\n")
    build = _build(root)
    assert build.returncode == 0, build.stderr
    [warning] = _warnings(build)
    assert "src/frontgate/hot.py:2: error: Incompatible return value type" in warning
    assert "installing the interpreted package instead" in warning
    assert _compiled(root) == []


def test_a_failing_c_compiler_installs_interpreted_and_removes_an_older_build(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path, "def answer() -> int:\n    return 42\n")
    older = root / "src" / "frontgate" / f"hot{SUFFIX}"
    older.write_bytes(b"an earlier build")
    build = _build(root, CC="false")
    assert build.returncode == 0, build.stderr
    [warning] = _warnings(build)
    assert re.search(r"C build failed: '\S*false' exited with status 1;", warning)
    assert _compiled(root) == []


def test_frontgate_pure_builds_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path, "def answer() -> int:\n    return 'not even type-checked'\n")
    build = _build(root, FRONTGATE_PURE="1")
    assert build.returncode == 0, build.stderr
    assert _warnings(build) == []
    assert "frontgate__mypyc" not in build.stdout + build.stderr
    assert _compiled(root) == []


@pytest.mark.slow
def test_a_good_build_compiles_without_a_warning_and_once(tmp_path: Path) -> None:
    root = _project(tmp_path, "def answer() -> int:\n    return 42\n")
    build = _build(root)
    assert build.returncode == 0, build.stderr
    assert _warnings(build) == []
    assert f"hot{SUFFIX}" in _compiled(root)
    code = "import frontgate.hot as hot; print(hot.answer(), hot.__file__)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root / "src",
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["42", str(root / "src" / "frontgate" / f"hot{SUFFIX}")]
    again = _build(root)  # pip install -e '.[test]' after pip install -e .
    assert again.returncode == 0, again.stderr
    assert "frontgate: the compiled request path is up to date" in again.stdout
    assert "building 'frontgate__mypyc'" not in again.stdout + again.stderr
