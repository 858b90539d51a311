"""Make the runtime packages importable by the system's ``/usr/bin/python3``.

The curriculum's own main files start with ``#!/usr/bin/python3``: run as
``./1-main.py`` they use the system's Python even when the virtualenv is
active, and that Python has none of the packages. ``make demo`` and
``make test`` run ``python -m tools.system_python``, which says in one line
where things stand and, when it may, fixes them:

- ``/usr/bin/python3`` already imports the pinned versions: nothing to do;
- root (on Debian or Ubuntu): the wheels pinned in ``requirements.txt``,
  for that Python's version, go to ``/usr/local/lib/alx-backend-python/``,
  and one ``alx-backend-python.pth`` in that Python's ``/usr/local/...``
  site folder points there. Nothing of the system's own is changed, the
  pinned versions come before Debian's (``python3-jwt`` is older), and
  ``rm -r`` of the two removes it all;
- anyone else: one line that says what to run instead.

The wheels are the virtualenv's own: the C extension of
``mysql-connector-python`` is built for the ABI of CPython 3.X, which every
3.X shares (Debian's 3.11.2 loads the wheel pip chose for 3.11.7).
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
SYSTEM_PYTHON = "/usr/bin/python3"
INSTALL_ROOT = Path("/usr/local/lib/alx-backend-python")
PTH_NAME = "alx-backend-python.pth"
WORKAROUND = ("run those files as `python3 FILE` with the virtualenv "
              "active (`source .venv/bin/activate`)")

# Run by the system's Python: its version, its /usr/local site folder, the
# versions of the pinned distributions it finds, and whether they import.
PROBE = """
import importlib.metadata as metadata, json, site, sys
found = {}
for name in sys.argv[1:]:
    try:
        found[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        found[name] = None
try:
    import _mysql_connector, aiosqlite, jwt, mysql.connector
    imports = True
except ImportError:
    imports = False
print(json.dumps({
    "version": "%d.%d" % sys.version_info[:2],
    "site": [p for p in site.getsitepackages() if p.startswith("/usr/local/")],
    "found": found, "imports": imports}))
"""


class SetupError(Exception):
    """A step that failed, told in one sentence."""


def pins(requirements: Path = REQUIREMENTS) -> dict[str, str]:
    """Return ``{distribution: version}`` from a file of ``name==version``."""
    found = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[name.strip()] = version.strip()
    return found


def probe(python: str, wanted: dict[str, str]) -> dict:
    """Ask ``python`` what it has of the ``wanted`` distributions."""
    done = subprocess.run([python, "-c", PROBE, *wanted], capture_output=True,
                          text=True, timeout=60)
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise SetupError(f"{python} could not run a short check ({said}).")
    return json.loads(done.stdout)


def has_pins(found: dict, wanted: dict[str, str]) -> bool:
    """Tell whether the probe found exactly the pinned versions, importable.
    """
    return found["imports"] and found["found"] == wanted


def listed(wanted: dict[str, str]) -> str:
    """Name the pinned packages in a sentence: ``a 1, b 2 and c 3``."""
    names = [f"{name} {version}" for name, version in wanted.items()]
    return ", ".join(names[:-1]) + " and " + names[-1]


def install(python: str, version: str, site: str) -> Path:
    """Install the pinned wheels for ``python`` and point a .pth at them.

    The new folder is filled beside the old one and then put in its place,
    so that a failed install leaves the previous one working.
    """
    target = INSTALL_ROOT / f"python{version}"
    building = target.with_name(target.name + ".new")
    shutil.rmtree(building, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", "--no-deps", "--only-binary=:all:",
         "--python-version", version, "--target", str(building),
         "-r", str(REQUIREMENTS)], capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        errors = [line for line in done.stderr.splitlines()
                  if line.startswith("ERROR")] or ["pip printed nothing"]
        raise SetupError(f"pip could not install the packages for {python} "
                         f"({errors[-1]}).")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(building, target)
    (Path(site) / PTH_NAME).write_text(f"{target}\n")
    return target


def ensure(python: str = SYSTEM_PYTHON) -> str:
    """Make ``python`` import the pinned packages if possible; say how it is.
    """
    if not Path(python).exists():
        return (f"System Python: there is no {python}, so for the course's "
                f"own main files (#!{python}) {WORKAROUND}.")
    wanted = pins()
    found = probe(python, wanted)
    if has_pins(found, wanted):
        return (f"System Python: {python} has {listed(wanted)}, for the "
                f"course's own main files (#!{python}).")
    if tuple(map(int, found["version"].split("."))) < (3, 10):
        return (f"System Python: {python} is Python {found['version']}, too "
                f"old for the scripts (3.10 or newer), so for the course's "
                f"own main files {WORKAROUND}.")
    if os.geteuid() != 0 or not found["site"]:
        return (f"System Python: {python} lacks {listed(wanted)} and only "
                f"root can add them (`sudo make demo`), so for the course's "
                f"own main files (#!{python}) {WORKAROUND}.")
    print(f"System Python: installing {listed(wanted)} for {python}, for "
          f"the course's own main files (once, a few seconds)...",
          flush=True)
    target = install(python, found["version"], found["site"][0])
    if not has_pins(probe(python, wanted), wanted):
        raise SetupError(f"{python} still does not import the packages "
                         f"installed in {target}.")
    return f"System Python: {python} now imports them from {target}."


def main() -> int:
    """Print where the system's Python stands; a failure is not fatal.

    Without the packages only the curriculum's own main files need another
    command, which the line names, so ``make demo`` goes on.
    """
    try:
        print(ensure())
    except (SetupError, OSError, subprocess.SubprocessError) as error:
        print(f"System Python: {error} The course's own main files need "
              f"`python3 FILE` with the virtualenv active.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
