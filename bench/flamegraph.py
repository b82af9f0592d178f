"""A small flame graph (SVG) and a table of the heaviest frames, from py-spy's raw output.

    .venv/bin/python bench/flamegraph.py /tmp/page.txt docs/profiles/page.svg --title "..."

Only the stacks under `--root` (by default the request loop of bench/profile_page.py) count,
so start-up is left out; frames under `--min-share` of the samples are dropped, which keeps
the file small enough for the repository.
"""

import argparse
import html
import re
from collections import Counter, defaultdict

WIDTH, ROW = 1200, 16
# The request's way through the test client, the handler and the middleware: left out, so
# that the graph starts near the view (the middleware's own work still shows under them).
PASSING = re.compile(
    r"django/test/|deprecation\.py|core/handlers/|Middleware\.__call__|functional\.py"
    r"|utils/decorators\.py|health\.py|config/views\.py|retry\.py"
)
FRAME = re.compile(r"^(?P<name>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def short(frame: str) -> str:
    """`function (path:line)` to `function (file.py)`: lines split one function in many."""
    found = FRAME.match(frame)
    if not found:
        return frame
    path = found["file"].split("site-packages/")[-1].split("/render/")[-1]
    return f"{found['name']} ({path})"


def read_stacks(path: str, root: str) -> Counter:
    stacks = Counter()
    with open(path) as raw:
        lines = raw.readlines()
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        frames = stack.split(";")
        at = next((i for i, frame in enumerate(frames) if root in frame), None)
        if at is None:
            continue
        kept = (short(frame) for frame in frames[at + 1 :])
        stacks[tuple(frame for frame in kept if not PASSING.search(frame))] += int(count)
    return stacks


def tree(stacks: Counter) -> dict:
    root = {"name": "all", "count": 0, "children": {}}
    for frames, count in stacks.items():
        node = root
        node["count"] += count
        for frame in frames:
            node = node["children"].setdefault(frame, {"name": frame, "count": 0, "children": {}})
            node["count"] += count
    return root


def color(name: str) -> str:
    if "django/template" in name or "templatetags" in name:
        return "#f0a35e"
    if "django/db" in name or "psycopg" in name:
        return "#6fa8dc"
    if "django_redis" in name or "redis" in name:
        return "#d5a6bd"
    if "(forum/" in name or "(following/" in name or "(accounts/" in name:
        return "#93c47d"
    return "#e0d6a6"


def svg(root: dict, title: str, min_share: float) -> str:
    total = root["count"]
    rects, depth_max = [], 0

    def walk(node, x, depth):
        nonlocal depth_max
        width = node["count"] / total * WIDTH
        if node["count"] / total < min_share:
            return
        depth_max = max(depth_max, depth)
        share = node["count"] / total * 100
        label = html.escape(f"{node['name']}: {share:.1f} %")
        text = html.escape(node["name"])[: int(width / 6.5)]
        rects.append(
            f'<g><title>{label}</title><rect x="{x:.1f}" y="{depth * ROW + 24}" '
            f'width="{width:.1f}" height="{ROW - 1}" fill="{color(node["name"])}"/>'
            + (f'<text x="{x + 2:.1f}" y="{depth * ROW + 36}">{text}</text>' if width > 30 else "")
            + "</g>"
        )
        for child in sorted(node["children"].values(), key=lambda c: -c["count"]):
            walk(child, x, depth + 1)
            x += child["count"] / total * WIDTH

    walk(root, 0, 0)
    height = (depth_max + 1) * ROW + 30
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'font-family="monospace" font-size="11">'
        f'<text x="4" y="14" font-size="13">{html.escape(title)} ({total} samples; hover'
        " for shares)</text>" + "".join(rects) + "</svg>\n"
    )


def heaviest(stacks: Counter, count: int) -> list[tuple[str, float, float]]:
    """(frame, % of samples anywhere on the stack, % as the innermost frame)."""
    total = sum(stacks.values())
    inclusive, own = defaultdict(int), defaultdict(int)
    for frames, n in stacks.items():
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            own[frames[-1]] += n
    ranked = sorted(inclusive, key=lambda f: -inclusive[f])[:count]
    return [(f, inclusive[f] / total * 100, own[f] / total * 100) for f in ranked]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw")
    parser.add_argument("svg")
    parser.add_argument("--title", default="")
    parser.add_argument("--root", default="load (profile_page.py")
    parser.add_argument("--min-share", type=float, default=0.005)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    stacks = read_stacks(args.raw, args.root)
    with open(args.svg, "w") as out:
        out.write(svg(tree(stacks), args.title, args.min_share))
    for frame, inclusive, own in heaviest(stacks, args.top):
        print(f"{inclusive:5.1f} % {own:5.1f} %  {frame}")


if __name__ == "__main__":
    main()
