"""Builds adpilot._core with the project's CMake (pyproject.toml: pip install .).

The build folder is ADPILOT_BUILD_DIR, or build/ (the one `make build` uses,
so an existing build is reused); the extension is copied into the package
together with libadpilot.so.0, which it finds through its $ORIGIN rpath.
"""
import glob
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = os.environ.get("ADPILOT_BUILD_DIR", os.path.join(ROOT, "build"))
        if not os.path.exists(os.path.join(build, "build.ninja")):
            subprocess.check_call(["cmake", "-S", ROOT, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                                   f"-DPython3_EXECUTABLE={sys.executable}"])
        subprocess.check_call(["cmake", "--build", build, "--target", "adpilot_python"])
        dest = os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name)))
        os.makedirs(dest, exist_ok=True)
        built = glob.glob(os.path.join(build, "python", "adpilot", "_core*.so"))
        if len(built) != 1:
            raise RuntimeError(f"expected one built module in {build}/python/adpilot, found {built}")
        shutil.copy2(built[0], self.get_ext_fullpath(ext.name))
        # The library under its soname (the name the module asks the loader for).
        shutil.copy2(os.path.realpath(os.path.join(build, "src", "libadpilot.so.0")),
                     os.path.join(dest, "libadpilot.so.0"))


# setuptools' own scratch (and egg-info) under build/pip, not beside CMake's files.
setup(ext_modules=[Extension("adpilot._core", sources=[])], cmdclass={"build_ext": CMakeBuild},
      options={"build": {"build_base": os.path.join("build", "pip")}, "egg_info": {"egg_base": os.path.join("build", "pip")}})
