import sys
from pathlib import Path

# The common modules are imported by top-level name, as each service's PYTHONPATH provides them.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
