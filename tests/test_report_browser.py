"""report.html renders in headless Chromium with every image loaded.

Chromium comes from the system's packages: `make test` installs Debian's `chromium` when it is
missing. Without it this test fails, saying what to install.
"""

import re
import shutil
import subprocess

from rosenblatt import cli

PROBE = """<script>window.addEventListener("load", function () {
  var images = Array.from(document.images);
  var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute("data-images", loaded + "/" + images.length);
});</script>"""


def test_default_report_renders_in_headless_chromium_with_every_image(tmp_path, capsys):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "This test needs Chromium: `apt-get install chromium` (make test does it when run as root)."
    out = tmp_path / "run"
    assert cli.main(["train", "--quiet", "--out", str(out)]) == 0  # the default run: CNN on MNIST 3 vs 8
    capsys.readouterr()
    page = (out / "report.html").read_text(encoding="utf-8")
    n_images = len(re.findall(r"<img ", page))
    assert n_images == 5
    probed = tmp_path / "probed.html"  # the report plus a script that counts the images that loaded
    probed.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=5000",
    ]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", probed.as_uri()], capture_output=True, text=True, timeout=120
    ).stdout
    assert f'data-images="{n_images}/{n_images}"' in dom
    screenshot = tmp_path / "report.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={screenshot}", "--window-size=1200,1600", probed.as_uri()],
        capture_output=True,
        timeout=120,
    )
    assert screenshot.stat().st_size > 10_000  # a page was drawn, not a blank one
