"""Build step for wheels: ship the checkout's resources/ and filters/ inside the package as
capkit/_resources and capkit/_filters, where capkit/resources.py looks in an installed copy."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPy(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads resources/ and filters/ in place
            return
        for src, dst in (("resources", "_resources"), ("filters", "_filters")):
            target = Path(self.build_lib) / "capkit" / dst
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / src, target)


setup(cmdclass={"build_py": BuildPy})
