// One run, live: polls GET /api/runs/{id} every second and updates the graph and the task table in place (the
// page never reloads). Rows are built once per task and rewritten only when that task changed, so a 5,000-task
// run costs one JSON read per second, not 5,000 new rows.
'use strict';

const POLL_MS = 1000;
const LOG_TAIL_CHARS = 2000;
const TERMINAL = new Set(['SUCCEEDED', 'SKIPPED', 'FAILED', 'TIMED_OUT', 'UPSTREAM_FAILED', 'CANCELLED']);
const runId = decodeURIComponent(location.pathname.substring('/runs/'.length));
const rows = new Map();
let graph = null;

function byId(id) {
  return document.getElementById(id);
}

async function cancel(task) {
  const what = task ? 'task ' + task + ' and what depends on it' : 'the whole run';
  if (!window.confirm('Cancel ' + what + '?')) return;
  try {
    const response = await fetch('/api/runs/' + encodeURIComponent(runId) + '/cancel', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(task ? { task: task } : {})
    });
    if (signInIfAsked(response)) return;
    const body = await response.json().catch(() => ({}));
    byId('action-result').textContent = response.ok ? 'cancel requested for ' + what
        : response.status === 403 ? 'forbidden: this token may read but not cancel'
        : (body.error || 'cancel failed: ' + response.status);
  } catch (e) {
    byId('action-result').textContent = 'cancel failed: the coordinator does not answer';
  }
}

function select(taskId) {
  const row = rows.get(taskId);
  if (!row) return;
  for (const r of document.querySelectorAll('tr.selected')) r.classList.remove('selected');
  row.tr.classList.add('selected');
  row.tr.scrollIntoView({ block: 'center' });
}

function failureText(t) {
  if (!t.lastFailure) return '';
  return (t.failureKind ? t.failureKind + ': ' : '') + t.lastFailure;
}

function tail(s) {
  if (!s) return '';
  return s.length <= LOG_TAIL_CHARS ? s : '…' + s.substring(s.length - LOG_TAIL_CHARS);
}

/**
 * What a row shows besides its duration; its cells are rewritten only when this changes. The cells themselves, and
 * a cancel button while the task can be cancelled, stay the same elements, so a click never lands on a replaced one.
 */
function signature(t) {
  return [t.status, t.phase, t.attempts, t.trackingUrl, t.failureKind, t.lastFailure, t.logTail, t.executor,
      t.notBefore, t.waitingForTime].join('\u0000');
}

function newRow(t) {
  const tr = el('tr', null, { 'data-task': t.id });
  const cells = {};
  tr.appendChild(el('td', t.id, { class: 'task-id' }));
  for (const name of ['state', 'executor', 'attempts', 'duration', 'tracking-url', 'last-failure', 'log', 'actions']) {
    cells[name] = tr.appendChild(el('td', null, { class: name }));
  }
  const cancelButton = el('button', 'cancel', { type: 'button', class: 'cancel-task' });
  cancelButton.addEventListener('click', () => cancel(t.id));
  return { tr: tr, cells: cells, cancelButton: cancelButton, sig: null, task: t };
}

/** What a state alone does not say: where a task is in its attempt, or the time it waits for (notBefore). */
function stateNote(t) {
  if (t.phase === 'QUEUED') return ' (queued)';
  if (t.phase === 'STOPPING') return ' (stopping)';
  // As `weft status` says it; waitingForTime is set only on a PENDING task with a notBefore time.
  if (t.waitingForTime === true) return ' (waits until ' + t.notBefore + ')';
  if (t.waitingForTime === false) return ' (waits for its dependencies, then until ' + t.notBefore + ')';
  return '';
}

function renderRow(row, t) {
  const c = row.cells;
  row.tr.setAttribute('data-state', t.status);
  c.state.textContent = t.status + stateNote(t);
  c.state.className = 'state ' + t.status;
  c.executor.textContent = t.executor;
  c.attempts.textContent = t.attempts;
  c['tracking-url'].replaceChildren(...(t.trackingUrl ? [safeLink(t.trackingUrl)] : []));
  c['last-failure'].textContent = failureText(t);
  c.log.replaceChildren(...(t.logTail ? [el('pre', tail(t.logTail), { class: 'log-tail' })] : []));
  if (TERMINAL.has(t.status)) {
    row.cancelButton.remove();
  } else if (!row.cancelButton.isConnected) {
    c.actions.appendChild(row.cancelButton);
  }
  applyFilter(row);
}

function applyFilter(row) {
  const f = byId('task-filter').value.trim().toLowerCase();
  const t = row.task;
  row.tr.hidden = f !== '' && !t.id.toLowerCase().includes(f) && !t.status.toLowerCase().includes(f);
}

function renderRun(run) {
  document.title = 'Weft run ' + run.runId;
  byId('run-id').textContent = run.runId;
  byId('run-pipeline').textContent = run.pipeline;
  byId('run-status').textContent = run.status + (run.cancelReason ? ' (' + run.cancelReason + ')' : '');
  byId('run-status').className = run.status;
  byId('run-requester').textContent = run.requester || '';
  byId('run-counts').textContent = Object.entries(run.counts || {}).map(([k, v]) => k + ' ' + v).join(', ');
  byId('run-params').textContent = Object.entries(run.params || {}).map(([k, v]) => k + '=' + v).join(', ');
  byId('cancel-run').hidden = run.status !== 'RUNNING';
  const now = Date.now();
  const body = document.querySelector('#tasks tbody');
  for (const t of run.tasks || []) {
    let row = rows.get(t.id);
    if (!row) {
      row = newRow(t);
      rows.set(t.id, row);
      body.appendChild(row.tr);
    }
    row.task = t;
    const sig = signature(t);
    if (sig !== row.sig) {
      renderRow(row, t);
      row.sig = sig;
    }
    // A task that ended without a finish time (cancelled before its attempt reported) has no duration: it must
    // not keep ticking.
    const end = t.finishedAtMs || (TERMINAL.has(t.status) ? null : now);
    const duration = t.startedAtMs && end ? formatDuration(end - t.startedAtMs) : '';
    if (row.cells.duration.textContent !== duration) row.cells.duration.textContent = duration;
  }
  graph.update(run.tasks || []);
}

async function poll() {
  try {
    const response = await fetch('/api/runs/' + encodeURIComponent(runId), { cache: 'no-store' });
    if (signInIfAsked(response)) return;
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      showMessage(body.error || ('the coordinator answered ' + response.status));
    } else {
      showMessage('');
      renderRun(body);
    }
  } catch (e) {
    showMessage('the coordinator does not answer; retrying');
  }
  setTimeout(poll, POLL_MS);
}

for (const [state, colour] of Object.entries(STATE_COLOURS)) {
  const item = byId('legend').appendChild(el('span', null, { class: 'legend-item' }));
  item.appendChild(el('span', null, { class: 'swatch', style: 'background:' + colour }));
  item.appendChild(document.createTextNode(state));
}
graph = new RunGraph(byId('graph'), byId('graph-note'), select);
byId('cancel-run').addEventListener('click', () => cancel(null));
byId('task-filter').addEventListener('input', () => rows.forEach(applyFilter));
poll();
