"""The README's walk-through runs as written (issue 12, item 10): its ```bash walkthrough blocks, in
order, in one bash under `set -euo pipefail` (an error status, a failed check or an unset variable
stops it), against the built binary on a free port. It must leave nothing in the repository."""
import os
import re
import signal
import subprocess
import tempfile

from conftest import ROOT, free_port

TIMEOUT = float(os.environ.get("GATEHOUSE_README_TIMEOUT", "300"))


def walkthrough_blocks():
    text = open(os.path.join(ROOT, "README.md")).read()
    return re.findall(r"^```bash walkthrough\n(.*?)^```", text, re.M | re.S)


def untracked():
    out = subprocess.check_output(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, text=True)
    return {line for line in out.splitlines() if line.startswith("??")}


def test_the_readme_walkthrough_runs_as_written():
    blocks = walkthrough_blocks()
    assert len(blocks) >= 6, "the README has lost its walk-through blocks"
    binary = os.environ.get("GATEHOUSE_BIN") or os.path.join(
        subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip(), "gatehouse")
    script = "set -euo pipefail\n" + "".join(f"echo '--- block {i + 1}' >&2\n{b}" for i, b in enumerate(blocks))
    # Only what a reader's shell would have: no GATEHOUSE_* of the test run (a database URL, say).
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
    env.update(GATEHOUSE_BIN=os.path.abspath(binary), GATEHOUSE_PORT=str(free_port()))
    before = untracked()
    # Output to a file, not a pipe: a server the script leaves behind would hold a pipe open.
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(["bash", "-c", script], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        try:
            proc.wait(timeout=TIMEOUT)
        finally:
            # The walk-through stops its server itself; a failed step leaves it running, so end the group.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        out.seek(0)
        output = out.read()
    assert proc.returncode == 0, output[-6000:]
    assert "--- block %d" % len(blocks) in output
    assert untracked() == before, "the walk-through left files in the repository: %s" % (untracked() - before)
