"""A PEP 517 build backend (and PEP 660, for ``pip install -e``) for this one pure-Python
package, on the standard library alone.

NOTE: pyproject.toml declares ``requires = []`` and this in-tree backend, so pip's build
isolation has nothing to download and ``pip install ./clients/python`` works offline
(decision 0026). It writes exactly one wheel, ``py3-none-any``, byte for byte the same on
every build: entries sorted, timestamps fixed (``SOURCE_DATE_EPOCH`` or 1980-01-01).

Wheel layout: PEP 427 (the binary distribution format) with PEP 376 RECORD hashes
(sha256, urlsafe base64 without padding); metadata: core metadata 2.1 from the
``[project]`` table of pyproject.toml (PEP 621); sdist: PEP 625 name, PKG-INFO at the top.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "posterior_client"
#: What goes into an sdist besides the package: the files needed to build it again.
SDIST_EXTRA = ["pyproject.toml", "README.md", "_build_backend/backend.py"]

Project = Dict[str, Union[str, List[str]]]
#: What a frontend may pass to a hook (PEP 517 config_settings); this backend takes none.
ConfigSettings = Optional[Dict[str, Any]]


# pyproject.toml

_STRING = r'"((?:[^"\\]|\\.)*)"'


def read_project(text: str) -> Project:
    """The ``[project]`` table of a pyproject.toml whose values are basic strings or arrays of
    them (the subset this file uses; tomllib is only in Python >= 3.11). Anything else in the
    table raises, so that a richer value is not silently misread."""
    project: Project = {}
    section = None
    pending: Optional[Tuple[str, List[str]]] = None  # an array spanning several lines
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if pending is not None:
            key, items = pending
            body, closed = (line[:-1], True) if line.endswith("]") else (line, False)
            items.extend(_strings(body, number))
            if closed:
                project[key] = items
                pending = None
            continue
        if not line:
            continue
        if line.startswith("["):
            section = line.strip("[] ")
            continue
        if section != "project":
            continue
        match = re.fullmatch(r"([A-Za-z0-9_-]+)\s*=\s*(.*)", line)
        if not match:
            raise ValueError("pyproject.toml line %d: not a key = value line: %r" % (number, raw))
        key, value = match.group(1), match.group(2)
        if re.fullmatch(_STRING, value):
            project[key] = _unescape(value[1:-1])
        elif value.startswith("[") and value.endswith("]"):
            project[key] = _strings(value[1:-1], number)
        elif value == "[":
            pending = (key, [])
        else:
            raise ValueError("pyproject.toml line %d: only strings and arrays of strings are read: %r" % (number, raw))
    if pending is not None:
        raise ValueError("pyproject.toml: the array %r is not closed" % pending[0])
    return project


def _strip_comment(line: str) -> str:
    """The line without a trailing comment (a # outside a string)."""
    in_string = escaped = False
    for i, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and in_string:
            escaped = True
        elif char == '"':
            in_string = not in_string
        elif char == "#" and not in_string:
            return line[:i]
    return line


def _strings(body: str, number: int) -> List[str]:
    """The strings of a comma-separated list (a trailing comma allowed)."""
    items = [item.strip() for item in body.split(",")]
    if items and items[-1] == "":
        items.pop()
    out = []
    for item in items:
        if not re.fullmatch(_STRING, item):
            raise ValueError("pyproject.toml line %d: %r is not a basic string" % (number, item))
        out.append(_unescape(item[1:-1]))
    return out


def _unescape(text: str) -> str:
    return re.sub(r'\\(["\\])', r"\1", text)


def _project() -> Project:
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        return read_project(f.read())


# metadata

def _core_metadata(project: Project) -> str:
    """Core metadata 2.1 (METADATA in a wheel, PKG-INFO in an sdist)."""
    lines = [
        "Metadata-Version: 2.1",
        "Name: %s" % project["name"],
        "Version: %s" % project["version"],
        "Summary: %s" % project["description"],
        "Requires-Python: %s" % project["requires-python"],
    ]
    lines += ["Keywords: %s" % ",".join(project.get("keywords", []))] if project.get("keywords") else []
    lines += ["Classifier: %s" % c for c in project.get("classifiers", [])]
    readme = ""
    if "readme" in project:
        lines.append("Description-Content-Type: text/markdown")
        with open(os.path.join(ROOT, str(project["readme"])), encoding="utf-8") as f:
            readme = f.read()
    return "\n".join(lines) + "\n\n" + readme


def _dist_name(project: Project) -> str:
    """The name as it appears in file names: normalized, with underscores (PEP 427, PEP 625)."""
    return re.sub(r"[-_.]+", "_", str(project["name"])).lower()


def _dist_info(project: Project) -> str:
    return "%s-%s.dist-info" % (_dist_name(project), project["version"])


_WHEEL = "Wheel-Version: 1.0\nGenerator: posterior-client in-tree backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _metadata_files(project: Project) -> List[Tuple[str, bytes]]:
    info = _dist_info(project)
    return [
        (info + "/METADATA", _core_metadata(project).encode("utf-8")),
        (info + "/WHEEL", _WHEEL.encode("utf-8")),
    ]


# files

def _package_files() -> Iterator[Tuple[str, bytes]]:
    """(path in the archive, content) of every file of the package, compiled files left out."""
    top = os.path.join(ROOT, PACKAGE)
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                yield os.path.relpath(path, ROOT).replace(os.sep, "/"), f.read()


def _timestamp() -> int:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else 1980-01-01, the zip format's first day."""
    return max(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")), 315532800)


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _write_wheel(directory: str, project: Project, files: List[Tuple[str, bytes]]) -> str:
    """Writes the wheel with ``files`` plus metadata and RECORD; returns its file name."""
    name = "%s-%s-py3-none-any.whl" % (_dist_name(project), project["version"])
    info = _dist_info(project)
    entries = sorted(files) + _metadata_files(project)
    record = "".join("%s,%s,%d\n" % (path, _record_hash(data), len(data)) for path, data in entries)
    entries.append((info + "/RECORD", (record + info + "/RECORD,,\n").encode("utf-8")))
    stamp = time.gmtime(_timestamp())[:6]
    with zipfile.ZipFile(os.path.join(directory, name), "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in entries:
            entry = zipfile.ZipInfo(path, date_time=stamp)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(entry, data)
    return name


# PEP 517 and PEP 660 hooks

def get_requires_for_build_wheel(config_settings: ConfigSettings = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: ConfigSettings = None) -> List[str]:
    return []


def get_requires_for_build_editable(config_settings: ConfigSettings = None) -> List[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: ConfigSettings = None) -> str:
    project = _project()
    for path, data in _metadata_files(project):
        os.makedirs(os.path.join(metadata_directory, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(metadata_directory, path), "wb") as f:
            f.write(data)
    return _dist_info(project)


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory: str, config_settings: ConfigSettings = None, metadata_directory: Optional[str] = None) -> str:
    return _write_wheel(wheel_directory, _project(), list(_package_files()))


def build_editable(wheel_directory: str, config_settings: ConfigSettings = None, metadata_directory: Optional[str] = None) -> str:
    """A wheel whose one file, a .pth, puts this folder on sys.path: edits take effect at once."""
    project = _project()
    pth = (ROOT + "\n").encode("utf-8")
    return _write_wheel(wheel_directory, project, [("__editable__.%s.pth" % _dist_name(project), pth)])


def build_sdist(sdist_directory: str, config_settings: ConfigSettings = None) -> str:
    project = _project()
    base = "%s-%s" % (_dist_name(project), project["version"])
    files = [("PKG-INFO", _core_metadata(project).encode("utf-8"))]
    for extra in SDIST_EXTRA:
        with open(os.path.join(ROOT, extra), "rb") as f:
            files.append((extra, f.read()))
    files += list(_package_files())
    name = base + ".tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, data in sorted(files):
            entry = tarfile.TarInfo("%s/%s" % (base, path))
            entry.size, entry.mtime, entry.mode = len(data), _timestamp(), 0o644
            tar.addfile(entry, io.BytesIO(data))
    with open(os.path.join(sdist_directory, name), "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=_timestamp()) as gz:
            gz.write(buffer.getvalue())
    return name
