"""Run the commands a task folder's README shows; compare what they print.

A README shows a learner's session in ```` ```console ```` blocks: a line
that starts with ``$ `` is a command, typed in the folder; the lines after
it, up to the next command or the end of the block, are what it prints
(standard output and standard error together, as a terminal shows them).
In the shown output ``...`` stands for text left out: on a line of its
own, for any number of whole lines; inside a line, for part of it. A
timestamp such as ``2026-11-27 00:36:08`` stands for any timestamp.

The READMEs are the one place where the commands and their output are
written: ``make demo`` runs every folder's commands in the order shown
(``python -m tools.readme FOLDER...``), a test runs them in a copy of each
folder and compares, and ``make check`` compares for a learner.
"""
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.scripts import script_env

BLOCK = re.compile(r"^```console\n(.*?)^```", re.DOTALL | re.MULTILINE)
PROMPT = "$ "
ELLIPSIS = "..."
STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


@dataclass(frozen=True)
class Step:
    """One command of a README and the output the README shows for it."""

    command: str
    shown: tuple[str, ...]

    def pattern(self) -> re.Pattern:
        """Return the regular expression that the real output must match."""
        return re.compile("".join(line_pattern(line) for line in self.shown))

    def matches(self, output: str) -> bool:
        """Tell whether ``output`` is what the README shows."""
        return self.pattern().fullmatch(output) is not None

    def difference(self, output: str) -> str:
        """Describe where ``output`` first parts from the README, briefly."""
        lines = output.splitlines()
        at = 0
        for number, shown in enumerate(self.shown, start=1):
            if shown == ELLIPSIS:
                continue
            want = re.compile(line_pattern(shown).removesuffix("\n"))
            after_gap = number > 1 and self.shown[number - 2] == ELLIPSIS
            while after_gap and at < len(lines) and \
                    not want.fullmatch(lines[at]):
                at += 1
            if at == len(lines):
                return f"line {number} shows {shown!r}, which it did not print"
            if not want.fullmatch(lines[at]):
                return f"line {number} shows {shown!r}, got {lines[at]!r}"
            at += 1
        return f"it printed {len(lines) - at} more line(s) than shown"


def line_pattern(line: str) -> str:
    """Return the regular expression of one shown line, newline included."""
    if line == ELLIPSIS:
        return r"(?:[^\n]*\n)*?"
    pieces = []
    for piece in line.split(ELLIPSIS):
        literal = [re.escape(text) for text in STAMP.split(piece)]
        pieces.append(STAMP.pattern.join(literal))
    return r"[^\n]*?".join(pieces) + "\n"


def steps(readme: Path) -> list[Step]:
    """Return the commands of ``readme``'s console blocks, in order."""
    found: list[Step] = []
    for block in BLOCK.findall(Path(readme).read_text()):
        command: str | None = None
        shown: list[str] = []
        for line in block.splitlines():
            if line.startswith(PROMPT):
                if command is not None:
                    found.append(Step(command, tuple(shown)))
                command, shown = line[len(PROMPT):], []
            elif command is not None:
                shown.append(line)
        if command is not None:
            found.append(Step(command, tuple(shown)))
    return found


def run(step: Step, folder: Path, env: Mapping[str, str] | None = None,
        capture: bool = True) -> subprocess.CompletedProcess:
    """Run a step's command in ``folder`` with bash, as a learner would.

    Standard error goes where standard output goes, as on a terminal;
    ``pipefail`` makes a failing script fail its pipeline into ``head``.
    """
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", step.command], cwd=folder,
        env=script_env(env), stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT, text=True, timeout=300)


def main(folders: Sequence[str]) -> int:
    """Run each folder's README commands in order, printing them as run."""
    for name in folders:
        folder = Path(name)
        print(f"=== {folder.name} ===", flush=True)
        for step in steps(folder / "README.md"):
            print(f"{PROMPT}{step.command}", flush=True)
            done = run(step, folder, capture=False)
            if done.returncode != 0:
                print(f"`{step.command}` in {name} failed with status "
                      f"{done.returncode}: see its output above.",
                      file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
