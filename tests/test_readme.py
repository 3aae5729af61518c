"""The README works as written: its runnable Python blocks run, and its okta-sql --demo commands succeed."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(), re.S)


def test_emulator_python_blocks_run() -> None:
    runnable = [b for b in blocks("python") if "Emulator(" in b]
    assert len(runnable) >= 2
    for block in runnable:
        exec(compile(block, str(README), "exec"), {"__name__": "readme"})


def test_demo_commands_run() -> None:
    commands = [
        line.strip().split("&& ", 1)[-1]
        for block in blocks("sh")
        for line in block.splitlines()
        if "okta-sql --demo" in line
    ]
    assert len(commands) >= 2
    for command in commands:
        argv = shlex.split(command)
        done = subprocess.run(
            [str(Path(sys.executable).parent / argv[0]), *argv[1:]], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip()
