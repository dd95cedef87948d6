// Backups: the catalog, filterable by label prefix, and one backup's record with its restores.
import { el, table, summary } from './dom.js';
import { ago, bytes, status, statusClass, verification, time } from './format.js';

export const title = 'Backups';
export const refreshMs = 10000;

function statusCell(name, reason) {
  return el('span', { class: statusClass(name), title: reason || '' }, status(name));
}

function detail(b) {
  const zk = b.component_status?.zookeeper;
  return el('div', { class: 'card', id: 'backup-detail' },
    el('h2', {}, b.id),
    summary([
      ['status', status(b.status), statusClass(b.status)],
      ['mode', b.mode],
      ['size', bytes(b.size_bytes)],
      ['zxid', zk?.last_zxid || ''],
      ['znodes', zk?.node_count ?? ''],
      ['verification', verification(b.verification)],
    ]),
    b.reason ? el('p', { class: 'error' }, b.reason) : null,
    b.verification?.reason ? el('p', { class: b.verification.passed ? 'muted' : 'error' }, b.verification.reason) : null,
    el('h2', {}, 'Components'),
    table([
      ['component', ([name]) => name],
      ['status', ([, c]) => statusCell(c.status, c.reason)],
      ['source', ([, c]) => c.source || ''],
      ['zxid / root', ([, c]) => c.last_zxid || c.root || ''],
      ['nodes', ([, c]) => c.node_count ?? ''],
    ], Object.entries(b.component_status || {})),
    el('h2', {}, 'Replicas'),
    table([
      ['master', r => r.master], ['stored', r => time(r.stored_at)], ['sha256', r => el('code', {}, r.sha256)],
    ], b.replicas || []),
    el('h2', {}, 'Restores'),
    (b.restores || []).length === 0 ? el('p', { class: 'muted' }, 'never restored') :
      table([
        ['restore', r => el('a', { href: '#restore?' + r.id }, r.id)],
        ['started', r => time(r.timestamp)],
        ['status', r => statusCell(r.status, r.reason)],
        ['phase', r => r.phase],
        ['outage', r => Number(r.outage_ms) > 0 ? (Number(r.outage_ms) / 1000).toFixed(1) + ' s' : ''],
        ['what', r => r.path ? 'subtree ' + r.path : Object.keys(r.component_status || {}).join(', ')],
      ], b.restores),
    el('p', { class: 'muted' }, 'Verify it: ', el('code', {}, `lockstep backup verify --deep ${b.id}`),
      ' · restore it: ', el('code', {}, `lockstep backup restore ${b.id} --dry-run`)));
}

export async function render(api, state, rerender) {
  const prefix = state.prefix || '';
  const list = await api.get('/v1/backups' + (prefix ? '?prefix=' + encodeURIComponent(prefix) : ''));
  const rows = (list.backups || []).slice().sort((a, b) => (b.timestamp || '').localeCompare(a.timestamp || ''));
  const now = Date.now();
  const filter = el('input', { type: 'text', id: 'prefix', placeholder: 'label prefix', value: prefix });
  const apply = e => { e.preventDefault(); state.prefix = filter.value.trim(); rerender(); };
  const chosen = rows.find(b => b.id === state.chosen);
  return el('div', {},
    el('h1', {}, 'Backups'),
    el('form', { class: 'toolbar', onsubmit: apply }, filter, el('button', { type: 'submit' }, 'Filter'),
      el('span', { class: 'muted' }, `${rows.length} backup${rows.length === 1 ? '' : 's'}`)),
    table([
      ['label', b => el('span', {}, el('strong', {}, b.label), el('br'), el('code', { class: 'muted' }, b.id))],
      ['status', b => statusCell(b.status, b.reason || b.progress)],
      ['created', b => el('span', { title: time(b.timestamp) }, ago(b.timestamp, now))],
      ['size', b => bytes(b.size_bytes)],
      ['source', b => b.component_status?.zookeeper?.source || b.mode],
      ['replicas', b => String((b.replicas || []).length)],
      ['remote copy', b => b.remote?.status ? statusCell(b.remote.status, b.remote.reason) : 'none'],
      ['encryption', b => b.encryption || 'none'],
      ['verification', b => el('span', { class: b.verification ? (b.verification.passed ? 'ok' : 'bad') : 'muted' },
        verification(b.verification, now))],
    ], rows, b => ({ class: 'clickable', 'data-backup': b.id,
      onclick: () => { state.chosen = b.id; rerender(); } })),
    chosen ? detail(chosen) : el('p', { class: 'muted' }, 'Choose a backup to see its record and restores.'));
}
