"""The public Datasette under a flood of the worst queries we know: does an ordinary table page still answer?

`commons serve --no-publish` runs on 127.0.0.1 in its own process (uvicorn,
the request guards, the connection limits: what the public meets). First an
ordinary reader asks for a table page REQUESTS times alone; then ATTACKERS
threads send the worst queries below in a loop while the reader asks again.
Each attack is also timed alone, against the time limit it should stop at.

    python -m benchmarks.flood PATH/TO/public.db [--attackers 8] [--requests 200] [--json out.json]

Make a public copy with `commons publish -o DIR` (or keep one from
`python -m benchmarks --keep`).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from .measure import median, percentile

TABLE_PAGE = "/public/assets?_size=50"  # with the facets metadata.json shows by default
# Each holds a SQL thread as long as it may, or would grow a huge value, or asks for many facets at once.
ATTACKS = {
    "huge value (zeroblob, hex, replace)": {"sql": "select length(replace(hex(zeroblob(490000000)),'00','0'))"},
    "endless recursive count": {"sql": "with recursive n(x) as (select 1 union all select x + 1 from n) select count(*) from n"},
    "long steps in a loop (1 MB replace per row)": {
        "sql": "with recursive n(x) as (select 1 union all select x + 1 from n) "
        "select sum(length(replace(hex(zeroblob(500000)), '0', 'ab'))) from n"
    },
    "cross join of every table": {"sql": "select count(*) from assets a, actors b, agreements c, case_studies d"},
    "slow where on a table page": {
        "_where": "length(replace(description || name, 'a', 'bb')) > 0 and id in (select a.id from assets a, assets b)"
    },
    "every facet at once": {"_facet": "city", "_facet_array": "policy_areas"},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(base: str, path: str, params: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, float]:
    """One request; its status and seconds."""
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    return status, time.perf_counter() - start


def serve(public_db: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "registry", "serve", "--no-publish", "-o", str(public_db.parent), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get(f"http://127.0.0.1:{port}", "/-/versions.json", timeout=2)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("commons serve did not answer within 60 s")


def reader(base: str, requests: int) -> list[float]:
    return [get(base, TABLE_PAGE)[1] * 1000 for _ in range(requests)]


def flood(public_db: Path, attackers: int, requests: int) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = serve(public_db, port)
    try:
        alone = reader(base, requests)
        attacks = {
            name: [get(base, "/public.json" if "sql" in params else "/public/assets.json", params) for _ in range(3)]
            for name, params in ATTACKS.items()
        }
        stop = threading.Event()
        statuses: list[int] = []

        def attack(number: int) -> None:
            names = list(ATTACKS)
            while not stop.is_set():
                params = ATTACKS[names[number % len(names)]]
                statuses.append(get(base, "/public.json" if "sql" in params else "/public/assets.json", params)[0])
                number += 1

        threads = [threading.Thread(target=attack, args=(n,), daemon=True) for n in range(attackers)]
        for thread in threads:
            thread.start()
        time.sleep(2)  # let the flood build up
        flooded = reader(base, requests)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {
        "table_page": TABLE_PAGE,
        "attackers": attackers,
        "requests": requests,
        "alone_ms": {"p50": median(alone), "p95": percentile(alone, 0.95)},
        "flooded_ms": {"p50": median(flooded), "p95": percentile(flooded, 0.95)},
        "attacks": {
            name: {"statuses": sorted({s for s, _ in runs}), "median_s": median([t for _, t in runs])} for name, runs in attacks.items()
        },
        "attack_answers": {str(status): statuses.count(status) for status in sorted(set(statuses))},
        "load_average": os.getloadavg(),
        "cores": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.flood", description=__doc__.split("\n\n")[0])
    parser.add_argument("public_db", type=Path)
    parser.add_argument("--attackers", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    before = os.getloadavg()
    figures = flood(args.public_db.resolve(), args.attackers, args.requests)
    figures["load_average_before"] = before
    print(f"table page alone:   p50 {figures['alone_ms']['p50']:.0f} ms · p95 {figures['alone_ms']['p95']:.0f} ms")
    print(f"with {args.attackers} attackers: p50 {figures['flooded_ms']['p50']:.0f} ms · p95 {figures['flooded_ms']['p95']:.0f} ms")
    for name, result in figures["attacks"].items():
        print(f"  {name}: answered {result['statuses']} in {result['median_s']:.2f} s (median of 3, alone)")
    print(
        f"attackers' answers during the flood: {figures['attack_answers']}; load average before {before}, after {figures['load_average']}"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
