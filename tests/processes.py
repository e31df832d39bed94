"""Run Rapport's own processes (serve, worker, a Django snippet) on a throwaway data folder,
for tests of what happens between processes: a killed worker, a server without a database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

SRC = Path(__file__).resolve().parents[1] / "src"


def rapport_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """This tree's code on SQLite in data_dir; `settings` are RAPPORT_* names without it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.update(PYTHONPATH=str(SRC), RAPPORT_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update({f"RAPPORT_{name}": value for name, value in settings.items()})
    return env


def django_snippet(env: dict[str, str], code: str, *, timeout: float = 180) -> Any:
    """Run code after django.setup() in a fresh process; it sets `result`, returned via JSON."""
    program = 'import django, json, os\nos.environ["DJANGO_SETTINGS_MODULE"] = "rapport.settings"\n'
    program += "django.setup()\nresult = None\n" + textwrap.dedent(code)
    program += "\nprint('RESULT=' + json.dumps(result, default=str))\n"
    done = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT=")][-1]
    return json.loads(line.removeprefix("RESULT="))


def rapport(env: dict[str, str], *args: str, **popen: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "rapport.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(check: Callable[[], Any], *, timeout: float, every: float = 0.25) -> Any:
    """Call check until it returns something truthy; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {check}")
        time.sleep(every)


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Ctrl+C the process, then kill it if it does not end; its (stdout, stderr)."""
    if process.poll() is None:
        process.send_signal(2)
        try:
            return process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.communicate()


def serve(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], str]:
    """`rapport serve` on a free port, once it answers; the process and its base URL."""
    port = free_port()
    process = rapport(env, "serve", "--port", str(port), *args)
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        assert process.poll() is None, process.communicate()
        try:
            requests.get(f"{base}/healthz", timeout=60)  # the first request loads the app
        except requests.RequestException:
            return False
        return True

    wait_for(answers, timeout=180)
    return process, base
