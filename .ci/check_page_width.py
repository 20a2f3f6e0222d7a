"""The built documentation read on a phone: no page scrolls sideways, no heading breaks inside a word.

    python .ci/check_page_width.py [--width 400] [--browser chromium] docs/_build/html

Loads every HTML page of the site in headless Chromium at the given window width (400 px, a phone) and
reads, once the page has loaded: the document's scroll width against the window's, the elements that
reach past the right edge outside a scrolling box (code blocks and wide tables scroll inside their own
box, which is fine), and the words of headings that the browser split over two lines. Prints one line per
page and exits 1 if any page fails. CI runs it after the documentation build.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Runs in the page after load and sends its findings to the frame that holds the page (below).
MEASURE = "<script>\n" + (Path(__file__).with_suffix(".js")).read_text() + "</script>\n"
# Headless Chromium's window is at least 500 px wide, so the page is loaded in a frame of the width asked
# for (media queries follow the frame's width, as they follow a phone's screen); the frame's holder
# leaves the findings as JSON in an attribute of its <body>, which --dump-dom prints.
HOLDER = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{src}" style="width:{width}px;height:900px;border:0"></iframe>
<script>
window.addEventListener("message", (e) => document.body.setAttribute("data-width-check", e.data));
</script>
</body></html>
"""
RESULT = re.compile(r'data-width-check="([^"]*)"')


def measure(page, browser, width, profile):
    """The findings for one page: it is copied beside itself with the script, so its links still resolve."""
    probe = page.with_name(f".width-check-{page.name}")
    text = page.read_text(encoding="utf-8")
    probe.write_text(text.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    holder = page.with_name(f".width-check-holder-{page.name}")
    holder.write_text(HOLDER.format(src=probe.name, width=width), encoding="utf-8")
    try:
        done = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--window-size=1000,1000",
                "--virtual-time-budget=5000",
                "--dump-dom",
                holder.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        probe.unlink()
        holder.unlink()
    found = RESULT.search(done.stdout)
    if not found:
        return {"error": f"no measurement (exit {done.returncode}): {done.stderr.strip()[-300:]}"}
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "site", type=lambda path: Path(path).resolve(), help="the built HTML site, e.g. docs/_build/html"
    )
    parser.add_argument("--width", type=int, default=400, help="window width in CSS pixels (default 400)")
    parser.add_argument("--browser", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args(argv)
    pages = sorted(
        path
        for path in args.site.rglob("*.html")
        if not path.name.startswith(".") and not {"_static", "_sources", "_images"} & set(path.parts)
    )
    if not pages:
        sys.exit(f"no HTML pages under {args.site}")
    with tempfile.TemporaryDirectory() as profiles, ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda item: measure(item[1], args.browser, args.width, Path(profiles) / str(item[0])),
                enumerate(pages),
            )
        )
    failed = 0
    for page, result in zip(pages, results, strict=True):
        name = page.relative_to(args.site)
        if "error" in result:
            problems = [result["error"]]
        else:
            problems = []
            if result["scrollWidth"] > result["viewport"]:
                problems.append(
                    f"scrolls sideways: {result['scrollWidth']} px wide in {result['viewport']} px"
                    + (f"; past the edge: {', '.join(result['wide'])}" if result["wide"] else "")
                )
            if result["boxes"]:
                problems.append(f"text scrolls sideways in: {', '.join(result['boxes'])}")
            if result["broken"]:
                problems.append(f"headings break inside: {', '.join(result['broken'])}")
        failed += bool(problems)
        print(f"{'FAIL' if problems else 'ok  '} {name}" + (f": {'; '.join(problems)}" if problems else ""))
    print(f"{len(pages) - failed} of {len(pages)} pages fit {args.width} px")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
