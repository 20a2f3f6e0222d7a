// Loaded into each page by check_page_width.py: after load, measures the page and sends the findings to
// the frame that holds it.
window.addEventListener("load", () => {
  const viewport = document.documentElement.clientWidth;
  const scrolls = (el) => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX);
  // Whether a box between el and top (top excluded) scrolls sideways.
  const scrollsBetween = (el, top) => {
    for (let p = el.parentElement; p && p !== top; p = p.parentElement) {
      if (scrolls(p)) return true;
    }
    return false;
  };
  const insideScrollBox = (el) => scrollsBetween(el, document.body);
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "");
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= viewport + 1 || insideScrollBox(el)) continue;
    if (el.parentElement && !insideScrollBox(el.parentElement)
        && el.parentElement.getBoundingClientRect().right > viewport + 1) continue;
    wide.push(describe(el) + " (" + Math.round(box.right) + " px)");
  }
  // A box that scrolls sideways is fine for code and tables, not for the text of a page.
  const boxes = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!scrolls(el) || el.scrollWidth <= el.clientWidth + 1 || el.clientWidth <= 1) continue;
    if (getComputedStyle(el).textOverflow === "ellipsis") continue;  // cut on purpose, with "..."
    if (el.closest("pre, table, .highlight, .pst-scrollable-table-container, .table-wrapper, .MathJax")) continue;
    if (el.querySelector(":scope > table, :scope > pre")) continue;
    const edge = el.getBoundingClientRect().right;
    const culprits = [...el.querySelectorAll("*")].filter((d) => {
      const parent = d.parentElement;
      return d.getBoundingClientRect().right > edge + 1 && !scrollsBetween(d, el)
        && (parent === el || parent.getBoundingClientRect().right <= edge + 1);
    }).map((d) => describe(d) + " " + Math.round(d.getBoundingClientRect().width) + " px");
    boxes.push(describe(el) + " (" + el.scrollWidth + " px in " + el.clientWidth + ": " + culprits.slice(0, 3).join(", ") + ")");
  }
  const broken = [];
  for (const heading of document.querySelectorAll("article h1, article h2, article h3, article h4")) {
    const walker = document.createTreeWalker(heading, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      // Words between spaces or hyphens: a line may end after a hyphen, as in print.
      for (const match of node.textContent.matchAll(/[^\s\-\u2010]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  window.parent.postMessage(JSON.stringify({
    viewport, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 5), boxes: boxes.slice(0, 5), broken,
  }), "*");
});
