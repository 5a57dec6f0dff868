"""Checks SVG maps made by `strata export --format svg`, geometrically, from the SVG.

Usage: svg_check.py FILE...  Prints every problem and exits 1 if there is one.

For each file: the XML is well-formed; no two boxes (results, actions) overlap; each
result lies inside its layer's band; each text line of a box lies inside the box (at
its measured width); each edge starts on its cause's box and ends on its effect's; no
edge passes through a box (its curves and lines sampled); each edge label lies inside
the picture and over no box.
"""
import bisect
import re
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
EPS = 0.25


def rect_of(element):
    r = element.find(NS + "rect")
    return tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))


def overlap(a, b, inset=0.5):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax + inset < bx + bw - inset and bx + inset < ax + aw - inset and \
        ay + inset < by + bh - inset and by + inset < ay + ah - inset


def inside(point, box, inset=1.0):
    x, y = point
    bx, by, bw, bh = box
    return bx + inset < x < bx + bw - inset and by + inset < y < by + bh - inset


def on_boundary(point, box):
    x, y = point
    bx, by, bw, bh = box
    within_x = bx - EPS <= x <= bx + bw + EPS
    within_y = by - EPS <= y <= by + bh + EPS
    on_h = within_x and (abs(y - by) <= EPS or abs(y - by - bh) <= EPS)
    on_v = within_y and (abs(x - bx) <= EPS or abs(x - bx - bw) <= EPS)
    return on_h or on_v


def path_points(d):
    """The path's start, end, and points sampled along it."""
    tokens = re.findall(r"[MLC]|-?[0-9.]+", d)
    numbers = []
    samples = []
    at = None
    start = None
    i = 0
    while i < len(tokens):
        command = tokens[i]
        i += 1
        count = {"M": 2, "L": 2, "C": 6}[command]
        values = [float(v) for v in tokens[i:i + count]]
        i += count
        if command == "M":
            at = (values[0], values[1])
            start = at
        elif command == "L":
            end = (values[0], values[1])
            for k in range(1, 20):
                t = k / 20
                samples.append((at[0] + (end[0] - at[0]) * t, at[1] + (end[1] - at[1]) * t))
            at = end
        else:
            c1, c2, end = (values[0], values[1]), (values[2], values[3]), (values[4], values[5])
            for k in range(1, 40):
                t = k / 40
                u = 1 - t
                samples.append(tuple(u ** 3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t ** 3 * e
                                     for a, b, c, e in zip(at, c1, c2, end)))
            at = end
        numbers.append(values)
    return start, at, samples


def check(path):
    problems = []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        return [f"{path}: not well-formed XML: {error}"]
    width = float(root.get("width"))
    height = float(root.get("height"))
    boxes = {}
    layer_of = {}
    bands = {}
    for g in root.iter(NS + "g"):
        classes = (g.get("class") or "").split()
        if "node" in classes:
            box = rect_of(g)
            boxes[g.get("data-id")] = box
            if g.get("data-layer") is not None:
                layer_of[g.get("data-id")] = g.get("data-layer")
            for t in g.findall(NS + "text"):
                # Lines in ASCII carry their measured width; others start inside the box.
                x, y, length = float(t.get("x")), float(t.get("y")), float(t.get("textLength", "0"))
                bx, by, bw, bh = box
                if x < bx - EPS or x + length > bx + bw + EPS or not by < y < by + bh:
                    problems.append(f"{path}: text {t.text!r} of `{g.get('data-id')}` is not inside its box")
        elif "band" in classes:
            bands[g.get("data-layer")] = rect_of(g)
    ordered = sorted(boxes.items(), key=lambda item: item[1][0])
    for i, (a, box_a) in enumerate(ordered):
        for b, box_b in ordered[i + 1:]:
            if box_b[0] >= box_a[0] + box_a[2]:
                break
            if overlap(box_a, box_b):
                problems.append(f"{path}: the boxes of `{a}` and `{b}` overlap")
    for node, layer in layer_of.items():
        band = bands.get(layer)
        bx, by, bw, bh = boxes[node]
        if band is None or not (band[0] <= bx and bx + bw <= band[0] + band[2] and
                                band[1] <= by and by + bh <= band[1] + band[3]):
            problems.append(f"{path}: `{node}` is not inside the band of its layer `{layer}`")
    all_boxes = list(boxes.items())
    # Boxes by the top of their row, each row's sorted by x: a sample is looked up in the
    # rows whose height holds it, then by bisection.
    rows = {}
    for node, box in all_boxes:
        rows.setdefault(box[1], []).append((box[0], node, box))
    rows = [(top, max(b[3] for _, _, b in row), sorted(row)) for top, row in rows.items()]

    def boxes_at(point):
        x, y = point
        for top, tallest, row in rows:
            if top < y < top + tallest:
                i = bisect.bisect_right(row, (x, chr(0x10FFFF))) - 1
                if i >= 0 and inside(point, row[i][2]):
                    yield row[i][1]
    for g in root.iter(NS + "g"):
        classes = (g.get("class") or "").split()
        if "edge" in classes:
            name = f"{g.get('data-from')} -> {g.get('data-to')}"
            start, end, samples = path_points(g.find(NS + "path").get("d"))
            if not on_boundary(start, boxes[g.get("data-from")]):
                problems.append(f"{path}: the edge {name} does not start on its cause's box")
            if not on_boundary(end, boxes[g.get("data-to")]):
                problems.append(f"{path}: the edge {name} does not end on its effect's box")
            crossed = sorted({node for point in samples for node in boxes_at(point)})
            if crossed:
                problems.append(f"{path}: the edge {name} passes through the box of {crossed}")
        elif "label" in classes:
            box = rect_of(g)
            lx, ly, lw, lh = box
            if lx < -EPS or ly < -EPS or lx + lw > width + EPS or ly + lh > height + EPS:
                problems.append(f"{path}: a label is outside the picture")
            for node, other in all_boxes:
                if overlap(box, other):
                    problems.append(f"{path}: a label is over the box of `{node}`")
    return problems


def main():
    problems = [p for path in sys.argv[1:] for p in check(path)]
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
