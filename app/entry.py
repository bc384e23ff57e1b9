"""The `academy` command: imports the app with Python's cycle collector paused, then runs the command.

Importing the app makes a few hundred thousand objects that live as long as the process (modules,
routes, mappers, templates). The cycle collector, running while they are made, walks them again and
again for nothing: about a sixth of start-up on two cores (docs/performance.md). It is resumed before
any command runs; the server then tunes it in app.main.tune_gc().
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    try:
        from app.cli import main as run
    finally:
        gc.enable()
    run()
