"""examples/python run as a user runs them (small sizes), and pip installs the package."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "../..")


def test_walkthrough(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "examples/python"))
    import walkthrough

    aucs = walkthrough.main(str(tmp_path), small=True)
    for name in ("ctr.png", "mmm_curves.png", "allocation.png", "abtest.png"):
        assert (tmp_path / name).stat().st_size > 1000, name
    assert aucs["ffm"] > aucs["lr"] > 0.6


def test_pip_install_builds_an_importable_package(tmp_path):
    build = os.path.abspath(os.path.join(os.environ.get("ADPILOT_PYTHON_DIR", os.path.join(ROOT, "build/python")), ".."))
    env = dict(os.environ, ADPILOT_BUILD_DIR=build)
    r = subprocess.run([sys.executable, "-m", "pip", "install", ROOT, "--no-build-isolation", "--no-deps", "--quiet",
                        "--target", str(tmp_path / "site")], env=env, capture_output=True, text=True)
    if r.returncode != 0 and "No module named pip" in r.stderr:
        pytest.skip("pip is not installed (python3-pip)")
    assert r.returncode == 0, r.stderr
    code = ("import adpilot, numpy as np; m, _ = adpilot.train('lr', np.eye(4), np.array([0., 1., 0., 1.]), "
            "numeric='raw'); print(adpilot.__file__, len(m.predict(np.eye(4))))")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "site"))
    # cwd: not a folder holding an adpilot package (ctest runs in build/python).
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                         check=True).stdout
    assert out.startswith(str(tmp_path / "site")) and out.strip().endswith(" 4")
