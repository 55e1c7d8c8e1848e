// Fleet's dashboard: one page of plain JavaScript, fed by the backend's REST API and its
// event stream (proto_docs/dashboard.md). Nothing is fetched from anywhere but the backend.
'use strict';

const TOKEN_KEY = 'fleet.token';
const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || '',
  lastEventId: null,
  retryMs: 2000,
  live: false,        // the event stream is connected
  polling: null,      // interval id when the backend has no event stream
  view: null,         // {page, id, refresh}
  refreshTimer: null,
  knownBots: null,
};
// Read by the browser test and scripts/bench_ui.
const stats = window.fleetStats = { events: 0, byType: {}, latencies: [], progress: {}, renders: {} };

// ---- small helpers -------------------------------------------------------------------------

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (v) => (v === null || v === undefined ? '' : String(v)).replace(/[&<>"']/g, (c) => ESC[c]);
const enc = encodeURIComponent;

function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return isNaN(d) ? esc(iso) : `<time datetime="${esc(iso)}" title="${esc(iso)}">${esc(d.toLocaleString())}</time>`;
}
function ago(iso) {
  if (!iso) return '<span class="muted">never</span>';
  return `<span data-since="${esc(iso)}">${Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))} s ago</span>`;
}
function badge(status) {
  return `<span class="status s-${esc(status)}">${esc(String(status).toLowerCase().replace(/_/g, ' '))}</span>`;
}
function pct(v) {
  const n = Number(v);
  return isFinite(n) ? Math.max(0, Math.min(100, n)) : 0;
}
// A progress bar that event-stream updates find by its operation id. Widths are set through the
// CSSOM after insertion (applyWidths): the Content-Security-Policy refuses inline style attributes.
function bar(id, value) {
  const p = pct(value);
  return `<div class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${p}"` +
    ` aria-label="progress of ${esc(id)}" data-op="${esc(id)}"><span data-w="${p}"></span><em>${Math.floor(p)}%</em></div>`;
}
function applyWidths(root) {
  for (const el of $$('[data-w]', root)) el.style.width = el.dataset.w + '%';
  for (const el of $$('[data-l]', root)) el.style.left = el.dataset.l + '%';
}
function setBar(el, value) {
  const p = pct(value);
  el.setAttribute('aria-valuenow', String(p));
  el.firstElementChild.style.width = p + '%';
  el.lastElementChild.textContent = Math.floor(p) + '%';
}
// Ids are long (96 random bits): tables show their ends, the title and the link the whole.
function idLink(href, id) {
  if (!id) return '—';
  const text = id.length > 20 ? id.slice(0, 11) + '…' + id.slice(-6) : id;
  return `<a class="mono id" href="${href}${enc(id)}" title="${esc(id)}">${esc(text)}</a>`;
}
const opLink = (id) => idLink('#/operations/', id);
const wfLink = (id) => idLink('#/workflows/', id);
function table(headers, rows, empty) {
  if (!rows.length) return `<p class="muted">${esc(empty)}</p>`;
  const head = headers.map((h) => `<th scope="col"${h.startsWith('#') ? ' class="num"' : ''}>${esc(h.replace(/^#/, ''))}</th>`).join('');
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${rows.map((r) => `<tr>${r}</tr>`).join('')}</tbody></table></div>`;
}
function button(label, act, data = {}, cls = '') {
  const attrs = Object.entries(data).map(([k, v]) => ` data-${k}="${esc(v)}"`).join('');
  return `<button type="button" class="${cls}" data-act="${act}"${attrs}>${esc(label)}</button>`;
}
function say(text, isError = false) {
  const box = $('#message');
  box.textContent = text;
  box.classList.toggle('error', isError);
  box.hidden = !text;
}

// ---- the API -------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message, body) { super(message); this.status = status; this.body = body; }
}

let tokenPrompt = null;
// Shows the token form once, however many calls are waiting for it.
function askToken(reason) {
  if (tokenPrompt) return tokenPrompt;
  tokenPrompt = new Promise((resolve) => {
    const overlay = $('#login');
    const form = $('#login-form');
    const error = $('#login-error');
    error.textContent = reason || '';
    error.hidden = !reason;
    overlay.hidden = false;
    $('#token-input').focus();
    form.onsubmit = (e) => {
      e.preventDefault();
      state.token = $('#token-input').value.trim();
      sessionStorage.setItem(TOKEN_KEY, state.token);
      overlay.hidden = true;
      form.onsubmit = null;
      tokenPrompt = null;
      resolve();
    };
  });
  return tokenPrompt;
}

function authHeaders(extra = {}) {
  const headers = { ...extra };
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  return headers;
}

async function api(method, path, body, extraHeaders = {}) {
  for (let attempt = 0; ; ++attempt) {
    const headers = authHeaders(extraHeaders);
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(path, init);
    if (res.status === 401 && attempt < 5) {
      await askToken(state.token ? 'The backend refused that token.' : '');
      continue;
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!res.ok) {
      const message = (data && (data.error || data.message)) || `${res.status} ${res.statusText || ''}`.trim();
      throw new ApiError(res.status, message, data);
    }
    return data;
  }
}

// Runs an action from a button, reports its outcome and re-reads the page.
async function act(label, fn) {
  try {
    const answer = await fn();
    say(`${label}: ${(answer && (answer.message || answer.status)) || 'done'}`);
    scheduleRefresh(100);
    return answer;
  } catch (e) {
    const extra = e.status === 404 || e.status === 405 ? ' (this backend does not offer it)' : '';
    say(`${label} failed: ${e.status ? e.status + ' ' : ''}${e.message}${extra}`, true);
    return null;
  }
}

// ---- the event stream (proto_docs/events.md) -----------------------------------------------

function setLive(word, cls) {
  const el = $('#live');
  el.textContent = word;
  el.className = 'live ' + (cls || '');
}

// fetch() and a ReadableStream, because EventSource cannot send the Authorization header.
async function streamEvents() {
  for (;;) {
    try {
      const headers = authHeaders({ Accept: 'text/event-stream' });
      if (state.lastEventId) headers['Last-Event-ID'] = state.lastEventId;
      const res = await fetch('/api/v1/events', { headers, cache: 'no-store' });
      if (res.status === 401) { await askToken(state.token ? 'The backend refused that token.' : ''); continue; }
      if (res.status === 404) { startPolling(); return; }
      if (!res.ok || !res.body) throw new Error('event stream answered ' + res.status);
      stopPolling();
      state.live = true;
      setLive('live', 'on');
      // A reconnect may have missed changes: re-read what the page shows.
      if (state.lastEventId) scheduleRefresh(0);
      await readStream(res.body.getReader());
    } catch (e) {
      console.warn('event stream:', e.message);
    }
    state.live = false;
    setLive('reconnecting', 'off');
    await sleep(state.retryMs);
  }
}

async function readStream(reader) {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = { type: '', data: [], id: null };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let start = 0;
    for (let nl = buffer.indexOf('\n', start); nl >= 0; nl = buffer.indexOf('\n', start)) {
      let line = buffer.slice(start, nl);
      start = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (event.id !== null) state.lastEventId = event.id;
        if (event.data.length) dispatch(event.type || 'message', event.data.join('\n'));
        event = { type: '', data: [], id: null };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let val = colon < 0 ? '' : line.slice(colon + 1);
      if (val.startsWith(' ')) val = val.slice(1);
      if (field === 'data') event.data.push(val);
      else if (field === 'event') event.type = val;
      else if (field === 'id') event.id = val;
      else if (field === 'retry' && /^\d+$/.test(val)) state.retryMs = Number(val);
    }
    buffer = buffer.slice(start);
  }
}

function dispatch(type, text) {
  const arrived = Date.now();
  let data;
  try { data = JSON.parse(text); } catch (_) { return; }
  stats.events++;
  stats.byType[type] = (stats.byType[type] || 0) + 1;
  if (data.time) {
    const sent = Date.parse(data.time);
    if (isFinite(sent) && stats.latencies.length < 100000) stats.latencies.push(arrived - sent);
  }
  onEvent(type, data);
}

// What each event changes on the page: progress bars in place, the rest by re-reading the view.
function onEvent(type, data) {
  const page = state.view && state.view.page;
  if (type === 'gap') { scheduleRefresh(0); return; }
  if (type === 'operation.progress' || type === 'operation.status' || type === 'run.status') {
    const id = data.operation_id || data.run_id;
    if (id && data.progress !== undefined && data.progress !== null) {
      (stats.progress[id] = stats.progress[id] || []).push(pct(data.progress));
      for (const el of $$(`.bar[data-op="${CSS.escape(id)}"]`)) setBar(el, data.progress);
    }
    if (type !== 'operation.progress' && ['overview', 'operations', 'runs', 'workers'].includes(page)) scheduleRefresh();
    if (type === 'operation.status' && data.workflow_id && page === 'workflows') scheduleRefresh();
    return;
  }
  if (type.startsWith('worker.') && (page === 'overview' || page === 'workers')) scheduleRefresh();
  else if ((type.startsWith('workflow.') || type.startsWith('step.')) && (page === 'workflows' || page === 'overview')) {
    if (!state.view.id || state.view.id === data.workflow_id) scheduleRefresh();
  } else if (type.startsWith('schedule.') && (page === 'schedules' || page === 'workflows')) scheduleRefresh();
}

// Without an event stream (an older backend), the page re-reads itself every few seconds.
function startPolling() {
  setLive('polling', 'off');
  if (!state.polling) state.polling = setInterval(() => scheduleRefresh(0), 3000);
}
function stopPolling() {
  if (state.polling) clearInterval(state.polling);
  state.polling = null;
}

// Re-reads the current view's data, at most a few times a second however many events come.
function scheduleRefresh(delay = 300) {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(async () => {
    state.refreshTimer = null;
    if (state.view && state.view.refresh) await state.view.refresh();
  }, delay);
}

// ---- pages ---------------------------------------------------------------------------------

const pages = { overview, workers, operations, runs, workflows, schedules };

async function route() {
  const parts = (location.hash.replace(/^#\/?/, '') || 'overview').split('/').map(decodeURIComponent);
  const page = pages[parts[0]] ? parts[0] : 'overview';
  const id = parts[1] || null;
  for (const a of $$('nav a')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  say('');
  const main = $('#main');
  const view = { page, id, refresh: null };
  state.view = view;
  main.innerHTML = '<p class="muted">Loading…</p>';
  try {
    await pages[page](main, id, view);
  } catch (e) {
    main.innerHTML = `<p class="error">Could not load this page: ${esc(e.message)}</p>`;
  }
}

// Fills `region` with `render()`'s HTML now and on every refresh of this view; with `everyMs`,
// also that often while the view is shown (for what no event carries, e.g. health check times).
async function live(view, region, render, everyMs = 0) {
  const refresh = async () => {
    if (state.view !== view) return;
    try {
      const started = performance.now();
      const html = await render();
      if (state.view !== view) return;
      region.innerHTML = html;
      applyWidths(region);
      // Measured by scripts/bench_ui: from asking for the data to the page laid out with it.
      void region.offsetHeight;
      stats.renders[location.hash] = { ms: performance.now() - started, data_ms: view.dataMs, at: Date.now() };
    } catch (e) {
      region.innerHTML = `<p class="error">${esc(e.message)}</p>`;
    }
  };
  view.refresh = refresh;
  if (everyMs) {
    const timer = setInterval(() => (state.view === view ? scheduleRefresh(0) : clearInterval(timer)), everyMs);
  }
  await refresh();
}

function statusCounts(items, key, order) {
  const counts = {};
  for (const s of order) counts[s] = 0;
  for (const it of items) counts[it[key]] = (counts[it[key]] || 0) + 1;
  return `<ul class="cards">${Object.entries(counts).map(([s, n]) =>
    `<li><b>${n}</b>${badge(s)}</li>`).join('')}</ul>`;
}

const WORKER_STATUSES = ['AVAILABLE', 'BUSY', 'DRAINING', 'TEMPORARILY_UNAVAILABLE'];
// A passed health check changes no status, so no event says it happened: the worker pages
// re-read the registry this often to keep "seconds since the last health check" true.
const HEALTH_REREAD_MS = 10000;

async function overview(main, _id, view) {
  main.innerHTML = '<h1>Overview</h1><div id="region"></div>';
  await live(view, $('#region', main), async () => {
    const [workerList, queued, running, pending, failed, runList] = await Promise.all([
      api('GET', '/api/v1/workers'),
      api('GET', '/api/v1/operations?status=queued&limit=1000'),
      api('GET', '/api/v1/operations?status=running&limit=100'),
      api('GET', '/api/v1/operations?status=pending&limit=100'),
      api('GET', '/api/v1/operations?status=failed&limit=10'),
      api('GET', '/api/v1/admin/workers/runs?status=running&limit=50'),
    ]);
    const depth = {};
    for (const op of queued.data.operations) depth[op.operation_type] = (depth[op.operation_type] || 0) + 1;
    for (const w of workerList) if (!(w.domain in depth)) depth[w.domain] = 0;
    const active = pending.data.operations.concat(running.data.operations);
    return `<div class="grid">
      <section class="panel" aria-labelledby="h-workers"><h2 id="h-workers">Workers</h2>
        ${statusCounts(workerList, 'status', WORKER_STATUSES)}
        ${table(['Worker', 'Status', 'Last health check'], workerList.map((w) =>
          `<td class="mono">${esc(w.worker_id)}</td><td>${badge(w.status)}</td><td>${ago(w.last_health_check)}</td>`), 'No workers registered.')}
      </section>
      <section class="panel" aria-labelledby="h-queues"><h2 id="h-queues">Queue depth per domain</h2>
        ${table(['Domain', '#Queued'], Object.entries(depth).sort().map(([d, n]) =>
          `<td>${esc(d)}</td><td class="num">${n}</td>`), 'No domains yet.')}
        <p class="muted">${queued.data.total} queued in all${queued.data.total > 1000 ? ' (domains counted over the first 1,000 listed)' : ''}.</p>
      </section>
      <section class="panel" aria-labelledby="h-active"><h2 id="h-active">Operations running now</h2>
        ${table(['Operation', 'Domain', 'Status', 'Progress'], active.map((op) =>
          `<td>${opLink(op.operation_id)}</td><td>${esc(op.operation_type)}</td><td>${badge(op.status)}</td>` +
          `<td>${bar(op.operation_id, op.progress && op.progress.percentage)}</td>`), 'Nothing is running.')}
      </section>
      <section class="panel" aria-labelledby="h-runs"><h2 id="h-runs">Runs running now</h2>
        ${table(['Run', 'Bot', 'Progress'], runList.items.map((r) =>
          `<td>${opLink(r.run_id)}</td><td>${esc(r.bot)}</td><td>${bar(r.run_id, r.progress)}</td>`), 'No run is running.')}
      </section>
      <section class="panel" aria-labelledby="h-failed"><h2 id="h-failed">Recent failures</h2>
        ${table(['Operation', 'Domain', 'Error', 'When'], failed.data.operations.map((op) =>
          `<td>${opLink(op.operation_id)}</td><td>${esc(op.operation_type)}</td><td>${esc(op.error_message)}</td>` +
          `<td>${when(op.completed_at || op.updated_at)}</td>`), 'No failures.')}
      </section></div>`;
  }, HEALTH_REREAD_MS);
}

async function workers(main, id, view) {
  main.innerHTML = '<h1>Workers</h1><div id="region"></div>';
  await live(view, $('#region', main), async () => {
    const list = await api('GET', '/api/v1/workers');
    return statusCounts(list, 'status', WORKER_STATUSES) + '<h2>All workers</h2>' +
      table(['Worker', 'Type', 'Status', 'Endpoint', 'Current operation', 'Last health check', '#Failures', 'Actions'],
        list.map((w) => `<td class="mono">${esc(w.worker_id)}</td><td>${esc(w.worker_type)}</td><td>${badge(w.status)}</td>` +
          `<td class="mono">${esc(w.endpoint_url)}</td><td>${opLink(w.current_operation_id)}</td>` +
          `<td>${ago(w.last_health_check)}</td><td class="num">${esc(w.health_check_failures)}</td>` +
          `<td>${button('Drain', 'drain', { id: w.worker_id }, 'secondary')}</td>`), 'No workers registered.');
  }, HEALTH_REREAD_MS);
}

const OP_STATUSES = ['queued', 'pending', 'running', 'completed', 'failed', 'cancelled'];

function options(values, selected, blank) {
  return (blank ? `<option value="">${esc(blank)}</option>` : '') +
    values.map((v) => `<option${v === selected ? ' selected' : ''}>${esc(v)}</option>`).join('');
}

async function operations(main, id, view) {
  if (id) return operationDetail(main, id, view);
  const filter = state.opFilter || (state.opFilter = { status: '', type: '', worker: '' });
  main.innerHTML = `<h1>Operations</h1>
    <form class="inline" id="op-filter" aria-label="Filter operations">
      <label>Status <select name="status">${options(OP_STATUSES, filter.status, 'any')}</select></label>
      <label>Type (domain) <input name="type" value="${esc(filter.type)}" size="14"></label>
      <label>Worker <input name="worker" value="${esc(filter.worker)}" size="18"></label>
      <button type="submit">Filter</button>
    </form><div id="region"></div>`;
  $('#op-filter', main).onsubmit = (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    state.opFilter = { status: f.get('status'), type: f.get('type').trim(), worker: f.get('worker').trim() };
    scheduleRefresh(0);
  };
  await live(view, $('#region', main), async () => {
    const f = state.opFilter;
    const q = new URLSearchParams({ limit: '100' });
    if (f.status) q.set('status', f.status);
    if (f.type) q.set('operation_type', f.type);
    if (f.worker) q.set('worker_id', f.worker);
    const page = await api('GET', '/api/v1/operations?' + q);
    const ops = page.data.operations;
    return `<p class="muted">${ops.length} of ${page.data.total} shown.</p>` +
      table(['Operation', 'Domain', 'Status', 'Progress', 'Worker', 'Created', 'Actions'], ops.map((op) =>
        `<td>${opLink(op.operation_id)}</td><td>${esc(op.operation_type)}</td><td>${badge(op.status)}</td>` +
        `<td>${bar(op.operation_id, op.progress && op.progress.percentage)}</td><td class="mono">${esc(op.worker_id || '—')}</td>` +
        `<td>${when(op.created_at)}</td><td>${terminal(op.status) ? '' : button('Cancel', 'cancel-op', { id: op.operation_id }, 'danger')}</td>`),
      'No operation matches.');
  });
}

const terminal = (s) => ['completed', 'failed', 'cancelled', 'finished'].includes(s);

function fields(obj) {
  const entries = Object.entries(obj || {});
  if (!entries.length) return '<p class="muted">none</p>';
  return `<dl class="fields">${entries.map(([k, v]) =>
    `<dt>${esc(k.replace(/_/g, ' '))}</dt><dd>${v === null || v === undefined || v === '' ? '—'
      : typeof v === 'object' ? `<code>${esc(JSON.stringify(v))}</code>` : esc(v)}</dd>`).join('')}</dl>`;
}

async function operationDetail(main, id, view) {
  main.innerHTML = `<p><a href="#/operations">← Operations</a></p><h1>Operation <span class="mono">${esc(id)}</span></h1><div id="region"></div>`;
  await live(view, $('#region', main), async () => {
    const op = (await api('GET', `/api/v1/operations/${enc(id)}`)).data;
    let metrics = '';
    try {
      const m = (await api('GET', `/api/v1/operations/${enc(id)}/metrics?limit=1000`)).data;
      const shown = m.metrics.slice(-20);
      metrics = `<p class="muted">The last ${shown.length} of ${m.metrics.length}${m.has_more ? '+' : ''}.</p>` +
        table(['Time', 'Name', '#Value'], shown.reverse().map((x) =>
        `<td>${when(x.timestamp)}</td><td>${esc(x.name)}</td><td class="num">${esc(x.value)}</td>`), 'No metrics reported.');
    } catch (e) {
      metrics = `<p class="muted">Metrics unavailable: ${esc(e.message)}</p>`;
    }
    return `<div class="actions">${terminal(op.status) ? '' : button('Cancel operation', 'cancel-op', { id }, 'danger')}</div>
      <div class="grid">
      <section class="panel"><h2>Status</h2>
        <p>${badge(op.status)}</p>${bar(id, op.progress && op.progress.percentage)}
        ${fields({ domain: op.domain, worker_id: op.worker_id, priority: op.priority, attempts: op.attempts,
          workflow_id: op.workflow_id, step: op.step, created_at: op.created_at, started_at: op.started_at,
          completed_at: op.completed_at, error_message: op.error_message })}</section>
      <section class="panel"><h2>Progress fields</h2>${fields(op.progress)}</section>
      <section class="panel"><h2>Parameters</h2><pre>${esc(JSON.stringify(op.metadata, null, 2))}</pre></section>
      <section class="panel"><h2>Result</h2><pre>${esc(JSON.stringify(op.result, null, 2))}</pre></section>
      <section class="panel"><h2>Metrics</h2>${metrics}</section></div>`;
  });
}

// The known bots: the worker types registered now, and those a 400 answer names.
async function knownBots() {
  const bots = new Set();
  try { for (const w of await api('GET', '/api/v1/workers')) bots.add(w.worker_type); } catch (_) { /* listed below */ }
  if (!state.knownBots) {
    try {
      await api('POST', '/api/v1/admin/workers/run', { bot: '?', params: {} });
    } catch (e) {
      state.knownBots = (e.body && e.body.known_bots) || [];
    }
  }
  for (const b of state.knownBots || []) bots.add(b);
  return Array.from(bots).sort();
}

const RUN_STATUSES = ['pending', 'running', 'finished', 'failed', 'cancelled'];
const DEFAULT_PARAMS = { echo: '{"duration_ms": 5000, "steps": 50}' };

async function runs(main, _id, view) {
  const bots = await knownBots();
  const first = bots.includes('echo') ? 'echo' : bots[0] || '';
  main.innerHTML = `<h1>Runs</h1>
    <section class="panel" aria-labelledby="h-run"><h2 id="h-run">Run worker</h2>
    <form class="stack" id="run-form">
      <label>Bot <select name="bot" id="run-bot" required>${options(bots, first)}</select></label>
      <label>Parameters (JSON) <textarea name="params" id="run-params" spellcheck="false">${esc(DEFAULT_PARAMS[first] || '{}')}</textarea></label>
      <label class="check"><span><input type="checkbox" name="strict"> refuse if this bot already has a run going</span></label>
      <div><button type="submit" id="run-submit">Run</button></div>
    </form></section>
    <h2>Recent runs</h2>
    <form class="inline" id="run-filter" aria-label="Filter runs">
      <label>Status <select name="status">${options(RUN_STATUSES, state.runStatus || '', 'any')}</select></label>
      <button type="submit" class="secondary">Filter</button></form>
    <div id="region"></div>`;
  $('#run-bot', main).onchange = (e) => { $('#run-params', main).value = DEFAULT_PARAMS[e.target.value] || '{}'; };
  $('#run-filter', main).onsubmit = (e) => {
    e.preventDefault();
    state.runStatus = new FormData(e.target).get('status');
    scheduleRefresh(0);
  };
  $('#run-form', main).onsubmit = async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    let params;
    try { params = JSON.parse(f.get('params') || '{}'); } catch (err) { say('Parameters are not JSON: ' + err.message, true); return; }
    const submit = $('#run-submit', main);
    submit.disabled = true;
    // One key per click: a double submit of the same click starts one run.
    const key = 'ui-' + Date.now().toString(36) + Math.random().toString(36).slice(2);
    const answer = await act('Run', () => api('POST', '/api/v1/admin/workers/run',
      { bot: f.get('bot'), params, strict: f.get('strict') === 'on' }, { 'Idempotency-Key': key }));
    submit.disabled = false;
    if (answer) say(`Started run ${answer.run_id} (${answer.status})${answer.warning ? ' — ' + answer.warning : ''}`);
  };
  await live(view, $('#region', main), async () => {
    const q = new URLSearchParams({ limit: '20' });
    if (state.runStatus) q.set('status', state.runStatus);
    const list = await api('GET', '/api/v1/admin/workers/runs?' + q);
    return table(['Run', 'Bot', 'Status', 'Progress', 'Started', '#Seconds', 'Error', 'Actions'], list.items.map((r) =>
      `<td>${opLink(r.run_id)}</td><td>${esc(r.bot)}</td><td>${badge(r.status)}</td><td>${bar(r.run_id, r.progress)}</td>` +
      `<td>${when(r.started_at)}</td><td class="num">${r.duration_seconds === null ? '—' : esc(Number(r.duration_seconds).toFixed(1))}</td>` +
      `<td>${esc(r.error_message)}</td><td><div class="actions">${button('Re-run', 'rerun', { id: r.run_id }, 'secondary')}` +
      `${terminal(r.status) ? '' : button('Cancel', 'cancel-run', { id: r.run_id }, 'danger')}</div></td>`), 'No runs yet.') +
      `<p class="muted">${list.items.length} of ${list.total} shown.</p>`;
  });
}

const WF_STATUSES = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled', 'recovering'];

async function workflows(main, id, view) {
  if (id) return workflowDetail(main, id, view);
  main.innerHTML = `<h1>Workflows</h1>
    <form class="inline" id="wf-filter" aria-label="Filter workflows">
      <label>Status <select name="status">${options(WF_STATUSES, state.wfStatus || '', 'any')}</select></label>
      <button type="submit" class="secondary">Filter</button></form>
    <div id="region"></div>
    <details class="panel"><summary>Submit a workflow (JSON)</summary>
      <form class="stack" id="wf-submit"><label>Definition (proto_docs/workflows.md)
        <textarea name="definition" rows="10" spellcheck="false">${esc(JSON.stringify({ name: 'hello', steps: [
          { name: 'first', domain: 'echo', parameters: { duration_ms: 1000 } },
          { name: 'approve', signal: 'approve', depends_on: ['first'] }] }, null, 2))}</textarea></label>
        <div><button type="submit">Submit</button></div></form></details>`;
  $('#wf-filter', main).onsubmit = (e) => {
    e.preventDefault();
    state.wfStatus = new FormData(e.target).get('status');
    scheduleRefresh(0);
  };
  $('#wf-submit', main).onsubmit = async (e) => {
    e.preventDefault();
    const text = new FormData(e.target).get('definition');
    try { JSON.parse(text); } catch (err) { say('The definition is not JSON: ' + err.message, true); return; }
    const answer = await act('Submit', () => api('POST', '/api/v1/workflows', text));
    if (answer) location.hash = '#/workflows/' + enc(answer.workflow_id);
  };
  await live(view, $('#region', main), async () => {
    const q = new URLSearchParams({ limit: '50' });
    if (state.wfStatus) q.set('status', state.wfStatus);
    const list = (await api('GET', '/api/v1/workflows?' + q)).data;
    return table(['Workflow', 'Name', 'Status', 'Progress', 'Schedule', 'Created'], list.workflows.map((w) =>
      `<td>${wfLink(w.workflow_id)}</td><td>${esc(w.name)}</td><td>${badge(w.status)}</td>` +
      `<td>${bar(w.workflow_id, w.progress)}</td><td>${idLink('#/schedules/', w.schedule_id)}</td>` +
      `<td>${when(w.created_at)}</td>`), 'No workflows.') + `<p class="muted">${list.workflows.length} of ${list.total} shown.</p>`;
  });
}

// Steps placed in columns by dependency depth (a root is 0, a step is one more than its
// deepest dependency), in definition order within a column; edges run left to right.
function layoutDag(steps) {
  const index = new Map(steps.map((s, i) => [s.name, i]));
  const depth = new Array(steps.length).fill(0);
  // Dependencies name earlier steps (workflows.md), so one pass in order is enough;
  // the max() keeps it right for any order the backend may list them in.
  for (let pass = 0; pass < 2; ++pass) {
    steps.forEach((s, i) => {
      for (const d of s.depends_on || []) if (index.has(d)) depth[i] = Math.max(depth[i], depth[index.get(d)] + 1);
    });
  }
  const rows = [];
  const pos = steps.map((_, i) => {
    const col = depth[i];
    const row = rows[col] = (rows[col] || 0) + 1;
    return { col, row: row - 1 };
  });
  return { pos, index, cols: rows.length, maxRows: Math.max(1, ...rows) };
}

const NODE_W = 150, NODE_H = 32, GAP_X = 50, GAP_Y = 14, PAD = 12;

function dagSvg(steps) {
  const { pos, index, cols, maxRows } = layoutDag(steps);
  const x = (p) => PAD + p.col * (NODE_W + GAP_X);
  const y = (p) => PAD + p.row * (NODE_H + GAP_Y);
  const width = PAD * 2 + cols * NODE_W + Math.max(0, cols - 1) * GAP_X;
  const height = PAD * 2 + maxRows * NODE_H + (maxRows - 1) * GAP_Y;
  const edges = [];
  const nodes = [];
  steps.forEach((s, i) => {
    const p = pos[i];
    for (const d of s.depends_on || []) {
      if (!index.has(d)) continue;
      const q = pos[index.get(d)];
      const x1 = x(q) + NODE_W, y1 = y(q) + NODE_H / 2, x2 = x(p), y2 = y(p) + NODE_H / 2, mx = (x1 + x2) / 2;
      edges.push(`<path d="M${x1} ${y1}C${mx} ${y1} ${mx} ${y2} ${x2} ${y2}"/>`);
    }
    const label = s.name.length > 20 ? s.name.slice(0, 19) + '…' : s.name;
    nodes.push(`<g class="n-${esc(s.status)}${s.kind === 'signal' ? ' sig' : ''}"><title>${esc(s.name)}: ${esc(s.status)}${s.kind === 'signal' ? ' (signal ' + esc(s.signal) + ')' : ''}</title>` +
      `<rect x="${x(p)}" y="${y(p)}" width="${NODE_W}" height="${NODE_H}" rx="5"/>` +
      `<text x="${x(p) + 8}" y="${y(p) + 20}">${esc(label)}</text></g>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img"` +
    ` aria-label="Workflow graph of ${steps.length} steps">${edges.join('')}${nodes.join('')}</svg>`;
}

// Each step's span on the workflow's time axis, from its start to its end (or now).
function timeline(wf) {
  const now = Date.now();
  const t0 = Date.parse(wf.started_at || wf.created_at) || now;
  const ends = wf.steps.map((s) => (s.completed_at ? Date.parse(s.completed_at) : s.started_at ? now : 0));
  const t1 = Math.max(t0 + 1, Date.parse(wf.completed_at) || 0, ...ends);
  return (s) => {
    if (!s.started_at) return '<div class="timeline"></div>';
    const a = Date.parse(s.started_at), b = s.completed_at ? Date.parse(s.completed_at) : now;
    const left = ((a - t0) / (t1 - t0)) * 100, width = Math.max(0.5, ((b - a) / (t1 - t0)) * 100);
    return `<div class="timeline" title="${esc(((b - a) / 1000).toFixed(1))} s"><span class="s-${esc(s.status)}" data-l="${left.toFixed(2)}" data-w="${width.toFixed(2)}"></span></div>`;
  };
}

async function workflowDetail(main, id, view) {
  main.innerHTML = `<p><a href="#/workflows">← Workflows</a></p><h1>Workflow <span class="mono">${esc(id)}</span></h1><div id="region"></div>`;
  await live(view, $('#region', main), async () => {
    const asked = performance.now();
    const wf = (await api('GET', `/api/v1/workflows/${enc(id)}`)).data;
    view.dataMs = performance.now() - asked;
    const span = timeline(wf);
    const ended = terminal(wf.status);
    const failedStep = wf.steps.find((s) => s.status === 'failed');
    const controls = [
      wf.status === 'running' ? button('Pause', 'wf', { id, op: 'pause' }, 'secondary') : '',
      wf.status === 'paused' ? button('Resume', 'wf', { id, op: 'resume' }, 'secondary') : '',
      ended ? '' : button('Cancel workflow', 'wf', { id, op: 'cancel' }, 'danger'),
      wf.status === 'failed' || wf.status === 'cancelled'
        ? `<label>from step <select id="recover-from">${options(wf.steps.map((s) => s.name), failedStep && failedStep.name, 'the failed one')}</select></label>` +
          button('Recover', 'recover', { id }) : '',
    ].join('');
    const rows = wf.steps.map((s) =>
      `<td>${esc(s.name)}</td><td>${s.kind === 'signal' ? `signal <code>${esc(s.signal)}</code>` : esc(s.domain)}</td>` +
      `<td>${badge(s.status)}</td><td class="num">${esc(s.attempts)}</td><td>${opLink(s.operation_id)}</td>` +
      `<td>${span(s)}</td><td>${esc(s.error_message)}</td><td>${s.kind === 'signal' && s.status === 'waiting' && !ended
        ? button(s.signal === 'approve' ? 'Approve' : `Signal ${s.signal}`, 'signal', { id, signal: s.signal, step: s.name }) : ''}</td>`);
    const html = `<div class="grid"><section class="panel"><h2>Status</h2><p>${badge(wf.status)}</p>${bar(id, wf.progress)}
        ${fields({ name: wf.name, recovery_attempts: `${wf.recovery_attempts} of ${wf.max_recovery_attempts}`,
          schedule_id: wf.schedule_id, scheduled_for: wf.scheduled_for, created_at: wf.created_at, started_at: wf.started_at,
          completed_at: wf.completed_at, error_message: wf.error_message })}
        <div class="actions">${controls}</div></section>
      <section class="panel"><h2>Inputs</h2><pre>${esc(JSON.stringify(wf.inputs, null, 2))}</pre></section></div>
      <h2>Graph</h2><div class="dag" id="dag" tabindex="0" aria-label="Workflow graph, scrollable">${dagSvg(wf.steps)}</div>
      <h2>Steps and timeline</h2>
      ${table(['Step', 'Does', 'Status', '#Attempts', 'Operation', 'Timeline', 'Error', 'Actions'], rows, 'No steps.')}`;
    return html;
  });
}

async function schedules(main, id, view) {
  if (id) return scheduleDetail(main, id, view);
  main.innerHTML = '<h1>Schedules</h1><div id="region"></div>';
  await live(view, $('#region', main), async () => {
    const list = (await api('GET', '/api/v1/schedules?limit=200')).data;
    return table(['Schedule', 'Name', 'Cron', 'Time zone', 'State', 'Next fire', 'Last run', '#Started', '#Skipped', 'Actions'],
      list.schedules.map((s) => `<td>${idLink('#/schedules/', s.schedule_id)}</td>` +
        `<td>${esc(s.name)}</td><td><code>${esc(s.cron)}</code></td><td>${esc(s.timezone)}</td>` +
        `<td>${badge(s.paused ? 'paused' : 'running')}</td><td>${when(s.next_run_at)}</td><td>${when(s.last_run_at)}</td>` +
        `<td class="num">${esc(s.runs_started)}</td><td class="num">${esc(s.runs_skipped)}</td><td>${scheduleButtons(s)}</td>`),
      'No schedules.') + `<p class="muted">${list.schedules.length} of ${list.total} shown.</p>`;
  });
}

function scheduleButtons(s) {
  return `<div class="actions">${s.paused ? button('Resume', 'schedule', { id: s.schedule_id, op: 'resume' }, 'secondary')
    : button('Pause', 'schedule', { id: s.schedule_id, op: 'pause' }, 'secondary')}` +
    `${button('Trigger now', 'schedule', { id: s.schedule_id, op: 'trigger' })}</div>`;
}

async function scheduleDetail(main, id, view) {
  main.innerHTML = `<p><a href="#/schedules">← Schedules</a></p><h1>Schedule <span class="mono">${esc(id)}</span></h1><div id="region"></div>`;
  await live(view, $('#region', main), async () => {
    const s = (await api('GET', `/api/v1/schedules/${enc(id)}`)).data;
    return `<div class="grid"><section class="panel"><h2>Settings</h2><p>${badge(s.paused ? 'paused' : 'running')}</p>
        ${fields({ name: s.name, cron: s.cron, normalized_cron: s.normalized_cron, timezone: s.timezone, overlap: s.overlap,
          catchup: s.catchup, runs_started: s.runs_started, runs_skipped: s.runs_skipped, last_run_at: s.last_run_at,
          buffered_for: s.buffered_for })}${scheduleButtons(s)}</section>
      <section class="panel"><h2>Next fire times</h2>
        ${table(['Due'], (s.next_run_times || []).map((t) => `<td>${when(t)}</td>`), 'None (paused or never).')}</section></div>
      <h2>Recent runs</h2>${table(['Workflow', 'Scheduled for', 'Status', 'Created'], (s.recent_runs || []).map((r) =>
        `<td>${wfLink(r.workflow_id)}</td><td>${when(r.scheduled_for)}</td><td>${badge(r.status)}</td><td>${when(r.created_at)}</td>`), 'No runs yet.')}
      <h2>Skipped fires</h2>${table(['Scheduled for', 'Reason', 'Recorded'], (s.skipped_runs || []).map((r) =>
        `<td>${when(r.scheduled_for)}</td><td>${esc(r.reason)}</td><td>${when(r.recorded_at)}</td>`), 'None skipped.')}`;
  });
}

// ---- actions (one delegated handler for every button) --------------------------------------

const actions = {
  drain: (d) => act(`Drain ${d.id}`, () => api('POST', `/api/v1/workers/${enc(d.id)}/drain`)),
  'cancel-op': (d) => act(`Cancel ${d.id}`, () => api('DELETE', `/api/v1/operations/${enc(d.id)}/cancel`)),
  'cancel-run': (d) => act(`Cancel ${d.id}`, () => api('DELETE', `/api/v1/admin/workers/runs/${enc(d.id)}/cancel`)),
  rerun: (d) => act(`Re-run ${d.id}`, () => api('POST', `/api/v1/admin/workers/runs/${enc(d.id)}/rerun`, {})),
  wf: (d) => act(`${d.op[0].toUpperCase()}${d.op.slice(1)} ${d.id}`, () => api('POST', `/api/v1/workflows/${enc(d.id)}/${d.op}`, {})),
  recover: (d) => {
    const from = $('#recover-from') && $('#recover-from').value;
    return act(`Recover ${d.id}`, () => api('POST', `/api/v1/workflows/${enc(d.id)}/recover`, from ? { from_step: from } : {}));
  },
  signal: (d) => act(`Signal ${d.signal}`, () => api('POST', `/api/v1/workflows/${enc(d.id)}/signals/${enc(d.signal)}`,
    { approved_by: 'dashboard' }, { 'Idempotency-Key': 'ui-' + Date.now().toString(36) + Math.random().toString(36).slice(2) })),
  schedule: (d) => act(`${d.op[0].toUpperCase()}${d.op.slice(1)} ${d.id}`, () => api('POST', `/api/v1/schedules/${enc(d.id)}/${d.op}`)),
};

document.addEventListener('click', async (e) => {
  const target = e.target.closest('button[data-act]');
  if (!target || !actions[target.dataset.act]) return;
  if (target.dataset.act === 'wf' && target.dataset.op === 'cancel' && !confirm('Cancel this workflow?')) return;
  target.disabled = true;
  try { await actions[target.dataset.act](target.dataset); } finally { target.disabled = false; }
});

// "N s ago" counts on between refreshes, without asking the backend.
setInterval(() => {
  for (const el of $$('[data-since]')) {
    el.textContent = Math.max(0, Math.round((Date.now() - Date.parse(el.dataset.since)) / 1000)) + ' s ago';
  }
}, 1000);

window.addEventListener('hashchange', () => { route(); $('#main').focus({ preventScroll: true }); });
if (!location.hash) history.replaceState(null, '', '#/overview');
route();
streamEvents();
