// The run list: one page of GET /api/runs (newest first, filtered by pipeline, status and requester), refreshed in
// place every two seconds; the "older runs" link follows the API's next-page cursor.
'use strict';

const RUN_STATUSES = ['RUNNING', 'CANCELLING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'REJECTED'];
const query = new URLSearchParams(location.search);

function setUpFilters() {
  const select = document.getElementById('filter-status');
  for (const s of RUN_STATUSES) {
    const o = el('option', s, { value: s });
    if (query.get('status') === s) o.selected = true;
    select.appendChild(o);
  }
  document.getElementById('filter-pipeline').value = query.get('pipeline') || '';
  document.getElementById('filter-requester').value = query.get('requester') || '';
}

function countsText(counts) {
  return Object.entries(counts || {}).map(([k, v]) => k + ' ' + v).join(', ');
}

async function refresh() {
  const api = new URLSearchParams();
  for (const k of ['limit', 'before', 'pipeline', 'status', 'requester']) {
    if (query.get(k)) api.set(k, query.get(k));
  }
  const got = await getJson('/api/runs?' + api.toString());
  if (!got) return;
  const response = got.response;
  const runs = got.body;
  const rows = runs.map(r => {
    const tr = el('tr', null, { 'data-run': r.runId });
    const link = el('a', r.runId, { href: '/runs/' + encodeURIComponent(r.runId) });
    const first = el('td');
    first.appendChild(link);
    tr.appendChild(first);
    tr.appendChild(el('td', r.pipeline));
    tr.appendChild(el('td', r.status, { class: r.status }));
    tr.appendChild(el('td', r.requester));
    tr.appendChild(el('td', new Date(r.requestedAtMs).toISOString()));
    tr.appendChild(el('td', r.taskCount));
    tr.appendChild(el('td', countsText(r.counts)));
    return tr;
  });
  document.querySelector('#runs tbody').replaceChildren(...rows);
  if (runs.length === 0) {
    document.querySelector('#runs tbody').appendChild(el('tr')).appendChild(el('td', 'no runs', { colspan: '7' }));
  }
  const next = response.headers.get('X-Weft-Next-Before');
  const older = document.getElementById('older');
  if (next) {
    const q = new URLSearchParams(query);
    q.set('before', next);
    older.href = '/?' + q.toString();
    older.hidden = false;
  } else {
    older.hidden = true;
  }
}

setUpFilters();
refresh();
setInterval(refresh, 2000);
