"""Looks inside the Python client's distributions; run by test/clients/python-package.test.ts.

Usage:
  package_check.py wheel WHEEL         prints the wheel's files, METADATA headers and whether RECORD matches, as JSON
  package_check.py sdist SDIST         prints the sdist's files as JSON
  package_check.py builds DIR          builds the wheel and the sdist twice with the backend, in DIR/1 and DIR/2
  package_check.py syntax              checks that the package and its backend parse as Python 3.9
  package_check.py pyproject           checks the backend's reading of pyproject.toml against tomllib
"""

import ast
import base64
import email.parser
import hashlib
import json
import os
import sys
import tarfile
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "clients", "python")


def wheel(path):
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        record_name = next(n for n in names if n.endswith(".dist-info/RECORD"))
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        rows = [line.split(",") for line in archive.read(record_name).decode().splitlines()]
        mismatched = []
        for name, digest, size in rows:
            if name == record_name:
                continue
            data = archive.read(name)
            expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            if digest != expected or int(size) != len(data):
                mismatched.append(name)
        recorded = sorted(row[0] for row in rows)
        metadata = email.parser.Parser().parsestr(archive.read(metadata_name).decode())
        print(json.dumps({
            "files": sorted(names),
            "recordCoversEveryFile": recorded == sorted(names),
            "recordMismatches": mismatched,
            "metadata": {key: metadata.get_all(key) for key in set(metadata.keys())},
            "description": metadata.get_payload(),
        }))


def sdist(path):
    with tarfile.open(path) as archive:
        print(json.dumps({"files": sorted(archive.getnames())}))


def builds(directory):
    sys.path.insert(0, os.path.join(ROOT, "_build_backend"))
    import backend

    for run in ("1", "2"):
        out = os.path.join(directory, run)
        os.makedirs(out)
        backend.build_wheel(out)
        backend.build_sdist(out)
    print("builds: ok")


def syntax():
    folders = [os.path.join(ROOT, "posterior_client"), os.path.join(ROOT, "_build_backend")]
    paths = [os.path.join(f, n) for f in folders for n in sorted(os.listdir(f)) if n.endswith(".py")]
    for path in paths:
        with open(path, encoding="utf-8") as f:
            ast.parse(f.read(), path, feature_version=(3, 9))
    print("syntax: %d files parse as Python 3.9" % len(paths))


def pyproject():
    import tomllib  # Python >= 3.11: the reference the backend's small reader is held to

    sys.path.insert(0, os.path.join(ROOT, "_build_backend"))
    import backend

    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    expected = tomllib.loads(text)["project"]
    got = backend.read_project(text)
    assert got == expected, (got, expected)
    for bad in ('[project]\nname = "x"\nauthors = [{name = "A"}]\n', '[project]\nversion = 1\n', '[project]\nkeywords = [\n"a",\n'):
        try:
            backend.read_project(bad)
        except ValueError:
            continue
        raise AssertionError("read_project accepted %r" % bad)
    print("pyproject: %d keys read as tomllib reads them" % len(got))


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    {"wheel": wheel, "sdist": sdist, "builds": builds, "syntax": syntax, "pyproject": pyproject}[mode](*args)
