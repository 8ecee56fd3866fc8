"""Package-level behaviour: import is light, the CLI reports its version, errors become exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO_ROOT
from nanocat import __version__
from nanocat.cli import main


def test_import_does_not_pull_heavy_libraries() -> None:
    code = "import nanocat, nanocat.cli, sys; print(sorted(m for m in ('tblite', 'matplotlib', 'pandas') if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "[]"


def test_version_flag(capsys) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys) -> None:
    assert main(["no-such-verb"]) == 2
