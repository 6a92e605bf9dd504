"""Web app response times at Kent size (printed, not asserted): every question's answer page
and JSON, through a real uvicorn server on a free loopback port, median of 5 after one warm-up;
then `icsgraph site` (pages, size, time).  Run: python benchmarks/bench_web.py"""
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from icsgraph.project import Paths  # noqa: E402
from icsgraph.queries import list_queries  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(url, n=5):
    urllib.request.urlopen(url).read()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        urllib.request.urlopen(url).read()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    paths = Paths(ROOT)
    subprocess.run([sys.executable, "-m", "icsgraph.cli", "build", "--project", str(ROOT)], check=True,
                   capture_output=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "icsgraph.cli", "serve", "--port", str(port), "--project",
                             str(ROOT)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/api/queries")
                break
            except OSError:
                time.sleep(0.2)
        print(f"{'question':<34} {'page ms':>8} {'json ms':>8} {'rows':>5}")
        for q in list_queries(paths.queries):
            params = urllib.parse.urlencode({p.name: p.example for p in q.params if p.example is not None})
            page = timed(f"{base}/queries/{q.name}?{params}")
            api = timed(f"{base}/api/queries/{q.name}?{params}")
            rows = len(json.loads(urllib.request.urlopen(f"{base}/api/queries/{q.name}?{params}").read()))
            print(f"{q.name:<34} {page * 1000:>8.1f} {api * 1000:>8.1f} {rows:>5}")
        for path in ("/", "/id/mechanism/m-mecc", "/search?q=social+isolation", "/gaps", "/network"):
            print(f"{path:<34} {timed(base + path) * 1000:>8.1f}")
    finally:
        proc.terminate()
        proc.wait(10)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "icsgraph.cli", "site", "--project", str(ROOT), "--out",
                              str(Path(tmp) / "site")], capture_output=True, text=True)
        print(out.stdout.strip(), f"(wall {time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()
