// The schedule list: GET /api/schedules (every instance's, by name), refreshed in place every two seconds. Each
// active run links to its run page, and the schedule's name (its pipeline's) to the run list filtered by it.
'use strict';

function paramsText(params) {
  return Object.entries(params || {}).map(([k, v]) => k + ': ' + v).join(', ');
}

function activeRunsCell(runIds) {
  const td = el('td', null, { class: 'active-runs' });
  (runIds || []).forEach((id, i) => {
    if (i > 0) td.appendChild(document.createTextNode(' '));
    td.appendChild(el('a', id, { href: '/runs/' + encodeURIComponent(id) }));
  });
  if (!runIds || runIds.length === 0) td.textContent = 'none';
  return td;
}

async function refresh() {
  const got = await getJson('/api/schedules');
  if (!got) return;
  const schedules = got.body;
  const rows = schedules.map(s => {
    const tr = el('tr', null, { 'data-schedule': s.name, 'data-paused': String(s.paused) });
    const name = el('td', null, { class: 'name' });
    name.appendChild(el('a', s.name, { href: '/?pipeline=' + encodeURIComponent(s.name) }));
    tr.appendChild(name);
    tr.appendChild(el('td', s.cron + ' (' + s.timezone + ')' + (s.catchup ? ', catchup' : '')));
    tr.appendChild(el('td', s.paused ? 'paused' : 'active', { class: 'state' }));
    tr.appendChild(el('td', s.nextSlot || '', { class: 'next-slot' }));
    tr.appendChild(el('td', s.lastFiredSlot || 'never', { class: 'last-fired' }));
    const active = activeRunsCell(s.activeRuns);
    active.appendChild(document.createTextNode(' (at most ' + s.maxActiveRuns + ')'));
    tr.appendChild(active);
    tr.appendChild(el('td', s.runsStarted, { class: 'runs-started' }));
    tr.appendChild(el('td', paramsText(s.params)));
    return tr;
  });
  document.querySelector('#schedules tbody').replaceChildren(...rows);
  if (schedules.length === 0) {
    document.querySelector('#schedules tbody').appendChild(el('tr'))
        .appendChild(el('td', 'no schedules; weft schedule apply FILE adds one', { colspan: '8' }));
  }
}

refresh();
setInterval(refresh, 2000);
