"""The latency of one check over HTTP: ``python -m mineplan.serve.latency URL FILE [N]``.

Posts FILE (a GeoJSON application) to ``URL/api/v1/check`` a few times to warm up, then N times
in sequence, and prints the median, the fastest and the slowest wall-clock time of a request.
"""

from __future__ import annotations

import statistics
import sys
import time
import urllib.request
from pathlib import Path


def post_check(base_url: str, body: bytes, token: str | None = None) -> bytes:
    """One POST /api/v1/check with a GeoJSON body; returns the response body (raises on HTTP errors)."""
    headers = {"Content-Type": "application/geo+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base_url.rstrip("/") + "/api/v1/check", data=body, headers=headers,
                                     method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


def measure(base_url: str, path: str | Path, n: int = 20, warm_up: int = 3, token: str | None = None) -> dict:
    """Seconds per request over ``n`` sequential checks of ``path``: median, min, max."""
    body = Path(path).read_bytes()
    for _ in range(warm_up):
        post_check(base_url, body, token)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        post_check(base_url, body, token)
        times.append(time.perf_counter() - t0)
    return {"n": n, "median": statistics.median(times), "min": min(times), "max": max(times)}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        sys.exit("usage: python -m mineplan.serve.latency URL FILE [N]")
    result = measure(args[0], args[1], n=int(args[2]) if len(args) == 3 else 20)
    print(f"{result['n']} sequential checks: median {result['median'] * 1000:.1f} ms, "
          f"min {result['min'] * 1000:.1f} ms, max {result['max'] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
