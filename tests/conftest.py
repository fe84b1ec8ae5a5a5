import sys
from pathlib import Path

# Test folders share helpers by plain import of uniquely named modules (never "conftest", which
# names a different module in each folder): tests/model/model_samples.py,
# tests/render/render_support.py, tests/gui/gui_samples.py.
for sub in ("model", "render", "gui"):
    sys.path.insert(0, str(Path(__file__).parent / sub))
