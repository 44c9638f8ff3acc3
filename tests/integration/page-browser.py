#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# page-browser.py URL SCREENSHOT - serve's live page in headless Chromium,
# driven through WebDriver (Debian's chromium-driver and python3-selenium),
# as TAP: the page loads with its style and script (allowed by the
# Content-Security-Policy's hashes), the charts and the table fill and then
# change within two intervals, the filter narrows the table, the grouping
# switches the table and the chart, and the browser logged no error and no
# CSP violation. Leaves one screenshot at SCREENSHOT.
#
# Every wait is bounded and polls the DOM; no step asserts how long
# anything took.
import json
import os
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

URL, SHOT = sys.argv[1], sys.argv[2]
INTERVAL = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
n = 0
failed = 0


def check(desc, ok, detail=''):
    global n, failed
    n += 1
    print('%s %d - %s' % ('ok' if ok else 'not ok', n, desc), flush=True)
    if not ok:
        failed += 1
        for line in str(detail).splitlines()[:30]:
            print('# ' + line, flush=True)
        print('not ok %d - %s' % (n, desc), file=sys.stderr)


def wait_for(fn, seconds):
    """Poll fn() until it returns something true, or None after `seconds`."""
    end = time.monotonic() + seconds
    while True:
        try:
            v = fn()
        except Exception:  # the DOM changes under the poll: ask again
            v = None
        if v:
            return v
        if time.monotonic() > end:
            return None
        time.sleep(0.05)


profile = tempfile.mkdtemp(prefix='joulestat-chromium-')
opts = webdriver.ChromeOptions()
opts.binary_location = '/usr/bin/chromium'
# As root Chromium needs --no-sandbox; the rest keeps it off the network
# (this machine's closed network makes its background fetches fail at length).
for a in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
          '--disable-background-networking', '--disable-component-update', '--disable-sync',
          '--disable-dev-shm-usage', '--window-size=1400,2200', '--user-data-dir=' + profile):
    opts.add_argument(a)
opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=opts)
driver.set_page_load_timeout(60)
driver.set_script_timeout(30)

try:
    driver.get(URL)
    check('the page loads: its title is joulestat', driver.title == 'joulestat', driver.title)
    style = driver.execute_script(
        "return getComputedStyle(document.querySelector('th') || document.body).fontWeight")
    check('the inline style applies (allowed by its hash)', style is not None and
          driver.execute_script("return getComputedStyle(document.body).maxWidth") == '1360px',
          style)

    seq = lambda: int(driver.find_element(By.ID, 'seq').get_attribute('data-seq') or 0)
    first = wait_for(lambda: seq() > 0 and seq(), 20)
    check('the script runs and the first snapshot arrives (stream)', first,
          driver.find_element(By.ID, 'conn').text)
    check('the connection is the stream, live',
          wait_for(lambda: driver.find_element(By.ID, 'conn').get_attribute('data-state') == 'live', 10),
          driver.find_element(By.ID, 'conn').get_attribute('data-state'))

    def chart_paths(cid):
        return driver.execute_script(
            "return Array.from(document.querySelectorAll('#%s path')).map(p => p.getAttribute('d'))" % cid)

    def table_keys():
        return driver.execute_script(
            "return Array.from(document.querySelectorAll('#table-body tr')).map(r => r.dataset.key)")

    def table_text():
        return driver.find_element(By.ID, 'table-body').text

    # The table is drawn again every interval: read it in one script, never
    # through element references that the next interval makes stale.
    def rows_text():
        return driver.execute_script(
            "return Array.from(document.querySelectorAll('#table-body tr')).map(r => r.innerText)")

    check('the domain chart draws the host and each domain',
          wait_for(lambda: len([d for d in chart_paths('chart-domains') if d != 'M0 0']) >= 2, 10),
          chart_paths('chart-domains'))
    check('the ledger chart draws tasks, unattributed and idle',
          wait_for(lambda: len(chart_paths('chart-ledger')) == 3, 10), chart_paths('chart-ledger'))
    check('the table lists processes', wait_for(lambda: len(table_keys()) >= 3, 10), table_keys())
    check('the power figure shows watts',
          wait_for(lambda: 'W' in driver.find_element(By.ID, 'power-now').text, 10),
          driver.find_element(By.ID, 'power-now').text)

    # Within two intervals (and some slack for a loaded machine), both change.
    s0, d0, t0 = seq(), chart_paths('chart-ledger'), table_text()
    bound = 2 * INTERVAL + 10
    check('a new interval arrives within two intervals (seq grows)',
          wait_for(lambda: seq() > s0, bound), (s0, seq()))
    check('the chart redraws with the new interval',
          wait_for(lambda: chart_paths('chart-ledger') != d0, bound), d0)
    check('the table updates',
          wait_for(lambda: table_text() != t0, bound + 2 * INTERVAL), t0[:200])
    snap = json.loads(driver.execute_script(
        "return fetch('/api/v1/snapshot').then(r => r.text())"))
    check('the snapshot the page reads is the API\'s (format joulestat-snapshot 1)',
          snap.get('format') == 'joulestat-snapshot' and snap.get('version') == 1, list(snap)[:5])

    # The estimated state is shown as top shows it.
    est = driver.find_element(By.ID, 'estimated')
    check('an estimated host says so on the page (banner and "*")',
          snap['estimated'] == est.is_displayed() and
          (not snap['estimated'] or driver.find_element(By.ID, 'power-now').text.endswith('*')),
          (snap['estimated'], est.is_displayed(), driver.find_element(By.ID, 'power-now').text))

    # The filter: the serve process itself is in the table; filter on its name.
    f = driver.find_element(By.ID, 'filter')
    f.send_keys('joulestat')
    rows = wait_for(lambda: (lambda t: t if t and all('joulestat' in r.lower() for r in t) else None)(
        rows_text()), 10)
    check('the filter keeps only the rows that match (joulestat itself)', rows, rows_text()[:10])
    f.clear()
    f.send_keys('no-such-process-zz')
    check('a filter that matches nothing empties the table',
          wait_for(lambda: len(table_keys()) == 0, 10), table_keys()[:5])
    driver.execute_script("const f = document.getElementById('filter'); f.value = '';"
                          "f.dispatchEvent(new Event('input'));")
    check('clearing the filter brings the rows back', wait_for(lambda: len(table_keys()) >= 3, 10))

    # Sort: by PID, ascending then descending.
    pid_th = driver.find_element(By.CSS_SELECTOR, '#table-head th[data-key="pid"]')
    pid_th.click()

    def pids():
        return driver.execute_script(
            "return Array.from(document.querySelectorAll('#table-body tr')).map(r => +r.cells[0].textContent)")
    check('a click on PID sorts the table by PID',
          wait_for(lambda: (lambda p: len(p) >= 3 and (p == sorted(p) or p == sorted(p, reverse=True)))(pids()), 10),
          pids()[:10])

    # Grouping: users. The table's rows and the top chart follow.
    Select(driver.find_element(By.ID, 'grouping')).select_by_value('user')
    check('switching the grouping to users retitles the table',
          wait_for(lambda: driver.find_element(By.ID, 'table-title').text == 'Users', 10),
          driver.find_element(By.ID, 'table-title').text)
    check('the users table has root',
          wait_for(lambda: 'root' in table_keys() or '0' in table_keys(), 10) and
          any('root' in r for r in table_text().splitlines()), table_text()[:300])
    check('the top chart draws the users (a series per user, and other)',
          wait_for(lambda: driver.execute_script(
              "return Array.from(document.querySelectorAll('#chart-groups path'))"
              ".some(p => p.dataset.series === '0')"), 10),
          driver.execute_script("return Array.from(document.querySelectorAll('#chart-groups path')).map(p => p.dataset.series)"))
    Select(driver.find_element(By.ID, 'grouping')).select_by_value('comm')
    check('and to commands: the table lists command names',
          wait_for(lambda: driver.find_element(By.ID, 'table-title').text == 'Commands' and
                   'joulestat' in table_keys(), 10), table_keys()[:10])

    wait_for(lambda: seq() > s0 + 2, bound)
    driver.save_screenshot(SHOT)
    check('a screenshot is kept', os.path.getsize(SHOT) > 20000, SHOT)

    logs = driver.get_log('browser')
    bad = [e for e in logs if e.get('level') in ('SEVERE', 'WARNING') or
           'Content Security Policy' in e.get('message', '') or
           'Refused to' in e.get('message', '')]
    check('the browser logged no error, warning or CSP violation', not bad,
          '\n'.join(e.get('message', '') for e in bad))
    # The test itself can see a violation: an inline script without a hash is refused.
    driver.execute_script(
        "window.__csp = 0; document.addEventListener('securitypolicyviolation', () => window.__csp++);"
        "const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.appendChild(s);")
    check('a script the policy does not name is blocked (the check above can fail)',
          wait_for(lambda: driver.execute_script("return window.__csp > 0 && !window.__ran"), 10))
finally:
    driver.quit()
    print('1..%d' % n)
sys.exit(1 if failed else 0)
