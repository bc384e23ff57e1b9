"""Where one worker's memory goes: one `academy serve` process on SQLite with the quick benchmark's data,
its peak (VmHWM) and resident (VmRSS) memory read after start, after signing in, and after each endpoint's
load (wrk at 10, 50 and 100 clients, 2 seconds each).

    python -m bench.memory                      # every endpoint of the benchmark, in its order
    python -m bench.memory lesson_page matrix   # some of them

Not part of `make bench`: it answers "what raised the peak?", which the benchmark's one figure does not.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from bench.run import (
    BIN,
    ENDPOINTS,
    QUICK,
    ROOT,
    academy,
    endpoints,
    environment,
    free_port,
    generate,
    memory_mb,
    prepare_learner,
    reset_rate_limits,
    settle,
    signed_in,
    wait_until_up,
    wrk,
)


def memory(pid: int) -> str:
    return f"peak {memory_mb([pid], 'VmHWM'):.0f} MB, resident {memory_mb([pid], 'VmRSS'):.0f} MB"


def main(names: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="academy-memory-") as work:
        env = environment(Path(work), f"sqlite:///{Path(work) / 'memory.db'}")
        academy(env, "migrate")
        academy(env, "courses", "sync", str(ROOT / "courses"))
        generate(env, QUICK.large)
        targets = prepare_learner(env)
        reset_rate_limits(env)
        port = free_port()
        process = subprocess.Popen(
            [str(BIN / "academy"), "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base + "/healthz")
            print(f"answering:            {memory(process.pid)}")
            learner, coordinator, token = signed_in(base)
            print(f"after three sign-ins: {memory(process.pid)}")
            sent = endpoints(learner, coordinator, token, targets)
            for name in names or list(ENDPOINTS):
                path, wrk_env = sent[name]
                for connections in (10, 50, 100):
                    settle(base)
                    wrk(base + path, connections=connections, seconds=2, env=wrk_env)
                print(f"after {name + ':':<15} {memory(process.pid)}")
        finally:
            process.terminate()
            process.wait(timeout=15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
