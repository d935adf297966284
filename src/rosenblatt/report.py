"""``report.html``: one self-contained page per training run, images embedded, no network."""

import base64
import datetime
import html

from .io import atomic_write_bytes

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; } td, th { padding: .2rem .8rem; border-bottom: 1px solid #eee; text-align: left; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
.metric { font-size: 1.4rem; font-weight: 600; }
"""


def _table(rows):
    cells = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows.items())
    return f"<table>{cells}</table>"


def _image(png, alt):
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def render(title, settings, data, metrics, pictures, notes=()):
    """The page as a string. ``pictures`` maps a heading to PNG bytes, in order."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>Written {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} by rosenblatt train.</p>",
        "<h2>Result</h2>",
        "".join(
            f'<p><span class="metric">{html.escape(str(v))}</span> {html.escape(k)}</p>' for k, v in metrics.items()
        ),
        "".join(f"<p>{html.escape(n)}</p>" for n in notes),
        "<h2>Settings</h2>",
        _table(settings),
        "<h2>Data</h2>",
        _table(data),
    ]
    for heading, png in pictures.items():
        parts += [f"<h2>{html.escape(heading)}</h2>", _image(png, heading)]
    parts.append("</body></html>")
    return "\n".join(parts)


def write(path, *args, **kwargs):
    atomic_write_bytes(path, render(*args, **kwargs).encode("utf-8"))
