"""Function code on disk: a zip is checked, hashed and unpacked once per content hash under
``{data_dir}/functions/{region}/{name}/{sha256-hex}/``; a directory is used where it is."""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import os
import shutil
import stat
import zipfile
from pathlib import Path

from frontgate.functions.errors import InvalidParameterValue, RequestEntityTooLarge

# Lambda's quotas: 50 MB zipped for a direct upload, 250 MB unzipped.
MAX_ZIPPED = 50 * 1024 * 1024
MAX_UNZIPPED = 250 * 1024 * 1024

_SERVER_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.ENOMEM})
_NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."


def sha256_b64(data: bytes) -> str:
    """CodeSha256 as Lambda reports it: base64 of the SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def unpack_zip(data: bytes, functions_root: Path, region: str, name: str) -> Path:
    """Validate and unpack ``data``; returns the code directory (reused when already unpacked)."""
    if len(data) > MAX_ZIPPED:
        # AWS-recorded: 413 RequestEntityTooLargeException, this text, for either operation.
        raise RequestEntityTooLarge(f"Zipped size must be smaller than {MAX_ZIPPED} bytes")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        bad = archive.testzip()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise InvalidParameterValue(_NOT_A_ZIP) from None
    if bad is not None:
        raise InvalidParameterValue(_NOT_A_ZIP)
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED:
        raise InvalidParameterValue(f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes")
    digest = hashlib.sha256(data).hexdigest()
    target = functions_root / region / name / digest
    if target.is_dir():
        return target
    tmp = target.with_name(f".{digest}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        _extract(archive, infos, tmp)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as exc:
        # Members that cannot all exist ("a" and "a/b", "a" twice as file and directory), or a
        # name the file system refuses: the archive cannot be unpacked, nothing is kept. A full
        # or failing disk is the server's problem, not the upload's.
        _discard(tmp)
        if isinstance(exc, OSError) and exc.errno in _SERVER_ERRNOS:
            raise
        raise InvalidParameterValue(_NOT_A_ZIP) from None
    except BaseException:
        _discard(tmp)
        raise
    try:
        tmp.rename(target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # another process unpacked the same code first
    return target


def _discard(tmp: Path) -> None:
    """Remove a failed unpack, and the function's directory if that leaves it empty."""
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.parent.rmdir()
    except OSError:
        pass  # it holds the function's current code (or another unpack is under way)


def _extract(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], tmp: Path) -> None:
    root = tmp.resolve()
    for info in infos:
        dest = (tmp / info.filename).resolve()
        # A member that escapes the code directory ("../x", "/etc/x") is refused, as unzip does.
        if root != dest and root not in dest.parents:
            raise ValueError(info.filename)
        if info.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)
        mode = (info.external_attr >> 16) & 0o777
        os.chmod(dest, (mode or 0o644) | stat.S_IRUSR)


def directory_digest(path: Path) -> tuple[str, int]:
    """(CodeSha256, CodeSize) for code declared as a directory: a hash over its files."""
    h = hashlib.sha256()
    size = 0
    for file in sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        data = file.read_bytes()
        h.update(str(file.relative_to(path)).encode() + b"\0" + data)
        size += len(data)
    return base64.b64encode(h.digest()).decode(), size


def remove_function(functions_root: Path, region: str, name: str) -> None:
    shutil.rmtree(functions_root / region / name, ignore_errors=True)
