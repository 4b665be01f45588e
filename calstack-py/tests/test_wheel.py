"""The built wheel installs and works in a fresh virtual environment where no Rust toolchain is
on PATH (as on a server or in a Docker image). The wheel is the one scripts/test-python builds
($CALSTACK_WHEEL); without it the test is skipped, except in CI, where it fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

WHEEL = os.environ.get("CALSTACK_WHEEL")

SMOKE = """
import calstack, calstack.aio, shutil, asyncio
assert shutil.which("cargo") is None and shutil.which("rustc") is None
stack = calstack.Calstack("memory://", calstack.generate_key())
client = stack.clients.create("Acme Ltd", "ops@acme.test")
assert [c.name for c in stack.clients.list()] == ["Acme Ltd"]
async def main():
    aio = stack.asyncio()
    return (await aio.clients.get(client.id)).email
assert asyncio.run(main()) == "ops@acme.test"
print("ok", calstack.__version__)
"""


def test_the_wheel_installs_and_imports_without_a_rust_toolchain(tmp_path: Path) -> None:
    if not WHEEL:
        if os.environ.get("CI") == "true":
            pytest.fail("CALSTACK_WHEEL is not set: scripts/test-python builds the wheel")
        pytest.skip("no wheel built (run scripts/test-python)")
    assert Path(WHEEL).name.startswith("calstack-") and "abi3" in Path(WHEEL).name
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # PATH with the venv and the system's basics only: no cargo, no rustc.
    path = os.pathsep.join([str(env_dir / "bin"), "/usr/bin", "/bin"])
    env = {"PATH": path, "HOME": str(tmp_path), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    for tool in ("cargo", "rustc"):
        assert shutil.which(tool, path=path) is None, f"{tool} is on the test PATH"
    # This interpreter's pip installs into the new environment (no pip bootstrap there).
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index", WHEEL],
                   check=True, env={**env, "PATH": os.pathsep.join([str(Path(sys.executable).parent), path])},
                   capture_output=True, text=True)
    out = subprocess.run([str(python), "-c", SMOKE], check=True, env=env, capture_output=True, text=True,
                         cwd=tmp_path)
    assert out.stdout.startswith("ok ")
