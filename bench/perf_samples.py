"""The samples of a perf.data, read through `perf script`: shared by perf-breakdown.py and perf-leaves.py."""
import subprocess


def samples(path):
    """Yields each sample's frames, leaf first, as 'symbol (dso)' strings."""
    out = subprocess.run(['perf', 'script', '-i', path, '-F', 'ip,sym,dso'], capture_output=True, text=True, errors='replace').stdout
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
