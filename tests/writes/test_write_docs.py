"""docs/writes.md works as written: its Python blocks run in order, its shell commands run."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).parents[2] / "docs" / "writes.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), re.S)


def test_python_blocks_run_in_order() -> None:
    namespace: dict[str, object] = {"__name__": "docs_writes"}
    exec(compile("\n".join(blocks("python")), str(DOC), "exec"), namespace)
    assert namespace["result"] == "SUCCESS"
    assert namespace["status"] == "PENDING_ACTIVATION"
    assert namespace["factor"]["status"] == "ACTIVE"  # type: ignore[index]


def test_shell_commands_run() -> None:
    commands = [line for block in blocks("sh") for line in block.splitlines() if line.strip()]
    assert commands
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "okta-sql"
        done = subprocess.run(
            [str(Path(sys.executable).parent / argv[0]), *argv[1:]], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert "unenroll_factor" in done.stdout
