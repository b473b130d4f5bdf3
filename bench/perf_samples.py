"""The samples of a perf.data, read through `perf script`: shared by perf-breakdown.py and perf-leaves.py."""
import os, subprocess


def samples(path):
    """Yields each sample's frames, leaf first, as 'symbol (dso)' strings; only those of the load tool's measured window
    when bench/nexmark-e2e.sh left one beside the file (PATH.window: start,end on CLOCK_MONOTONIC, as perf recorded)."""
    window = []
    if os.path.exists(path + '.window'):
        span = open(path + '.window').read().strip()
        if span:
            window = ['--time', span]
    out = subprocess.run(['perf', 'script', '-i', path, '-F', 'ip,sym,dso'] + window, capture_output=True, text=True, errors='replace').stdout
    frames = []
    for line in out.splitlines():
        line = line.strip()
        if not line:
            if frames:
                yield frames
            frames = []
            continue
        parts = line.split(None, 1)
        frames.append(parts[1] if len(parts) > 1 else parts[0])
    if frames:
        yield frames
