"""The module under test is build/python (ADPILOT_PYTHON_DIR from ctest)."""
import os
import sys

sys.path.insert(0, os.environ.get("ADPILOT_PYTHON_DIR", os.path.join(os.path.dirname(__file__), "../../build/python")))
