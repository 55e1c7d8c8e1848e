// What the browser test and scripts/bench_ui share: a real fleet-backend and an echo fleet-worker
// on free loopback ports with a token, and Debian's chromium driven by playwright-core.
'use strict';

const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const SKIP = 77;  // CTest's SKIP_RETURN_CODE for this test
const CHROMIUM = process.env.FLEET_CHROMIUM || '/usr/bin/chromium';

// A loopback port nobody listens on: bound to port 0, read, closed.
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(condition, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    try { if (await condition()) return; } catch (_) { /* not yet */ }
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function launch(bin, args, logFile) {
  const log = fs.openSync(logFile, 'w');
  const child = spawn(bin, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.exitedPromise = new Promise((resolve) => child.once('exit', resolve));
  return child;
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await child.exitedPromise;
  clearTimeout(timer);
}

// The backend with a fresh token and an in-memory database, and one echo worker registered to it.
async function startFleet(backendBin, workerBin, { workers = 1 } = {}) {
  const token = crypto.randomBytes(12).toString('hex');
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-ui-'));
  const children = [];
  const api = async (method, apiPath, body) => {
    const res = await fetch(origin + apiPath, {
      method,
      headers: { Authorization: 'Bearer ' + token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${apiPath}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const stop = async () => {
    for (const child of children.slice().reverse()) await stopChild(child);
    fs.rmSync(logDir, { recursive: true, force: true });
  };
  try {
    children.push(launch(backendBin, ['--host', '127.0.0.1', '--port', String(port), '--db', ':memory:',
      '--token', token, '--health-interval', '1s', '--log-level', 'warn'], path.join(logDir, 'backend.log')));
    await waitFor(async () => (await fetch(origin + '/health')).ok, 20000, 'fleet-backend to listen');
    for (let i = 0; i < workers; ++i) {
      const workerPort = await freePort();
      children.push(launch(workerBin, ['--type', 'echo', '--host', '127.0.0.1', '--port', String(workerPort),
        '--backend-url', origin, '--advertise-url', `http://127.0.0.1:${workerPort}`,
        '--worker-id', i ? `echo-ui-test-${i}` : 'echo-ui-test', '--token', token, '--log-level', 'warn'],
      path.join(logDir, `worker${i}.log`)));
    }
    await waitFor(async () => (await api('GET', '/api/v1/workers')).filter((w) => w.status === 'AVAILABLE').length === workers,
      20000, 'the echo worker to register');
  } catch (e) {
    for (const name of fs.readdirSync(logDir)) console.log(`--- ${name}\n` + fs.readFileSync(path.join(logDir, name), 'utf8'));
    await stop();
    throw e;
  }
  return { origin, token, api, stop };
}

// Headless chromium from Debian with a fresh profile; playwright-core never downloads a browser.
async function launchBrowser() {
  let playwright;
  try {
    playwright = require('playwright-core');
  } catch (_) {
    console.log(`SKIP: playwright-core is missing in ${__dirname}/node_modules (scripts/setup runs npm ci there)`);
    process.exit(SKIP);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-chromium-'));
  const context = await playwright.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return context;
}

module.exports = { SKIP, CHROMIUM, freePort, waitFor, startFleet, launchBrowser };
