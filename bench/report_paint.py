#!/usr/bin/env python3
"""report_paint.py - time to first paint of a page in headless Chromium.

Why: `chromium --dump-dom` tells when the page was serialised, not when
the user first saw anything, and its wall time is mostly browser start-up.
This drives Chromium through the DevTools protocol over a pipe
(--remote-debugging-pipe: no port, no network), opens each URL in a fresh
tab, waits for its load event and reads the page's own Paint Timing entries
(first-paint, first-contentful-paint), its navigation timing, and the
data-ready-ms attribute the vigil report sets when every section is drawn.
Python's standard library only (Debian has no python3-websockets here).

Usage: report_paint.py CHROMIUM URL...   prints one JSON object per URL.
"""
import json
import os
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self, chromium, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def child_fds():  # Chromium reads commands on fd 3, replies on fd 4
            r, w = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(r, 3, inheritable=True)
            os.dup2(w, 4, inheritable=True)

        self.proc = subprocess.Popen(
            [chromium, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync',
             '--disable-extensions', '--disable-dev-shm-usage', '--user-data-dir=' + profile,
             '--remote-debugging-pipe', 'about:blank'],
            preexec_fn=child_fds, close_fds=False, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b''
        self.next_id = 0
        self.events = []

    def _read_message(self, deadline):
        while b'\0' not in self.buf:
            if time.monotonic() > deadline:
                raise TimeoutError('chromium did not answer')
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise EOFError('chromium closed the pipe')
            self.buf += chunk
        msg, self.buf = self.buf.split(b'\0', 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=300):
        self.next_id += 1
        msg = {'id': self.next_id, 'method': method, 'params': params or {}}
        if session:
            msg['sessionId'] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b'\0')
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get('id') == self.next_id:
                if 'error' in m:
                    raise RuntimeError('%s: %s' % (method, m['error']))
                return m.get('result', {})
            self.events.append(m)

    def wait_event(self, method, session, timeout=300):
        deadline = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m.get('method') == method and m.get('sessionId') == session:
                    del self.events[i]
                    return m
            self.events.append(self._read_message(deadline))

    def close(self):
        try:
            self.call('Browser.close', timeout=10)
        except (OSError, EOFError, TimeoutError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


PROBE = r'''JSON.stringify((function () {
  var o = {};
  performance.getEntriesByType('paint').forEach(function (e) { o[e.name] = e.startTime; });
  var n = performance.getEntriesByType('navigation')[0] || {};
  o.responseEnd = n.responseEnd; o.domContentLoaded = n.domContentLoadedEventEnd; o.load = n.loadEventEnd;
  var r = document.body && document.body.getAttribute('data-ready-ms');
  o.ready = r === null || r === undefined ? null : Number(r);
  var t = document.getElementById('total-findings');
  o.total = t ? t.textContent : null;
  o.rows = document.querySelectorAll('tr.finding').length;
  performance.getEntriesByType('mark').forEach(function (e) { o['mark:' + e.name] = Math.round(e.startTime); });
  return o;
})())'''


def measure(browser, url):
    target = browser.call('Target.createTarget', {'url': 'about:blank'})['targetId']
    session = browser.call('Target.attachToTarget', {'targetId': target, 'flatten': True})['sessionId']
    browser.call('Page.enable', session=session)
    t0 = time.monotonic()
    browser.call('Page.navigate', {'url': url}, session=session)
    browser.wait_event('Page.loadEventFired', session)
    wall = time.monotonic() - t0
    # Paint entries come with the next frame after load: give it one.
    out = {}
    for _ in range(50):
        out = json.loads(browser.call('Runtime.evaluate', {'expression': PROBE, 'returnByValue': True},
                                      session=session)['result']['value'])
        if 'first-contentful-paint' in out:
            break
        time.sleep(0.1)
    out['wall_to_load'] = round(wall * 1000)
    out['url'] = url
    browser.call('Target.closeTarget', {'targetId': target})
    return out


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    with tempfile.TemporaryDirectory(prefix='vigil-paint.') as profile:
        b = Browser(sys.argv[1], profile)
        try:
            for url in sys.argv[2:]:
                print(json.dumps(measure(b, url)), flush=True)
        finally:
            b.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
