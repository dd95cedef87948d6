// Restore in progress: the newest restore (or the one named in the address, #restore?ID), its
// phase, each master's own phase from its journal, and the outage clock, every second.
import { el, table, summary } from './dom.js';
import { status, statusClass, time, duration } from './format.js';

export const title = 'Restore';
export const refreshMs = 1000;
const PHASES = ['staged', 'stopping', 'stopped', 'swapping', 'swapped', 'started', 'done'];
const OUTAGE = new Set(['stopping', 'stopped', 'swapping', 'swapped', 'started']);

function newestRestore(backups) {
  let newest = null;
  for (const b of backups) {
    for (const r of b.restores || []) {
      if (!newest || (r.timestamp || '') > (newest.timestamp || '')) newest = r;
    }
  }
  return newest;
}

function phaseBar(phase) {
  const at = PHASES.indexOf(phase);
  return el('div', { class: 'phases' }, PHASES.map((name, i) => el('span', {
    class: phase === 'rolled_back' ? 'rolled' : i < at ? 'done' : i === at ? (name === 'done' ? 'done' : 'now') : '',
  }, phase === 'rolled_back' && i === 0 ? 'rolled back' : name)));
}

// The outage as this page saw it: from the first moment a master was past staging, until the
// record's own figure once the restore ends.
function outage(progress, state) {
  const r = progress.record;
  if (Number(r.outage_ms) > 0) return `${(Number(r.outage_ms) / 1000).toFixed(1)} s (measured by the driver)`;
  const out = progress.masters.some(m => OUTAGE.has(m.phase));
  if (out && !state.outageSince) state.outageSince = Date.now();
  if (!state.outageSince) return 'no server stopped yet';
  return duration(Date.now() - state.outageSince) + (r.status === 'STATUS_RESTORING' ? ' and counting' : '');
}

export async function render(api, state) {
  const named = location.hash.split('?')[1];
  if (named !== state.named) { state.named = named; state.outageSince = 0; state.seen = []; }
  let id = named;
  if (!id) {
    const newest = newestRestore((await api.get('/v1/backups')).backups || []);
    if (!newest) return el('div', {}, el('h1', {}, 'Restore'), el('p', { class: 'muted' }, 'No restore has run yet.'));
    id = newest.id;
  }
  const progress = await api.get('/v1/restores/' + encodeURIComponent(id));
  const r = progress.record;
  // Every phase this page has watched the restore pass through, in order.
  state.seen ||= [];
  if (r.phase && state.seen[state.seen.length - 1] !== r.phase) state.seen.push(r.phase);
  const whole = (r.masters || []).length > 0 && r.component_status?.zookeeper;
  return el('div', { 'data-restore': r.id, 'data-status': status(r.status) },
    el('h1', {}, 'Restore ', el('code', {}, r.id)),
    summary([
      ['status', status(r.status), statusClass(r.status)],
      ['phase', r.phase || ''],
      ['backup', progress.backup_label || r.backup_id],
      ['driver', r.driver || ''],
      ['started', time(r.timestamp)],
      ['duration', r.duration_seconds ? r.duration_seconds.toFixed(1) + ' s' : ''],
    ]),
    whole ? el('div', { class: 'card' }, el('span', { class: 'label muted' }, 'outage '),
      el('span', { class: 'clock', id: 'outage' }, outage(progress, state))) : null,
    r.reason ? el('p', { class: status(r.status) === 'ERROR' ? 'error' : 'muted' }, r.reason) : null,
    r.target_zxid ? el('p', {}, `Point in time: zxid ${r.target_zxid} (${time(r.target_time)}), ${r.segments} segments replayed.`) : null,
    r.discarded ? el('p', { class: 'warn' }, 'Discarded: ' + r.discarded) : null,
    el('h2', {}, 'Masters'),
    table([
      ['master', m => el('strong', {}, m.master)],
      ['phase', m => m.reachable ? (m.phase ? phaseBar(m.phase) : el('span', { class: 'muted' }, 'no journal (an online restore runs on the driver)'))
        : el('span', { class: 'bad' }, 'unreachable: ' + m.error)],
      ['since', m => time(m.updated_at)],
      ['detail', m => m.detail || ''],
    ], progress.masters, m => ({ 'data-master': m.master, 'data-phase': m.phase || '' })),
    el('p', { class: 'muted', id: 'seen-phases' }, 'Phases seen here: ', state.seen.join(' → ')),
    el('p', { class: 'muted' }, 'Start one: ', el('code', {}, 'lockstep backup restore ID --component zookeeper --yes --wait')));
}
