import sys
from pathlib import Path

# As the gateway's PYTHONPATH does in every model: the gateway package and the common modules.
services = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(services / "gateway"), str(services / "common")]
