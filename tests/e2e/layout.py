"""Checks of a page as a phone user or a low-vision user meets it (issue 14): no sideways scrolling,
every tab stop visible with a visible focus, link tap targets, and axe including moderate findings."""

from __future__ import annotations

import json

from .conftest import AXE_SCRIPT

# One tab stop: its box as seen (for a visually hidden radio or checkbox, its label, which KRDS
# draws the control on), whether an ancestor clips it, and whether focusing it changed how it looks.
TAB_STOP_JS = """
(el) => {
  const proxy = (el.matches('input[type=radio], input[type=checkbox]') && el.id)
    ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) || el : el;
  const look = (node) => {
    const s = getComputedStyle(node);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderTopColor, s.borderTopWidth,
            s.borderBottomColor, s.borderBottomWidth, s.backgroundColor, s.textDecorationLine, s.color].join('|');
  };
  const focusedLook = look(proxy);
  const s = getComputedStyle(proxy);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1.5 && !/rgba\\(.*, 0\\)$/.test(s.outlineColor);
  const shadow = s.boxShadow !== 'none';
  el.blur();
  const blurredLook = look(proxy);
  el.focus();
  let r = proxy.getBoundingClientRect();
  let visible = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  let clipped = false;
  // The root and body's overflow applies to the viewport, which scrolls: only boxes in between clip.
  for (let node = proxy; node && node !== document.body && node !== document.documentElement; node = node.parentElement) {
    const cs = getComputedStyle(node);
    if (cs.clip && cs.clip !== 'auto') clipped = true;
    if (cs.clipPath && cs.clipPath !== 'none') clipped = true;
    if (cs.visibility === 'hidden' || parseFloat(cs.opacity) === 0) clipped = true;
    if (node !== proxy && /(hidden|clip|auto|scroll)/.test(cs.overflowX + cs.overflowY)) {
      const a = node.getBoundingClientRect();
      visible = {left: Math.max(visible.left, a.left), top: Math.max(visible.top, a.top),
                 right: Math.min(visible.right, a.right), bottom: Math.min(visible.bottom, a.bottom)};
    }
  }
  const describe = el.outerHTML.slice(0, 160);
  const inlineInText = el.tagName === 'A' && Array.from(el.parentElement.childNodes).some(
      (n) => n !== el && n.nodeType === Node.TEXT_NODE && n.textContent.trim().length > 1);
  return {describe, tag: el.tagName, width: r.width, height: r.height,
          visibleWidth: visible.right - visible.left, visibleHeight: visible.bottom - visible.top,
          clipped, changed: focusedLook !== blurredLook, outline, shadow, inlineInText,
          isRadio: el.matches('input[type=radio], input[type=checkbox]')};
}
"""


def horizontal_overflow(page) -> dict | None:
    sizes = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, view: window.innerWidth})")
    return sizes if sizes["scroll"] > sizes["view"] else None


def axe_findings(page, impacts=("moderate", "serious", "critical")) -> list[dict]:
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v.get("impact") in impacts
    ]


NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"


def tab_stops(page, limit: int = 150) -> list[dict]:
    """Every element reached with Tab from the top of the page, in order, as TAB_STOP_JS sees it
    (transitions off, so that what is read is how a focused element ends up looking)."""
    page.add_style_tag(content=NO_TRANSITIONS)
    page.evaluate("() => { window.scrollTo(0, 0); document.activeElement && document.activeElement.blur(); }")
    page.locator("body").focus() if page.locator("body").count() else None
    stops, seen = [], set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        handle = page.evaluate_handle("document.activeElement")
        key = page.evaluate(
            "(el) => { if (!el.dataset.tabProbe) el.dataset.tabProbe = String(Math.random()); "
            "return el === document.body ? null : el.dataset.tabProbe; }",
            handle,
        )
        if key is None or key in seen:
            break
        seen.add(key)
        stops.append(page.evaluate(TAB_STOP_JS, handle))
    return stops


def layout_problems(page, *, check_axe: bool = True) -> list[str]:
    """What a phone or low-vision user trips over on the current page (empty when nothing)."""
    problems = []
    overflow = horizontal_overflow(page)
    if overflow:
        problems.append(f"the page scrolls sideways: {overflow}")
    if check_axe:
        findings = axe_findings(page)
        if findings:
            problems.append("axe: " + json.dumps(findings, ensure_ascii=False))
    for stop in tab_stops(page):
        what = stop["describe"]
        if stop["clipped"] or stop["visibleWidth"] < 8 or stop["visibleHeight"] < 8:
            problems.append(
                f"a tab stop without a visible box ({stop['visibleWidth']:.0f}x{stop['visibleHeight']:.0f}): {what}"
            )
        if not (stop["outline"] or stop["shadow"] or stop["changed"]):
            problems.append(f"a tab stop without a visible focus: {what}")
        if stop["tag"] == "A" and not stop["inlineInText"] and stop["height"] < 24:
            problems.append(f"a link lower than 24 px ({stop['height']:.1f}): {what}")
    return problems
