"""Fixtures for the batch tests: small templates made with capkit's own API, and the CLI."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

import capkit
from capkit.batch import MANIFEST, read_manifest
from capkit.batch.runner import is_valid_output

# The batch command as a user runs it. Registered here too when the app does not have it yet.
LAUNCH = (
    "import sys\n"
    "from capkit.cli import app as cli\n"
    "from capkit.cli.batch import batch\n"
    "if not any(c.name == 'batch' for c in cli.app.registered_commands):\n"
    "    cli.app.command('batch')(batch)\n"
    "cli.main(sys.argv[1:])\n"
)

PALETTE = ["#D03020", "#2050C0", "#20A040", "#C0A020"]
WORDS = ["Apple", "Kiwi", "Mango", "Plum", "Fig", "Lime", "Pear", "Date", "Yuzu", "Guava", "Melon", "Olive",
         "Peach", "Quince", "Sloe", "Grape", "Lemon", "Cherry", "Papaya", "Berry"]


def batch_cmd(*args) -> list[str]:
    return [sys.executable, "-c", LAUNCH, "batch", *map(str, args)]


def run_cli(*args, timeout=300):
    return subprocess.run(batch_cmd(*args), capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200"})


def title_template(path: Path, *, duration=1) -> Path:
    """A 270x480 project: a colour clip in {{bg}} with a big white {{title}} over it."""
    project = capkit.new_project(270, 480, fps=30)
    clip = capkit.add_color(project, "#000000", duration=duration)
    capkit.add_text(project, "{{title}}", duration=duration, size=64, y=0.5)
    clip.color = "{{bg}}"
    capkit.save(project, path)
    return path


def write_rows(path: Path, n: int) -> Path:
    lines = ["title,bg"] + [f"{WORDS[(i - 1) % len(WORDS)]},{PALETTE[i % len(PALETTE)]}" for i in range(1, n + 1)]
    path.write_text("\n".join(lines) + "\n")
    return path


def frame_of(path: Path, index: int) -> np.ndarray:
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == index:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"{path} has no frame {index}")


def frame_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def interrupt_mid_render(out, *args):
    """Start ``capkit batch``, press Ctrl+C (SIGINT to its process group, as a terminal does) while
    jobs are rendering, and return the finished process."""
    proc = subprocess.Popen(batch_cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while not (out.exists() and list(out.glob(".*.part.mp4"))):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)  # inside the renders
    os.killpg(proc.pid, signal.SIGINT)
    proc.stdout_text, proc.stderr_text = proc.communicate(timeout=60)
    return proc


def assert_stopped_cleanly(proc, out):
    assert proc.returncode == 130, proc.stdout_text + proc.stderr_text
    assert "cancelled" in proc.stderr_text and "Traceback" not in proc.stdout_text + proc.stderr_text
    done = read_manifest(out / MANIFEST)
    outputs = sorted(p.name for p in out.iterdir() if p.name != MANIFEST)
    assert not [name for name in outputs if name.startswith(".")]  # no temporary files left
    for name in outputs:  # whatever finished is whole
        assert is_valid_output(out / name)
    assert {r["output"] for r in done.values()} <= set(outputs)
    assert len(done) < 4  # the rest was stopped, not rendered


@pytest.fixture
def template(tmp_path):
    return title_template(tmp_path / "promo.capkit")
