// The dashboard's figures, printed, never asserted (scripts/bench_ui runs it):
//   node bench_ui.js <fleet-backend> <fleet-worker> [runs=5] [operations=60]
// (a) page weight: the bytes of /ui/, app.js and app.css as served;
// (b) a 500-step workflow's page: from asking for its data to the page laid out with its SVG
//     (measured in the page with performance.now()), and from navigation to drawn;
// (c) event delivery to the page: each event's arrival (Date.now() in the page) minus its
//     `time` (its commit in the backend), p50/p99 over every event of N echo operations.
'use strict';

const { startFleet, waitFor, CHROMIUM, SKIP, launchBrowser } = require('./fleet_harness');
const fs = require('fs');

const [backendBin, workerBin, runsArg, opsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);
const operations = Number(opsArg || 60);

const quantile = (values, q) => {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const median = (values) => quantile(values, 0.5);

async function main() {
  const fleet = await startFleet(backendBin, workerBin, { workers: 4 });
  const { origin, token, api } = fleet;
  let browser;
  try {
    let total = 0;
    for (const file of ['', 'app.js', 'app.css']) {
      const bytes = (await (await fetch(`${origin}/ui/${file}`)).arrayBuffer()).byteLength;
      console.log(`page weight: /ui/${file.padEnd(8)} ${String(bytes).padStart(7)} bytes`);
      total += bytes;
    }
    console.log(`page weight: total     ${String(total).padStart(7)} bytes (${(total / 1024).toFixed(1)} KiB; budget 150 KB)`);

    // 25 layers of 20 signal steps, each depending on two of the layer before: nothing runs, the
    // first layer waits for a signal that never comes.
    const steps = [];
    for (let layer = 0; layer < 25; ++layer) {
      for (let i = 0; i < 20; ++i) {
        const step = { name: `s${layer}_${i}`, signal: 'go' };
        if (layer) step.depends_on = [`s${layer - 1}_${i}`, `s${layer - 1}_${(i + 7) % 20}`];
        steps.push(step);
      }
    }
    const { workflow_id: wf } = await api('POST', '/api/v1/workflows', { name: 'bench-500', steps });

    browser = await launchBrowser();
    const page = browser.pages()[0] || await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.addInitScript((t) => sessionStorage.setItem('fleet.token', t), token);
    const hash = `#/workflows/${wf}`;
    const inPage = [];
    const fromNavigation = [];
    const dataOnly = [];
    for (let i = 0; i < runs; ++i) {
      await page.goto('about:blank');  // a new document each time, not a hash change
      const t0 = Date.now();
      await page.goto(`${origin}/ui/${hash}`);
      await page.waitForFunction((h) => window.fleetStats && window.fleetStats.renders[h], hash, { timeout: 30000 });
      const drawn = await page.evaluate((h) => window.fleetStats.renders[h], hash);
      inPage.push(drawn.ms);
      dataOnly.push(drawn.data_ms);
      fromNavigation.push(drawn.at - t0);
    }
    const rects = await page.$$eval('#dag svg rect', (r) => r.length);
    console.log(`500-step workflow page (${rects} steps drawn, ${runs} loads): data asked -> laid out with its SVG ` +
      `median ${median(inPage).toFixed(1)} ms, max ${Math.max(...inPage).toFixed(1)} ms ` +
      `(of which the API's answer ${median(dataOnly).toFixed(1)} ms); ` +
      `navigation -> drawn median ${median(fromNavigation)} ms`);

    // Event delivery: the page on the overview, N echo operations through 4 workers.
    await page.goto(`${origin}/ui/#/overview`);
    await page.waitForSelector('#h-workers');
    const live = await page.waitForFunction(() => document.querySelector('#live').textContent === 'live', null,
      { timeout: 5000 }).then(() => true, () => false);
    if (!live) {
      console.log('event delivery: not measured (this backend has no event stream)');
      return;
    }
    await page.evaluate(() => { window.fleetStats.latencies.length = 0; });
    for (let i = 0; i < operations; ++i) {
      await api('POST', '/api/v1/echo/start', { duration_ms: 1000, steps: 20 });
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor(async () => (await api('GET', '/api/v1/operations?status=completed&limit=1')).data.total >= operations,
      120000, 'the echo operations to complete');
    await new Promise((r) => setTimeout(r, 500));
    const latencies = await page.evaluate(() => window.fleetStats.latencies.slice());
    const byType = await page.evaluate(() => window.fleetStats.byType);
    console.log(`event delivery to the page (${latencies.length} events of ${operations} operations: ` +
      `${Object.entries(byType).map(([k, v]) => `${k} ${v}`).join(', ')}): ` +
      `p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms, max ${Math.max(...latencies)} ms`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await fleet.stop();
  }
}

if (!fs.existsSync(CHROMIUM)) {
  console.log(`bench_ui: ${CHROMIUM} is missing (scripts/setup installs the chromium package)`);
  process.exit(SKIP);
}
main().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
