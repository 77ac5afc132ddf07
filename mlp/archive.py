"""Checking an ``.npz`` archive from its members' headers, before any data is read.

``np.load`` believes what a file says: a member whose header claims 10¹² values asks for
8 TB, and a small compressed member can unpack to many GB. :func:`check_members` reads only
the zip directory and each member's ``.npy`` header (a few hundred bytes) and refuses, in
one sentence, a member that is not a plain array, holds complex or object values, claims a
shape its stored size does not hold, or an archive that would need more memory than the
limit. What it lets through is then read by ``np.load`` with ``allow_pickle=False``.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

MAX_MEMBERS = 64
HEADER_LIMIT = 10_000  # bytes of one .npy header, numpy's own default
PLAIN_KINDS = "biufU"  # bool, integers, floats and text: no complex, objects or records


class ArchiveError(ValueError):
    """The archive is not one this program reads; the message says why, in a few words."""


@dataclass(frozen=True)
class Member:
    name: str  # without ".npy"
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=object)) * self.dtype.itemsize


def check_regular_file(path: Path) -> None:
    """Refuse a FIFO, a device or a folder: reading one would hang or never end."""
    mode = path.stat().st_mode
    if stat.S_ISDIR(mode):
        raise ArchiveError("it is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise ArchiveError("not a regular file (a pipe or a device?)")


def check_members(path: Path, limit_bytes: int) -> dict[str, Member]:
    """Every member's name, shape and dtype, read from headers; ArchiveError if unsafe."""
    members: dict[str, Member] = {}
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ArchiveError(f"{len(infos)} members, more than a run file has")
        declared = sum(info.file_size for info in infos)
        if declared > limit_bytes:
            raise ArchiveError(
                f"it unpacks to {_size(declared)}, more than the memory limit of "
                f"{_size(limit_bytes)}"
            )
        for info in infos:
            members[info.filename.removesuffix(".npy")] = _member(archive, info)
    return members


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Member:
    name = info.filename
    if not name.endswith(".npy") or "/" in name or info.is_dir():
        raise ArchiveError(f"member {name!r} is not an array")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ArchiveError(f"member {name!r} is compressed in a way this program does not read")
    with archive.open(info) as fh:
        try:
            version = npy.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = npy.read_array_header_1_0(fh, HEADER_LIMIT)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = npy.read_array_header_2_0(fh, HEADER_LIMIT)
            else:
                raise ValueError(f"version {version}")
            header = fh.tell()
        except (ValueError, OSError, EOFError, SyntaxError) as exc:
            raise ArchiveError(f"member {name!r} has no readable array header ({exc})") from None
    if dtype.hasobject or dtype.kind not in PLAIN_KINDS or dtype.fields is not None:
        raise ArchiveError(f"member {name!r} holds {dtype} values, not plain numbers")
    member = Member(name.removesuffix(".npy"), tuple(shape), dtype)
    if any(n < 0 for n in shape) or header + member.nbytes != info.file_size:
        raise ArchiveError(
            f"member {name!r} claims shape {tuple(shape)} but holds "
            f"{_size(info.file_size - header)} of data"
        )
    return member


def _size(n: int) -> str:
    from .budget import size_text

    return size_text(n)
