// Restorable window: the continuous archive as a timeline. Chains (a base backup and the
// segments that follow it without a hole) are green bars, bases blue marks, breaks red lines,
// the archive's lag amber up to now. Hovering names the time (and the zxids of what is under the
// pointer); choosing a point asks the API what a restore to it would use (nothing is changed)
// and shows the command that would do it.
import { el, svg, summary, table } from './dom.js';
import { ago, time, duration } from './format.js';

export const title = 'Restorable window';
export const refreshMs = 5000;
const W = 1000, H = 190, LEFT = 20, RIGHT = 980, BAR_Y = 70, BAR_H = 40;

function scale(from, to) {
  const span = Math.max(1, to - from);
  return {
    x: t => LEFT + (RIGHT - LEFT) * (t - from) / span,
    t: x => from + span * (x - LEFT) / (RIGHT - LEFT),
  };
}

function ticks(from, to, s) {
  const out = [];
  for (let i = 0; i <= 4; i++) {
    const t = from + (to - from) * i / 4;
    out.push(svg('line', { class: 'axis', x1: s.x(t), x2: s.x(t), y1: 150, y2: 155 }),
      svg('text', { class: 'tick', x: s.x(t), y: 170, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' },
        new Date(t).toISOString().slice(11, 19) + 'Z'));
  }
  return out;
}

// What lies under time `t`: a chain (and its zxids), or nothing restorable. `slack`: how much
// time a few pixels span, so a chain drawn narrower than the pointer can still be hovered.
function describe(t, archive, slack) {
  for (const c of (archive.chains || []).slice().reverse()) {
    if (t >= Date.parse(c.base_time) - slack && t <= Date.parse(c.end_time) + slack) {
      return `chain from base ${c.base} (zxid ${c.base_zxid}, ${time(c.base_time)}) to zxid ${c.end_zxid} (${time(c.end_time)}), ${c.segments} segments`;
    }
  }
  return 'not restorable: no chain covers this moment';
}

function drawing(archive, bases, state, onChoose, onHover) {
  const now = Date.now();
  const times = [now - 60000];
  for (const c of archive.chains || []) times.push(Date.parse(c.base_time));
  for (const b of bases) times.push(Date.parse(b.timestamp));
  for (const k of archive.breaks || []) times.push(Date.parse(k.at));
  const from = Math.min(...times.filter(t => !Number.isNaN(t)));
  const s = scale(from - (now - from) * 0.02, now);
  // The pointer in the drawing's own coordinates, however the page scaled it.
  const pick = e => {
    const at = new DOMPoint(e.clientX, e.clientY).matrixTransform(e.currentTarget.getScreenCTM().inverse());
    return Math.min(now, s.t(at.x));
  };
  // Not yet archived: what the server committed after the archiver last caught up.
  const caughtUp = archive.lag_seconds === undefined ? NaN : now - archive.lag_seconds * 1000;
  return svg('svg', { class: 'timeline', viewBox: `0 0 ${W} ${H}`, id: 'timeline',
    onmousemove: e => onHover(pick(e), s.t(LEFT + 3) - s.t(LEFT)), onclick: e => onChoose(pick(e)) },
    svg('line', { class: 'axis', x1: LEFT, x2: RIGHT, y1: 150, y2: 150 }),
    ticks(s.t(LEFT), now, s),
    Number.isNaN(caughtUp) ? null : svg('rect', { class: 'lag', x: s.x(caughtUp), y: BAR_Y, width: Math.max(1, s.x(now) - s.x(caughtUp)), height: BAR_H },
      svg('title', {}, `not yet archived: lag ${archive.lag_seconds?.toFixed(1)} s`)),
    (archive.chains || []).map(c => svg('rect', {
      class: 'chain', 'data-base': c.base, x: s.x(Date.parse(c.base_time)), y: BAR_Y,
      width: Math.max(2, s.x(Date.parse(c.end_time)) - s.x(Date.parse(c.base_time))), height: BAR_H })),
    bases.map(b => svg('path', { class: 'base', 'data-backup': b.id,
      d: `M${s.x(Date.parse(b.timestamp))} ${BAR_Y - 14} l6 8 l-6 8 l-6 -8 z` },
      svg('title', {}, `base ${b.label}: zxid ${b.component_status.zookeeper.last_zxid}, ${time(b.timestamp)}`))),
    (archive.breaks || []).map(k => svg('line', { class: 'break', 'data-break': k.after_zxid,
      x1: s.x(Date.parse(k.at)), x2: s.x(Date.parse(k.at)), y1: BAR_Y - 22, y2: BAR_Y + BAR_H + 12 },
      svg('title', {}, `break: nothing archived after zxid ${k.after_zxid} until ${k.resumes_at} (${time(k.at)})`))),
    state.chosen ? svg('line', { class: 'chosen', x1: s.x(state.chosen), x2: s.x(state.chosen), y1: 40, y2: 140 }) : null,
    svg('line', { class: 'now', x1: s.x(now), x2: s.x(now), y1: 30, y2: 150 }),
    svg('text', { class: 'legend', x: LEFT, y: 20 },
      'green: restorable chain · blue: base backup · red: break · amber: not yet archived · click to choose a point'));
}

async function planFor(api, state) {
  const query = state.latest ? 'latest=1' : 'to_time=' + encodeURIComponent(time(Math.floor(state.chosen / 1000) * 1000));
  try {
    return { plan: await api.get('/v1/archive/plan?' + query) };
  } catch (e) {
    return { error: e.message };
  }
}

function planCard(state, result) {
  const target = state.latest ? '--latest' : '--to-time ' + time(Math.floor(state.chosen / 1000) * 1000);
  const command = `lockstep backup restore --component zookeeper ${target} --dry-run`;
  if (result.error) {
    return el('div', { class: 'card', id: 'plan' }, el('h2', {}, 'Restore to ' + target),
      el('p', { class: 'error' }, result.error));
  }
  const p = result.plan;
  return el('div', { class: 'card', id: 'plan' },
    el('h2', {}, 'Restore to ' + target),
    summary([
      ['target zxid', p.target_zxid], ['its time', time(p.target_time)],
      ['base', p.backup_id], ['base zxid', p.backup_zxid], ['segments replayed', String((p.segments || []).length)],
    ]),
    p.beyond_archive ? el('p', { class: 'warn' }, 'No transaction was archived between the target and that moment: the restore goes to the last one before it.') : null,
    p.discarded ? el('p', { class: 'warn' }, 'Also lost: ' + p.discarded) : null,
    el('p', {}, 'Plan it everywhere (stages on every master, stops nothing), then run it without --dry-run and with --yes:'),
    el('pre', { class: 'command' }, command),
    el('p', { class: 'muted' }, 'The console changes nothing: an admin runs the command.'));
}

export async function render(api, state, rerender) {
  const [archive, list] = await Promise.all([api.get('/v1/archive/status'), api.get('/v1/backups')]);
  const bases = (list.backups || []).filter(b => b.status === 'STATUS_READY' && b.component_status?.zookeeper?.last_zxid);
  const hover = el('p', { id: 'hover', class: 'muted' }, 'Hover over the timeline.');
  const onHover = (t, slack) => {
    hover.textContent = `${time(Math.floor(t / 1000) * 1000)}: ${describe(t, archive, slack)}`;
  };
  const choose = t => { state.chosen = t; state.latest = false; state.plan = null; rerender(); };
  if ((state.chosen || state.latest) && !state.plan) state.plan = await planFor(api, state);
  return el('div', {},
    el('h1', {}, 'Restorable window'),
    summary([
      ['state', archive.state || ''],
      ['from', archive.earliest_time ? ago(archive.earliest_time) : 'nothing restorable yet'],
      ['to', archive.latest_time ? time(archive.latest_time) : ''],
      ['lag', archive.lag_seconds !== undefined ? archive.lag_seconds.toFixed(1) + ' s' : ''],
      ['chains', String((archive.chains || []).length)],
      ['breaks', String((archive.breaks || []).length), (archive.breaks || []).length ? 'warn' : 'ok'],
      ['segments', String(archive.segments || 0)],
    ]),
    archive.adopting ? el('p', { class: 'warn' }, archive.adopting) : null,
    drawing(archive, bases, state, choose, onHover),
    hover,
    el('div', { class: 'toolbar' }, el('button', { type: 'button', id: 'choose-latest',
      onclick: () => { state.latest = true; state.chosen = null; state.plan = null; rerender(); } }, 'Latest')),
    state.plan ? planCard(state, state.plan) : null,
    el('h2', {}, 'Breaks'),
    (archive.breaks || []).length === 0 ? el('p', { class: 'muted' }, 'none: every chain is whole') :
      table([
        ['after zxid', k => el('code', {}, k.after_zxid)], ['resumes at', k => el('code', {}, k.resumes_at)],
        ['at', k => time(k.at)],
      ], archive.breaks),
    el('h2', {}, 'Chains'),
    table([
      ['base', c => el('code', {}, c.base)], ['from', c => `${c.base_zxid} (${time(c.base_time)})`],
      ['to', c => `${c.end_zxid} (${time(c.end_time)})`], ['segments', c => String(c.segments)],
      ['span', c => duration(Date.parse(c.end_time) - Date.parse(c.base_time))],
    ], archive.chains || []));
}
