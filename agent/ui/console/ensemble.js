// Ensemble: every master as the agents see it, every two seconds. A master whose agent stops
// answering (or whose server's probe is old) turns grey and says for how long.
import { el, table, summary } from './dom.js';
import { ago, duration } from './format.js';

export const title = 'Ensemble';
export const refreshMs = 2000;
const STALE_PROBE_MS = 10000;

function serverCell(zk) {
  const serving = zk.code === 3;
  return el('span', { class: serving ? 'ok' : 'bad' },
    `${zk.code} ${zk.description || ''}`, zk.maintenance ? ' (maintenance)' : '');
}

export async function render(api, state) {
  const status = await api.get('/v1/cluster/status');
  const now = Date.now();
  state.lastSeen ||= {};
  for (const m of status.masters) {
    if (m.agent_reachable) state.lastSeen[m.name] = now;
    else state.lastSeen[m.name] ||= now;  // unreachable since this page first looked
  }
  const staleFor = m => {
    if (!m.agent_reachable) return now - state.lastSeen[m.name];
    const probed = Date.parse(m.zk?.probed_at || '');
    return Number.isNaN(probed) || now - probed < STALE_PROBE_MS ? 0 : now - probed;
  };
  const healthy = status.quorum && status.leaders === 1 && status.serving === status.masters.length;
  return el('div', {},
    el('h1', {}, 'Ensemble'),
    summary([
      ['health', healthy ? 'healthy' : (status.quorum ? 'degraded' : 'NO QUORUM'),
        healthy ? 'ok' : (status.quorum ? 'warn' : 'bad')],
      ['serving', `${status.serving} of ${status.masters.length}`],
      ['leader', status.leader || 'none'],
      ['coordinator', status.coordinator || 'none'],
      ['operation', status.current_operation || 'none'],
    ]),
    table([
      ['master', m => el('span', {}, el('strong', {}, m.name), ' ',
        m.name === status.coordinator ? el('span', { class: 'pill' }, 'coordinator') : '')],
      ['agent', m => m.agent_reachable
        ? el('span', { class: 'ok' }, 'up ', el('span', { class: 'muted' }, m.version || ''))
        : el('span', { class: 'bad' }, `STALE ${duration(staleFor(m))}: ${m.error || 'no answer'}`)],
      // A silent agent says nothing of its server: unknown, not down.
      ['ZooKeeper', m => m.agent_reachable ? serverCell(m.zk || {}) : el('span', { class: 'muted' }, 'unknown')],
      ['mode', m => m.zk?.mode || ''],
      ['zxid', m => el('code', {}, m.zk?.zxid || '')],
      ['znodes', m => m.agent_reachable ? (m.zk?.node_count ?? '') : ''],
      ['leader', m => m.zk?.is_leader ? 'leader' : ''],
      ['probed', m => {
        const stale = staleFor(m);
        return stale && m.agent_reachable
          ? el('span', { class: 'bad' }, 'STALE ' + ago(m.zk.probed_at, now))
          : ago(m.zk?.probed_at, now);
      }],
      ['agent URL', m => el('code', {}, m.address)],
    ], status.masters, m => ({ class: staleFor(m) ? 'stale' : '', 'data-master': m.name })),
    el('p', { class: 'muted' }, 'Stop or start a server: ',
      el('code', {}, 'lockstep node stop-zk NAME'), ' / ', el('code', {}, 'lockstep node start-zk NAME'),
      '. Answered by ', status.answered_by, '.'));
}
