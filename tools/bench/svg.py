"""Minimal SVG line and bar charts for the benchmark report (no plotting library needed)."""
import math

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]


def _esc(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _frame(width, height, left, right, top, bottom, title, y_label):
    """The SVG opening, the title, both axes and the y-axis label, shared by every chart."""
    mid_y = (top + height - bottom) / 2
    return [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
            f'<rect width="{width}" height="{height}" fill="white"/>',
            f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">{_esc(title)}</text>',
            f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="black"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="black"/>',
            f'<text x="15" y="{mid_y}" text-anchor="middle" transform="rotate(-90 15 {mid_y})">{_esc(y_label)}</text>']


def line_chart(path, title, x_label, y_label, series, log_x=True, log_y=False, width=640, height=400):
    """series: {name: [(x, y), ...]}; writes an SVG file."""
    left, right, top, bottom = 70, 160, 40, 50
    xs = [x for pts in series.values() for x, _ in pts]
    ys = [y for pts in series.values() for _, y in pts if y is not None]
    if not xs or not ys:
        return
    fx = (lambda v: math.log2(v)) if log_x else (lambda v: v)
    fy = (lambda v: math.log10(max(v, 1e-9))) if log_y else (lambda v: v)
    x0, x1 = fx(min(xs)), fx(max(xs))
    y0, y1 = (fy(min(ys)), fy(max(ys))) if log_y else (0, max(ys) * 1.1 or 1)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1

    def px(v):
        return left + (fx(v) - x0) / (x1 - x0) * (width - left - right)

    def py(v):
        return height - bottom - (fy(v) - y0) / (y1 - y0) * (height - top - bottom)

    out = _frame(width, height, left, right, top, bottom, title, y_label)
    out.append(f'<text x="{(left + width - right) / 2}" y="{height - 10}" text-anchor="middle">{_esc(x_label)}</text>')
    for x in sorted(set(xs)):
        out.append(f'<text x="{px(x):.1f}" y="{height - bottom + 16}" text-anchor="middle">{x}</text>')
    for i in range(5):
        v = y0 + (y1 - y0) * i / 4
        label = 10 ** v if log_y else v
        out.append(f'<text x="{left - 6}" y="{py(10 ** v if log_y else v) + 4:.1f}" text-anchor="end">{label:.3g}</text>')
    for k, (name, pts) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        pts = [(x, y) for x, y in pts if y is not None]
        d = " ".join(f"{'M' if i == 0 else 'L'}{px(x):.1f},{py(y):.1f}" for i, (x, y) in enumerate(pts))
        out.append(f'<path d="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y in pts:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>')
        out.append(f'<text x="{width - right + 10}" y="{top + 16 * (k + 1)}" fill="{color}">{_esc(name)}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))


def bar_chart(path, title, y_label, groups, series_names, log_y=True, width=720, height=400):
    """groups: [(group_label, [value per series])]; writes an SVG file."""
    left, right, top, bottom = 70, 150, 40, 60
    values = [v for _, vs in groups for v in vs if v]
    if not values:
        return
    fy = (lambda v: math.log10(v)) if log_y else (lambda v: v)
    y0 = math.floor(fy(min(values))) if log_y else 0
    y1 = math.ceil(fy(max(values))) if log_y else max(values) * 1.1
    if y1 == y0:
        y1 = y0 + 1
    plot_w = width - left - right
    group_w = plot_w / len(groups)
    bar_w = group_w * 0.8 / max(1, len(series_names))

    def py(v):
        return height - bottom - (fy(v) - y0) / (y1 - y0) * (height - top - bottom)

    out = _frame(width, height, left, right, top, bottom, title, y_label)
    for e in range(int(y0), int(y1) + 1) if log_y else []:
        out.append(f'<text x="{left - 6}" y="{py(10 ** e) + 4:.1f}" text-anchor="end">{10 ** e:g}</text>')
    for g, (label, vs) in enumerate(groups):
        gx = left + g * group_w + group_w * 0.1
        for s, v in enumerate(vs):
            if not v:
                continue
            color = PALETTE[s % len(PALETTE)]
            y = py(v)
            out.append(f'<rect x="{gx + s * bar_w:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{height - bottom - y:.1f}" fill="{color}"/>')
        out.append(f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">{_esc(label)}</text>')
    for s, name in enumerate(series_names):
        out.append(f'<text x="{width - right + 10}" y="{top + 16 * (s + 1)}" fill="{PALETTE[s % len(PALETTE)]}">{_esc(name)}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))
