// The dashboard in a real browser: Debian's chromium, driven headless by playwright-core, against
// the real fleet-backend and an echo fleet-worker on loopback. Run by CTest (tests/browser/CMakeLists.txt):
//   node dashboard_test.js <fleet-backend> <fleet-worker> <screenshot dir>
// Exits 77 (CTest's skip) when chromium or node_modules are missing, saying why.
'use strict';

const fs = require('fs');
const path = require('path');
const { startFleet, waitFor, SKIP, CHROMIUM, launchBrowser } = require('./fleet_harness');

const [backendBin, workerBin, shotDir] = process.argv.slice(2);
if (!backendBin || !workerBin || !shotDir) {
  console.error('usage: node dashboard_test.js <fleet-backend> <fleet-worker> <screenshot dir>');
  process.exit(2);
}

let failures = 0;
let passes = 0;
function check(condition, what) {
  if (condition) { passes++; console.log('ok   ' + what); } else { failures++; console.log('FAIL ' + what); }
  return condition;
}

async function main() {
  const fleet = await startFleet(backendBin, workerBin);
  const { origin, token, api } = fleet;
  let browser;
  try {
    fs.mkdirSync(shotDir, { recursive: true });
    browser = await launchBrowser();
    const page = browser.pages()[0] || await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 860 });
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
    page.on('pageerror', (e) => { failures++; console.log('FAIL page error: ' + e.message); });
    const shot = async (name) => page.screenshot({ path: path.join(shotDir, name + '.png'), fullPage: true });

    // The static files need no token; the first API call answers 401 and the page asks once.
    const index = await fetch(origin + '/ui/');
    check(index.status === 200 && (await index.text()).includes('app.js'), 'GET /ui/ without a token serves index.html');
    await page.goto(origin + '/ui/');
    await page.waitForSelector('#login:not([hidden])', { timeout: 10000 });
    check(await page.evaluate(() => document.activeElement && document.activeElement.id === 'token-input'),
      'the token form has the keyboard focus');
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#login', { state: 'hidden' });
    await page.waitForSelector('#h-workers');
    await page.waitForFunction(() => document.querySelector('#live').textContent === 'live', null, { timeout: 10000 })
      .catch(() => {});
    check(await page.textContent('#live') === 'live', 'the event stream is connected');
    await page.waitForSelector('text=echo-ui-test');
    check(await page.evaluate(() => sessionStorage.getItem('fleet.token')) !== null, 'the token is kept for the tab');
    await shot('overview');

    // The page's SSE parser, fed frames cut at awkward places: CRLF and LF, comments, a
    // multi-line data field, a retry, an event without data, and a chunk boundary inside a line.
    const parsed = await page.evaluate(async () => {
      const text = ': connected\r\nretry: 2500\r\n\r\nid: 7\nevent: parser.test\ndata: {"a":\ndata: 1}\n\n' +
        'id: 8\nevent: parser.empty\n\nid: 9\nevent: parser.test\ndata: {"a": 2}\n\n';
      const bytes = new TextEncoder().encode(text);
      const cuts = [5, 17, 18, 40, 41, 63, bytes.length];
      const seen = [];
      const before = window.fleetStats.byType['parser.test'] || 0;
      let at = 0;
      const stream = new ReadableStream({
        pull(controller) {
          if (!cuts.length) return controller.close();
          const end = cuts.shift();
          controller.enqueue(bytes.slice(at, end));
          at = end;
        },
      });
      const saved = { onEvent, retryMs: state.retryMs, lastEventId: state.lastEventId };
      onEvent = (type, data) => seen.push([type, data.a]);
      try {
        await readStream(stream.getReader());
        return { seen, retry: state.retryMs, last: state.lastEventId, counted: window.fleetStats.byType['parser.test'] - before };
      } finally {
        onEvent = saved.onEvent;
        state.retryMs = saved.retryMs;
        state.lastEventId = saved.lastEventId;
      }
    });
    check(JSON.stringify(parsed.seen) === '[["parser.test",1],["parser.test",2]]' && parsed.retry === 2500 &&
      parsed.last === '9' && parsed.counted === 2, 'the SSE parser reads split chunks, CRLF, comments, multi-line data: ' +
      JSON.stringify(parsed));

    // Runs: start an echo run from the form; its bar moves from the event stream, without a reload.
    await page.click('nav a[data-page="runs"]');
    await page.waitForSelector('#run-form');
    await page.selectOption('#run-bot', 'echo');
    await page.fill('#run-params', '{"duration_ms": 6000, "steps": 60}');
    const navigationsBefore = navigations;
    await page.click('#run-submit');
    await page.waitForFunction(() => /Started run (\S+)/.test(document.querySelector('#message').textContent));
    const runId = (await page.textContent('#message')).match(/Started run (\S+)/)[1];
    const selector = `.bar[data-op="${runId}"]`;
    await page.waitForSelector(selector);
    const seen = [];
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      const value = await page.$eval(selector, (el) => Number(el.getAttribute('aria-valuenow'))).catch(() => null);
      if (value !== null && seen[seen.length - 1] !== value) seen.push(value);
      if (value === 100) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log('     progress values seen on the page: ' + seen.join(' '));
    const between = seen.filter((v) => v > 0 && v < 100);
    check(between.length >= 2 && between[1] > between[0], 'the run\'s progress bar moved while it ran');
    check(seen[seen.length - 1] === 100, 'the run\'s progress bar reached 100');
    const fromStream = await page.evaluate((id) => (window.fleetStats.progress[id] || []).filter((v) => v > 0 && v < 100).length, runId);
    check(fromStream >= 2, `progress of the run came from the event stream (${fromStream} events with progress)`);
    check(navigations === navigationsBefore, 'the page was not reloaded');
    await shot('runs');

    // Operations: the list and the run's operation in detail.
    await page.click('nav a[data-page="operations"]');
    await page.waitForSelector(`a[href="#/operations/${runId}"]`);
    await shot('operations');
    await page.click(`a[href="#/operations/${runId}"]`);
    await page.waitForSelector('text=Progress fields');
    await page.waitForSelector('text=Metrics');
    check((await page.textContent('main')).includes('completed'), 'the operation\'s page shows it completed');
    await shot('operation');

    // Workflows: submitted through the API, approved from the page.
    const submitted = await api('POST', '/api/v1/workflows', {
      name: 'ui-approval',
      inputs: { who: 'browser test' },
      steps: [
        { name: 'prepare', domain: 'echo', parameters: { duration_ms: 300, steps: 3 } },
        { name: 'approve', signal: 'approve', depends_on: ['prepare'] },
        { name: 'publish', domain: 'echo', depends_on: ['approve'], parameters: { duration_ms: 300, steps: 3 } },
        { name: 'notify', domain: 'echo', depends_on: ['prepare'], parameters: { duration_ms: 200 } },
      ],
    });
    const wfId = submitted.workflow_id;
    await page.click('nav a[data-page="workflows"]');
    await page.waitForSelector(`a[href="#/workflows/${wfId}"]`);
    await shot('workflows');
    await page.click(`a[href="#/workflows/${wfId}"]`);
    await page.waitForSelector('#dag svg');
    check(await page.$$eval('#dag svg rect', (r) => r.length) === 4, 'the workflow\'s graph draws its 4 steps');
    // The approve button appears when the step waits: the page hears it from the event stream.
    await page.waitForSelector('button[data-act="signal"][data-signal="approve"]', { timeout: 15000 });
    await shot('workflow-waiting');
    // The page redraws the workflow on another step's event (here `notify` ending), and a redraw
    // between the focus and the key loses the key: press again, on the redrawn button, until
    // the step has taken the signal (a busy machine made that happen once in CI).
    const approveStatus = async () =>
      (await api('GET', `/api/v1/workflows/${wfId}`)).data.steps.find((s) => s.name === 'approve').status;
    await waitFor(async () => {
      if ((await approveStatus()) !== 'waiting') return true;
      await page.focus('button[data-act="signal"][data-signal="approve"]');
      await page.keyboard.press('Enter');
      await new Promise((r) => setTimeout(r, 1000));
      return (await approveStatus()) !== 'waiting';
    }, 15000, 'the approve step to take the signal from the page');
    await waitFor(async () => (await api('GET', `/api/v1/workflows/${wfId}`)).data.status === 'completed', 15000,
      'the workflow to complete after the approval');
    const wf = (await api('GET', `/api/v1/workflows/${wfId}`)).data;
    check(wf.status === 'completed', 'the approved workflow completed');
    check(wf.steps.find((s) => s.name === 'approve').result.approved_by === 'dashboard', 'the signal came from the dashboard');
    await page.waitForSelector('#region .status.s-completed', { timeout: 10000 });
    await page.waitForFunction(() => document.querySelectorAll('#dag g.n-completed').length === 4, null, { timeout: 10000 })
      .catch(() => {});
    check(await page.$$eval('#dag g.n-completed', (g) => g.length) === 4, 'the graph shows every step completed, without a reload');
    await shot('workflow');

    // Schedules: one that fires once a year, so it only shows.
    await api('POST', '/api/v1/schedules', {
      name: 'ui-nightly', cron: '0 3 1 1 *', timezone: 'Europe/Paris',
      workflow: { name: 'nightly', steps: [{ name: 'only', domain: 'echo', parameters: {} }] },
    });
    await page.click('nav a[data-page="schedules"]');
    await page.waitForSelector('text=ui-nightly');
    await page.click('button[data-act="schedule"][data-op="pause"]');
    await page.waitForSelector('button[data-act="schedule"][data-op="resume"]');
    check(true, 'a schedule is paused from its page');
    await shot('schedules');

    // Workers: drain asks the backend; a backend without the endpoint shows its error.
    await page.click('nav a[data-page="workers"]');
    await page.waitForSelector('button[data-act="drain"]');
    await shot('workers');
    await page.click('button[data-act="drain"]');
    await page.waitForSelector('#message:not([hidden])');
    const drained = await page.textContent('#message');
    console.log('     drain: ' + drained);
    check(/^Drain /.test(drained), 'the drain button reports what the backend answered');

    // Keyboard: the first Tab reaches the skip link, the next ones the page links.
    await page.goto(origin + '/ui/#/overview');
    await page.waitForSelector('#h-workers');
    await page.keyboard.press('Tab');
    check(await page.evaluate(() => document.activeElement.className) === 'skip', 'Tab reaches the skip link first');

    // A phone.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(origin + '/ui/#/runs');
    await page.waitForSelector('#run-form');
    await shot('phone-runs');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `nothing is wider than a phone's screen (overflow ${overflow} px)`);

    const foreign = requests.filter((u) => !u.startsWith(origin + '/') && !u.startsWith('data:'));
    check(foreign.length === 0, `the page asked nothing of any origin but the backend (${requests.length} requests${foreign.length ? ': ' + foreign.join(' ') : ''})`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await fleet.stop();
  }
}

if (!fs.existsSync(CHROMIUM)) {
  console.log(`SKIP: ${CHROMIUM} is missing (scripts/setup installs the chromium package)`);
  process.exit(SKIP);
}
main().then(() => {
  console.log(`${passes} passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}, (e) => {
  console.log('FAIL ' + (e && e.stack || e));
  console.log(`${passes} passed, ${failures + 1} failed`);
  process.exit(1);
});
