"""A hostile link in chromium (issue 28, item 8): every page, every URL parameter, each kind of injected text.

A value from the link is echoed in the page's warning short (at most ``kdviz.base.safetext.LIMIT`` characters) and as
plain text: no ``<a>`` or ``<img>`` comes from it, the browser requests none of its URLs, no script runs.
The trap URLs point at a port of this machine nobody listens on; Playwright's ``page.on("request")`` sees any
attempt, answered or not. One server and one browser for the module; every load sets every parameter, to a
different kind each; Temperature is loaded once per kind (each parameter gets each kind), every other page once.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from browser import ROOT, free_port, needs_browser, page_paths, wait_idle

from kdviz.base.safetext import LIMIT, short
from kdviz.serve.urlstate import PARAMS

SHOTS = ROOT / "artifacts" / "screenshots" / "inert"

pytestmark = needs_browser("the link-injection browser test")

TRAP = f"http://127.0.0.1:{free_port()}"  # nothing listens here; a request to it is a failure all the same
KINDS = {
    "markdown link": "[Log in again](https://evil.example/login)",
    "markdown image": f"![t]({TRAP}/kdviz-trap/md.png)",
    "html image": f'<img src="{TRAP}/kdviz-trap/html.png" onerror="window.__kdvizPwned=1">',
    "script": f"<script>window.__kdvizPwned=1;fetch('{TRAP}/kdviz-trap/js')</script>",
    "autolink": "www.evil.example https://evil.example/x me@evil.example",
    "100,000 characters": f"![t]({TRAP}/kdviz-trap/long.png)" + "x" * 100_000,
}
NAMES = list(PARAMS)  # every URL parameter the app reads


def link_values(load: int) -> dict[str, str]:
    """Load ``load``: parameter i gets kind (i + load) mod len(KINDS); the 100,000 characters go to the first
    parameter of that kind only (a second would make the address longer than the server takes), 1,000 to another."""
    kinds = list(KINDS.values())
    values = {name: kinds[(i + load) % len(kinds)] for i, name in enumerate(NAMES)}
    long = [name for name, v in values.items() if v == KINDS["100,000 characters"]]
    for name in long[1:]:
        values[name] = values[name][:1000]
    return values


# Temperature (the page) with every parameter × every kind; each other page once, its own rotation
CASES = [("Temperature", load) for load in range(len(KINDS))] + [
    (path, i % len(KINDS)) for i, path in enumerate(page_paths()) if path != "Temperature"]


@pytest.mark.parametrize("path, load", CASES)
def test_hostile_link_is_echoed_short_and_inert(server, browser, path, load):
    values = link_values(load)
    url = f"{server.url}/{path}?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in values.items())
    page = browser.new_page(viewport={"width": 1280, "height": 720})  # its own context: a new visitor
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(url)
        wait_idle(page, 120_000)
        page.wait_for_timeout(500)  # an image or a fetch would have started by now
        alerts = page.locator('[data-testid="stAlert"]')
        texts = [t.replace("\u2060", "") for t in alerts.all_inner_texts()]
        for name, value in values.items():  # each parameter's warning, with exactly the short value
            echo = f"{name}={short(value.strip())!r}"
            assert any(echo in t for t in texts), (name, echo, texts)
        for t in texts:
            assert len(t) < 200, t[:300]
            assert not re.search("x{%d}" % LIMIT, t), t[:300]  # never more than the limit of the long value
        assert alerts.locator("a, img, script, iframe").count() == 0, alerts.first.inner_html()[:500]
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        images = page.eval_on_selector_all("img[src]", "els => els.map(e => e.src)")
        named = (urlsplit(TRAP).netloc, "evil.example", "www.evil.example")
        made = [u for u in links + images  # a target the value names (the page's own links carry its address)
                if urlsplit(u).netloc in named or "kdviz-trap" in urlsplit(u).path]
        assert not made, made
        hosts = {urlsplit(u).netloc for u in requests if not u.startswith(("data:", "blob:"))}
        assert hosts <= {urlsplit(server.url).netloc}, hosts  # the page's own server only: no trap, no evil.example
        assert page.evaluate("window.__kdvizPwned") is None  # no injected handler or script ran
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(Path(SHOTS) / f"inert-{path or 'home'}-{load}.png"))
    finally:
        page.close()
