"""bench/ on sys.path, as when its scripts run: they import each other as top-level modules.

Appended, not prepended, so that nothing in bench/ can shadow a module the other tests use.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.append(str(BENCH))
