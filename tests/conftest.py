import sys
from pathlib import Path

# Test folders share helpers by plain import (tests/model/conftest.py's sample_project and so on).
for sub in ("model",):
    sys.path.insert(0, str(Path(__file__).parent / sub))
