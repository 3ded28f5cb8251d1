"""Helpers for tests that run a real server as a child process and read what it announces."""

from __future__ import annotations

import queue
import subprocess
import threading
from typing import Any


def read_line(stream: Any, timeout: float) -> str:
    """The next line a child process writes, or "" if none comes within the timeout (a blocking read would hang the test)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        return ""


def stop(process: subprocess.Popen[str]) -> None:
    """Stop a server the way a service manager does: terminate, then kill if it has not gone within 15 seconds."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
