"""The files of an export — a folder, a .zip or a single file — read one at a time, within bounds.

Real exports are small: the largest libraries we know are a few megabytes of CSV or JSON, and CSV
compresses about 3:1. Reading costs far more memory than the bytes themselves (parsing a CSV takes
about 14 bytes of memory per byte), so a file far beyond any real export, or a zip bomb, must be
refused before it is read. `open_export` lists the files (names repaired to valid text, macOS
metadata left out) and `Export.parse_each` reads and parses them one file at a time. It refuses:

- more than `LIBRARY_LIMIT` bytes in all: checked first on the sizes the disk or the zip declares,
  then again on the bytes actually read or inflated, chunk by chunk, so a lying header cannot get
  past it and reading stops as soon as the limit is crossed;
- a zip member above `BOMB_FLOOR` bytes that inflates to more than `BOMB_RATIO` times its packed size;
- a folder or zip of more than `FILE_LIMIT` files (``--library ~`` would otherwise walk a whole home
  folder, and a zip of a million empty entries costs a gigabyte just to list), and a zip file itself
  larger than `LIBRARY_LIMIT` (it cannot inflate to less).

Every problem — a damaged, truncated or encrypted zip included — is a `LibraryError` naming the
export and, where it is known, the member.
"""

from __future__ import annotations

import contextlib
import lzma
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Iterator, TypeVar

from pipeline.errors import quoted, repaired, shortened
from pipeline.library import LibraryError

LIBRARY_LIMIT = 256_000_000
"""Bytes of files one library may read (inflated): ~900,000 playlist rows, many times the largest real
library, and still within a laptop's memory once parsed."""
BOMB_RATIO = 200
"""Inflated : packed size beyond which a large member is taken for a zip bomb (real exports: 3-10:1)."""
BOMB_FLOOR = 10_000_000
"""Members smaller than this are never called bombs: a small file of one repeated row may compress well."""

FILE_LIMIT = 20_000
"""Files one export may hold: Exportify writes one per playlist, the account export a few dozen."""

T = TypeVar("T")
_CHUNK = 1 << 20
_EOCD_SEARCH = 22 + 65_535 + 56 + 20   # end record + the longest comment + the zip64 locator and record
_UTF8_NAME = 0x800   # general-purpose flag bit 11: the member name is UTF-8
_MACOS_METADATA = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")   # how os.listdir shows a byte that is not UTF-8
# What zipfile raises on damaged, truncated, encrypted or exotic archives (LibraryError, a ValueError
# too, is re-raised before these are caught).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError, RuntimeError,
               NotImplementedError, OSError, ValueError, struct.error)


@dataclass(frozen=True)
class ExportFile:
    """One file of an export.

    Attributes
    ----------
    name : its path inside the folder or zip ("/"-separated, valid text), as the user sees it.
    size : the bytes it declares: its size on disk, or its inflated size in a zip.
    packed : the bytes it takes in the zip (its size on disk elsewhere).
    """

    name: str
    size: int
    packed: int
    source: Path | zipfile.ZipInfo = field(repr=False, compare=False)


class Export:
    """The files of a folder (down to ``depth`` levels), a .zip or a single file; see `open_export`."""

    def __init__(self, path: Path, files: Iterable[ExportFile], archive: zipfile.ZipFile | None = None) -> None:
        self.path, self.files, self._archive = path, tuple(files), archive
        self.name = file_name(path.name or str(path))
        """The export's own name, for messages ("." for the current folder)."""
        self.is_single_file = not path.is_dir() and archive is None
        self._read = 0

    def parse_each(self, files: Iterable[ExportFile], parse: Callable[[ExportFile, bytes], T]) -> list[T]:
        """``parse(file, data)`` for each file in turn, once their declared sizes pass the limits.

        Each file's bytes are dropped before the next is read. Raises `LibraryError` when the files
        are too large together, a member looks like a zip bomb or the zip is damaged.
        """
        files = list(files)
        self._check_declared(files)
        return [parse(file, self._read_one(file)) for file in files]

    def _check_declared(self, files: list[ExportFile]) -> None:
        total = 0
        for file in files:
            if self._archive is not None and _looks_like_a_bomb(file.size, file.packed):
                raise self._bomb(file, file.size)
            total += file.size
            if total > LIBRARY_LIMIT:
                raise self._too_big(file, total, alone=file.size > LIBRARY_LIMIT)

    def _read_one(self, file: ExportFile) -> bytes:
        chunks, read = [], 0
        try:
            with self._open(file) as stream:
                while chunk := stream.read(_CHUNK):
                    read += len(chunk)
                    self._read += len(chunk)
                    if self._read > LIBRARY_LIMIT:
                        raise self._too_big(file, self._read, alone=read > LIBRARY_LIMIT)
                    if self._archive is not None and _looks_like_a_bomb(read, file.packed):
                        raise self._bomb(file, read)
                    chunks.append(chunk)
        except LibraryError:
            raise
        except UnicodeDecodeError as error:
            raise _bad_member_name(error, self.name) from None
        except RuntimeError as error:   # zipfile's way of saying "encrypted"
            raise LibraryError(f"member {quoted(file.name)} cannot be read ({_reason(error)}); zip the export "
                               "again without a password", file=self.name) from None
        except _ZIP_ERRORS as error:
            if self._archive is None:
                raise LibraryError(f"cannot read it ({getattr(error, 'strerror', None) or _reason(error)})",
                                   file=file.name) from None
            raise LibraryError(f"not a readable zip file: member {quoted(file.name)} is damaged ({_reason(error)})",
                               file=self.name) from None
        return b"".join(chunks)

    def _open(self, file: ExportFile):
        if self._archive is not None:
            return self._archive.open(file.source)
        return open(file.source, "rb")

    def _too_big(self, file: ExportFile, total: int, *, alone: bool) -> LibraryError:
        limit = f"the {size_text(LIBRARY_LIMIT)} limit for a library"
        if self._archive is not None:
            together = "" if alone else " (with the members read before it)"
            return LibraryError(f"member {quoted(file.name)} inflates past {limit}{together}", file=self.name)
        if alone:
            return LibraryError(f"{size_text(max(total, file.size))} is more than {limit}", file=file.name)
        return LibraryError(f"the files up to {quoted(file.name)} hold more than {limit}", file=self.name)

    def _bomb(self, file: ExportFile, inflated: int) -> LibraryError:
        ratio = inflated // max(file.packed, 1)
        return LibraryError(f"member {quoted(file.name)} compresses {ratio}:1 — looks like a zip bomb",
                            file=self.name)


@contextlib.contextmanager
def open_export(path: Path, *, depth: int | None = None) -> Iterator[Export]:
    """The files of a folder (files ``depth`` levels deep at most; all when None), a zip or a file.

    A folder or zip lists its files sorted by name, macOS metadata (``__MACOSX``, ``._*``,
    ``.DS_Store``) left out. A file is taken for a zip when it is named .zip, or is a zip and not
    named .csv. Raises `LibraryError` when the zip cannot be opened.
    """
    path = Path(path)
    if path.is_dir():
        yield Export(path, _folder_files(path, depth))
    elif is_zip(path):
        with _open_zip(path) as archive:
            yield Export(path, _zip_files(archive), archive)
    else:
        yield Export(path, [_single_file(path)])


def read_file(path: Path) -> bytes:
    """The bytes of one file; a `LibraryError` (before reading) when it holds more than `LIBRARY_LIMIT`."""
    export = Export(Path(path), [_single_file(Path(path))])
    return export.parse_each(export.files, lambda file, data: data)[0]


def is_zip(path: Path) -> bool:
    """Whether ``path`` is read as a zip: named .zip, or a zip not named .csv."""
    suffix = path.suffix.lower()
    return suffix == ".zip" or (suffix != ".csv" and path.is_file() and zipfile.is_zipfile(path))


def file_name(name: str) -> str:
    """``name`` as valid text: each byte the system could not decode as UTF-8 (``os.listdir`` shows it
    as a lone surrogate) is read as Windows-1252 (Latin-1 for its five gaps), which is what old
    Windows zips wrote; any other lone surrogate becomes U+FFFD."""
    if name.isascii():
        return name
    return repaired(_ESCAPED_BYTE.sub(lambda escaped: _byte_text(ord(escaped[0]) - 0xDC00), name))


def size_text(size: int) -> str:
    """``256 MB``, ``1.5 KB``, ``12 bytes``: decimal units, as file managers show them."""
    for unit, scale in (("GB", 10 ** 9), ("MB", 10 ** 6), ("KB", 10 ** 3)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def _byte_text(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return bytes([byte]).decode("latin-1")


def _looks_like_a_bomb(inflated: int, packed: int) -> bool:
    return inflated > BOMB_FLOOR and inflated > BOMB_RATIO * max(packed, 1)


def _is_metadata(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return not parts or "__MACOSX" in parts or parts[-1].startswith("._") or parts[-1] in _MACOS_METADATA


# ----- listing ----------------------------------------------------------------------------------------
def _folder_files(folder: Path, depth: int | None) -> list[ExportFile]:
    found = []
    seen = 0
    for root, folders, names in os.walk(folder):   # symlinked folders are not followed: no loops
        relative = Path(root).relative_to(folder)
        if depth is not None and len(relative.parts) + 1 >= depth:
            folders.clear()
        seen += len(names) + len(folders)
        if seen > FILE_LIMIT:
            raise _too_many_files(file_name(folder.name))
        for name in names:
            path = Path(root, name)
            try:
                info = path.stat()
            except OSError:   # a dangling link, a file that vanished
                continue
            shown = file_name((relative / name).as_posix())
            if stat.S_ISREG(info.st_mode) and not _is_metadata(shown):   # a pipe or device would never end
                found.append(ExportFile(shown, info.st_size, info.st_size, path))
    return sorted(found, key=lambda file: file.name)


def _single_file(path: Path) -> ExportFile:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise LibraryError(f"cannot read it ({error.strerror or error})", file=file_name(path.name)) from None
    return ExportFile(file_name(path.name), size, size, path)


def _too_many_files(export: str) -> LibraryError:
    return LibraryError(f"holds more than {FILE_LIMIT:,} files: not an export (choose the export's own folder "
                        "or .zip)", file=export)


def _open_zip(path: Path) -> zipfile.ZipFile:
    size = path.stat().st_size
    if size > LIBRARY_LIMIT:
        raise LibraryError(f"the zip alone is {size_text(size)}, more than the {size_text(LIBRARY_LIMIT)} limit "
                           "for a library", file=file_name(path.name))
    if _declared_entries(path) > FILE_LIMIT:
        raise _too_many_files(file_name(path.name))
    try:
        return zipfile.ZipFile(path)
    except UnicodeDecodeError as error:
        raise _bad_member_name(error, file_name(path.name)) from None
    except _ZIP_ERRORS as error:
        raise LibraryError(f"not a readable zip file ({_reason(error)})", file=file_name(path.name)) from None


def _declared_entries(path: Path) -> int:
    """How many entries the zip's end-of-directory record declares (0 when there is none: zipfile will
    then name the damage), read before zipfile builds a record for each of them."""
    with open(path, "rb") as stream:
        stream.seek(max(0, path.stat().st_size - _EOCD_SEARCH))
        tail = stream.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return 0
    return struct.unpack("<H", tail[at + 10:at + 12])[0]   # 0xFFFF (zip64: more) is above the limit too


def _zip_files(archive: zipfile.ZipFile) -> list[ExportFile]:
    found = [ExportFile(_member_name(info), info.file_size, info.compress_size, info)
             for info in archive.infolist() if not info.filename.endswith("/")]   # is_dir() fails on ""
    return sorted((file for file in found if not _is_metadata(file.name)), key=lambda file: file.name)


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its maker meant it: zips from macOS and Windows often hold UTF-8 names
    without saying so, which zipfile then reads as code page 437 ("Caf├⌐" for "Café")."""
    if info.flag_bits & _UTF8_NAME or info.filename.isascii():
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def _bad_member_name(error: UnicodeDecodeError, export: str) -> LibraryError:
    raw = error.object if isinstance(error.object, bytes) else b""
    return LibraryError(f"not a readable zip file: the name of member {quoted(raw.decode('utf-8', 'replace'))} "
                        "is marked as UTF-8 but is not; zip the export again", file=export)


def _reason(error: Exception) -> str:
    """The error's own words on one short line (its type's name when it has none)."""
    return shortened(str(error) or type(error).__name__)
