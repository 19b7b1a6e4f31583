#!/usr/bin/python3
"""The HTML transcript page in a real browser (headless Chromium).

The pages come from the unit tests tests/unit/test_html.c and
test_html_hostile.c, which render fixture chats built through the store
API and write them into the directory named by $ROUNDS_HTML_OUT. This test
runs those programs itself (found as $ROUNDS_TEST_HTML_BIN and
test_html_hostile next to it, else in $ROUNDS_TEST_TMP/.., which is where
CMake builds them) with ROUNDS_HTML_OUT set to a fresh directory, so it
never depends on test order. To look at pages rendered some other way,
set ROUNDS_HTML_PAGES to a directory holding chat1.html, hostile.html,
hostile.json, big.html and empty.html instead.

What it checks:
  - hostile.html (every payload aimed at http://leak.invalid/...) makes no
    request but the page itself. Every host name resolves to a local server
    (--host-resolver-rules "MAP * 127.0.0.1:PORT"), and the same server is
    Chromium's HTTP proxy, so even an https:// request shows up, as a
    CONNECT naming its host. Chromium's own background requests (to
    Google's update, time and account services) are told apart by host and
    ignored. A control page with one unescaped <img> proves the set-up sees
    a leak when there is one.
  - the DOM Chromium builds (--dump-dom) has only the elements and
    attributes the renderer writes, no event handler, no source, no link
    but the model's allowed ones, and every hostile text as text.
  - no horizontal overflow at 375px and 320px (phones) or at A4 print width with the
    print stylesheet, with every <details> table open (measured through
    the DevTools protocol over a pipe; the page itself has no script);
  - screenshots (phone, desktop, dark, print) are left in the temporary
    directory for people to look at.

Prints SKIP and exits 0 only when Chromium is not installed.
Python standard library only; run with /usr/bin/python3.
"""

import fcntl
import html
import html.parser
import http.server
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import base64

CHROMIUM = os.environ.get("ROUNDS_CHROMIUM", "/usr/bin/chromium")
PAGE_HOST = "rounds.test"
# Chromium talks to these on its own, whatever the page says.
OWN_HOSTS = ("google.com", "googleapis.com", "gvt1.com", "gvt2.com", "gstatic.com",
             "googleusercontent.com")
PAGES = ("chat1.html", "hostile.html", "big.html", "empty.html")

# Every element the renderer writes; anything else in the DOM was injected.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "link", "style", "body", "a", "header", "nav", "ul", "ol",
    "li", "h1", "h2", "p", "time", "dl", "dt", "dd", "span", "bdi", "b", "main", "section",
    "figure", "figcaption", "svg", "desc", "line", "text", "path", "rect", "details", "summary",
    "table", "thead", "tbody", "tr", "th", "td", "div", "footer",
}
ALLOWED_ATTRS = {
    "lang", "dir", "charset", "http-equiv", "content", "name", "rel", "href", "class", "id",
    "aria-label", "aria-labelledby", "datetime", "role", "viewbox", "x", "y", "x1", "y1", "x2",
    "y2", "width", "height", "d", "scope",
}


class Failure(AssertionError):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


class Recorder(http.server.BaseHTTPRequestHandler):
    """Serves the pages to PAGE_HOST and records every request, as a proxy
    (absolute URLs, CONNECT) or directly (host names mapped here)."""

    protocol_version = "HTTP/1.0"
    pages_dir = None
    seen = []
    lock = threading.Lock()

    def _record(self, method):
        target = self.path
        host = self.headers.get("Host", "") if self.headers else ""
        if method == "CONNECT":
            host = target
        elif target.startswith("http://"):
            host = target[7:].split("/", 1)[0]
            target = "/" + target[7:].split("/", 1)[1] if "/" in target[7:] else "/"
        host = host.split(":")[0].lower()
        with self.lock:
            self.seen.append((method, host, target))
        return host, target

    def _reply(self, code, body=b"", ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        host, target = self._record("GET")
        name = target.lstrip("/")
        if host == PAGE_HOST and name in os.listdir(self.pages_dir) and "/" not in name:
            with open(os.path.join(self.pages_dir, name), "rb") as f:
                return self._reply(200, f.read(), "text/html; charset=utf-8")
        self._reply(404)

    def do_POST(self):
        self._record("POST")
        self._reply(404)

    def do_HEAD(self):
        self._record("HEAD")
        self._reply(404)

    def do_CONNECT(self):
        self._record("CONNECT")
        self._reply(403)

    def send_error(self, code, message=None, explain=None):
        # something that is not HTTP at all (a TLS handshake sent directly)
        if not getattr(self, "command", None):
            with self.lock:
                self.seen.append(("RAW", "", repr((self.raw_requestline or b"")[:16])))
        try:
            super().send_error(code, message, explain)
        except OSError:
            pass

    def log_message(self, *args):
        pass


def own_request(req):
    host = req[1]
    return any(host == h or host.endswith("." + h) for h in OWN_HOSTS)


class Browser:
    def __init__(self, port, tmp):
        self.port = port
        self.tmp = tmp
        self.n = 0

    def flags(self):
        self.n += 1
        profile = os.path.join(self.tmp, "profile-%d" % self.n)
        return [
            CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--disable-default-apps", "--no-pings",
            "--disable-domain-reliability", "--disable-breakpad", "--hide-scrollbars",
            "--user-data-dir=" + profile,
            "--host-resolver-rules=MAP * 127.0.0.1:%d" % self.port,
            "--proxy-server=http://127.0.0.1:%d" % self.port,
            "--proxy-bypass-list=<-loopback>",
        ]

    def dump_dom(self, name):
        r = subprocess.run(self.flags() + ["--virtual-time-budget=3000", "--dump-dom",
                                           "http://%s/%s" % (PAGE_HOST, name)],
                           capture_output=True, timeout=120)
        check(r.returncode == 0, "chromium --dump-dom %s failed: %s" % (name, r.stderr[-2000:]))
        return r.stdout.decode("utf-8")


class Cdp:
    """The DevTools protocol over --remote-debugging-pipe (fd 3 in, fd 4
    out, messages ended by NUL): no WebSocket client needed."""

    def __init__(self, argv):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # high copies first, so dup2 onto 3 and 4 cannot clobber one another
        hi_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        hi_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)

        def child():
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)

        self.proc = subprocess.Popen(argv + ["--remote-debugging-pipe", "about:blank"],
                                     preexec_fn=child, pass_fds=(3, 4, hi_r, hi_w),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for fd in (to_chrome_r, from_chrome_w, hi_r, hi_w):
            os.close(fd)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            check(left > 0, "DevTools: no answer in time")
            ready, _, _ = select.select([self.from_chrome], [], [], left)
            if ready:
                chunk = os.read(self.from_chrome, 1 << 20)
                check(chunk, "DevTools: Chromium closed the pipe")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=True, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                check("error" not in m, "DevTools %s: %s" % (method, m.get("error")))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._read_message(deadline))

    def attach(self):
        targets = self.call("Target.getTargets", session=False)["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True},
                                 session=False)["sessionId"]
        self.call("Page.enable")

    def load(self, url):
        self.events.clear()
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        check("exceptionDetails" not in r, "evaluate failed: %s" % r)
        return r["result"].get("value")

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=10)
        except (Failure, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []  # (name, attrs)
        self.text = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if not self._in_style:
            self.text.append(data)


def check_dom(name, dom_text, allowed_hrefs):
    d = Dom()
    d.feed(dom_text)
    d.close()
    names = [t for t, _ in d.tags]
    check("main" in names and names.count("main") == 1, "%s: one <main>" % name)
    for tag, attrs in d.tags:
        check(tag in ALLOWED_TAGS, "%s: unexpected element <%s %s>" % (name, tag, attrs))
        for attr, value in attrs:
            check(attr in ALLOWED_ATTRS, "%s: unexpected attribute %s=%r on <%s>" % (name, attr, value, tag))
            if attr == "href":
                ok = value.startswith("#") or value in allowed_hrefs or (tag == "link" and value == "data:,")
                check(ok, "%s: unexpected link <%s href=%r>" % (name, tag, value))
    check(names.count("style") == 1, "%s: %d <style> elements" % (name, names.count("style")))
    check(names.count("link") == 1, "%s: %d <link> elements" % (name, names.count("link")))
    metas = [dict(a) for t, a in d.tags if t == "meta" and "http-equiv" in dict(a)]
    check(len(metas) == 1 and metas[0]["http-equiv"] == "Content-Security-Policy",
          "%s: http-equiv metas %r" % (name, metas))
    check("default-src 'none'" in metas[0]["content"], "%s: the CSP is not restrictive" % name)
    return "".join(d.text)


def render_pages(tmp):
    given = os.environ.get("ROUNDS_HTML_PAGES")
    if given:
        return given
    out = os.path.join(tmp, "pages")
    os.mkdir(out)
    binary = os.environ.get("ROUNDS_TEST_HTML_BIN") or os.path.join(
        os.environ.get("ROUNDS_TEST_TMP", "."), "..", "test_html")
    # test_html writes chat1, big and empty; test_html_hostile, built next
    # to it, writes hostile.html and hostile.json
    for prog in (binary, os.path.join(os.path.dirname(binary), "test_html_hostile")):
        check(os.access(prog, os.X_OK), "no program at %s (build the unit tests, or set "
              "ROUNDS_TEST_HTML_BIN or ROUNDS_HTML_PAGES)" % prog)
        r = subprocess.run([prog], env=dict(os.environ, ROUNDS_HTML_OUT=out), capture_output=True,
                           timeout=300, cwd=tmp)
        if r.returncode != 0:
            # the unit test reports its own failures; go on with the pages
            # it wrote, if it wrote them all
            print("note: %s failed; testing the pages it wrote:\n%s"
                  % (os.path.basename(prog), r.stdout.decode(errors="replace")[-3000:]))
    return out


MEASURE = """(() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const w = document.documentElement.clientWidth, bad = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 1)
      bad.push(e.tagName.toLowerCase() + '.' + String(e.getAttribute('class') || '') +
               ' right=' + Math.round(r.right));
  }
  return {scroll: document.documentElement.scrollWidth, client: w, bad: bad.slice(0, 8),
          svgs: Array.from(document.querySelectorAll('svg')).map(s => Math.round(s.getBoundingClientRect().width))};
})()"""


def layout_checks(browser, tmp, pages):
    cdp = Cdp(browser.flags())
    shots = []
    try:
        cdp.attach()
        views = [
            ("phone", {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True}, "screen", "light"),
            ("desktop", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, "screen", "light"),
            ("narrow", {"width": 320, "height": 700, "deviceScaleFactor": 1, "mobile": True}, "screen", "light"),
            ("dark", {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True}, "screen", "dark"),
            # A4 less 1 cm margins at 96 dpi
            ("print", {"width": 718, "height": 1000, "deviceScaleFactor": 1, "mobile": False}, "print", "light"),
        ]
        for view, metrics, media, scheme in views:
            cdp.call("Emulation.setDeviceMetricsOverride", metrics)
            cdp.call("Emulation.setEmulatedMedia", {
                "media": media, "features": [{"name": "prefers-color-scheme", "value": scheme}]})
            for name in pages:
                if view in ("dark", "desktop", "narrow") and name not in ("chat1.html", "hostile.html"):
                    continue
                cdp.load("http://%s/%s" % (PAGE_HOST, name))
                shot = os.path.join(tmp, "%s-%s.png" % (name[:-5], view))
                png = cdp.call("Page.captureScreenshot", {"format": "png"})["data"]
                with open(shot, "wb") as f:
                    f.write(base64.b64decode(png))
                shots.append(shot)
                m = cdp.evaluate(MEASURE)
                check(m["scroll"] <= m["client"],
                      "%s (%s): the page scrolls sideways: %d > %d; too wide: %s"
                      % (name, view, m["scroll"], m["client"], m["bad"]))
                check(all(0 < w <= m["client"] for w in m["svgs"]),
                      "%s (%s): chart widths %s" % (name, view, m["svgs"]))
                if view == "phone" and name == "chat1.html":
                    # the whole page too, in slices a person can look at
                    height = cdp.evaluate("document.documentElement.scrollHeight")
                    for i, y in enumerate(range(0, min(height, 40000), 1600)):
                        clip = {"x": 0, "y": y, "width": 375, "height": min(1600, height - y), "scale": 1}
                        part = cdp.call("Page.captureScreenshot", {"format": "png", "clip": clip,
                                                                   "captureBeyondViewport": True})
                        path = os.path.join(tmp, "chat1-phone-full-%02d.png" % i)
                        with open(path, "wb") as f:
                            f.write(base64.b64decode(part["data"]))
                        shots.append(path)
        pdf = cdp.call("Page.printToPDF", {"printBackground": False})["data"]
        with open(os.path.join(tmp, "last-page.pdf"), "wb") as f:
            f.write(base64.b64decode(pdf))
    finally:
        cdp.close()
    return shots


def main():
    if not os.path.exists(CHROMIUM):
        print("SKIP: %s is not installed (Debian package chromium)" % CHROMIUM)
        return 0
    base = os.environ.get("ROUNDS_TEST_TMP") or tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="rounds-html-browser-", dir=base)
    pages = render_pages(tmp)
    for p in PAGES + ("hostile.json",):
        check(os.path.exists(os.path.join(pages, p)), "no %s in %s" % (p, pages))
    with open(os.path.join(pages, "control.html"), "w") as f:
        f.write("<!DOCTYPE html><html><body><p>control</p>"
                "<img src=\"http://leak.invalid/control-img\"></body></html>\n")

    Recorder.pages_dir = pages
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    browser = Browser(server.server_address[1], tmp)
    try:
        # the set-up sees a leak when there is one
        browser.dump_dom("control.html")
        leaks = [r for r in Recorder.seen if not own_request(r) and r[1] != PAGE_HOST]
        check(("GET", "leak.invalid", "/control-img") in leaks,
              "the control page's image never reached the server: %r" % Recorder.seen)
        del Recorder.seen[:]

        with open(os.path.join(pages, "hostile.json"), encoding="utf-8") as f:
            expect = json.load(f)
        dom = browser.dump_dom("hostile.html")
        time.sleep(0.5)  # anything late still arrives
        mine = [r for r in Recorder.seen if not own_request(r)]
        check(mine == [("GET", PAGE_HOST, "/hostile.html")],
              "hostile.html made requests besides itself: %r" % mine)
        ignored = sorted({r[1] for r in Recorder.seen if own_request(r)})
        text = check_dom("hostile.html", dom, set(expect["links"]) | {"transcript.md"})
        for t in expect["texts"]:
            check(html.unescape(t) in text, "hostile text not shown as text: %r" % t[:200])
        check("<script>new Image().src='http://leak.invalid/ran'</script>" in text,
              "the script payload is not visible as text")
        links = [a for tag, attrs in Dom_tags(dom) if tag == "a" for k, a in attrs if k == "href"
                 and not a.startswith("#")]
        check(sorted(links) == sorted(expect["links"] + ["transcript.md"]),
              "links on the hostile page: %r" % links)

        del Recorder.seen[:]
        for name in ("chat1.html", "big.html", "empty.html"):
            dom = browser.dump_dom(name)
            check_dom(name, dom, {"../index.html", "transcript.md", "transcript.txt", "transcript.json",
                                  "https://pubmed.ncbi.nlm.nih.gov/123/?a=1&b=2"})
        shots = layout_checks(browser, tmp, PAGES)
        time.sleep(0.5)
        mine = [r for r in Recorder.seen if not own_request(r)]
        check(all(r[1] == PAGE_HOST and r[2].lstrip("/") in PAGES and r[0] == "GET" for r in mine),
              "requests other than the pages: %r" % [r for r in mine if r[1] != PAGE_HOST or r[0] != "GET"])
    finally:
        server.shutdown()
    # the browser profiles are only noise once the test passed
    for n in range(1, browser.n + 1):
        shutil.rmtree(os.path.join(tmp, "profile-%d" % n), ignore_errors=True)
    print("ignored Chromium's own requests to: %s" % (", ".join(ignored) or "none"))
    print("screenshots and the print PDF in %s:" % tmp)
    for s in shots:
        print("  " + os.path.basename(s))
    print("PASS test_html_browser")
    return 0


def Dom_tags(dom_text):
    d = Dom()
    d.feed(dom_text)
    d.close()
    return d.tags


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        print("FAIL test_html_browser: %s" % e)
        sys.exit(1)
