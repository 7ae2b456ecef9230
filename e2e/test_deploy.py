"""deploy/gatehouse.service is a unit systemd accepts (issue 12, item 11): a copy whose ExecStart runs the
built binary passes `systemd-analyze verify` with nothing to say. systemd is installed with apt-get when
`systemd-analyze` is missing, so this never skips."""
import os
import re
import shutil
import subprocess
import tempfile

from conftest import ROOT


def systemd_analyze():
    subprocess.run([os.path.join(ROOT, "scripts", "debian-tools.sh"), "systemd-analyze=systemd"], check=True)
    found = shutil.which("systemd-analyze")
    assert found, "systemd-analyze is not available"
    return found


def test_the_systemd_unit_verifies():
    binary = os.environ.get("GATEHOUSE_BIN") or os.path.join(
        subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip(), "gatehouse")
    unit = open(os.path.join(ROOT, "deploy", "gatehouse.service")).read()
    assert re.search(r"^ExecStart=/usr/local/bin/gatehouse serve$", unit, re.M), "the unit runs the installed binary"
    folder = tempfile.mkdtemp(prefix="gatehouse-unit-")
    try:
        path = os.path.join(folder, "gatehouse.service")
        with open(path, "w") as f:
            f.write(re.sub(r"^ExecStart=\S+", "ExecStart=" + os.path.abspath(binary), unit, flags=re.M))
        run = subprocess.run([systemd_analyze(), "verify", path], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
        # Warnings (an unknown setting, a value systemd ignores) are printed, not failed: none is allowed.
        assert run.stderr.strip() == "", run.stderr
    finally:
        shutil.rmtree(folder, ignore_errors=True)
