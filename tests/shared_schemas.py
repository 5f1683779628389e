"""Where the published schemas the tests validate against are kept: `shared/schemas/` beside the checkout.

Looked for in every folder above this one, so a checkout at /work/main and a worktree at /work/wt/<name>
find the same copy.
"""

from __future__ import annotations

from pathlib import Path

SHARED_SCHEMAS = next(
    (
        folder / "shared" / "schemas"
        for folder in Path(__file__).resolve().parents
        if (folder / "shared" / "schemas").is_dir()
    ),
    Path(__file__).resolve().parents[2] / "shared" / "schemas",
)
