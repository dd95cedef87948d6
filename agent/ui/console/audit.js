// Audit: who did what on every master (an admin token's page), filterable by any word.
import { el, table } from './dom.js';
import { time } from './format.js';

export const title = 'Audit';
export const refreshMs = 15000;

export async function render(api, state, rerender) {
  let log;
  try {
    log = await api.get('/v1/audit');
  } catch (e) {
    if (e.status !== 403) throw e;
    return el('div', {}, el('h1', {}, 'Audit'),
      el('p', { class: 'warn', role: 'alert' }, 'The audit log needs an admin token. ' + e.message));
  }
  const words = (state.filter || '').toLowerCase().split(/\s+/).filter(Boolean);
  const rows = (log.entries || []).slice().reverse()
    .filter(e => words.every(w => Object.values(e).join(' ').toLowerCase().includes(w)));
  const input = el('input', { type: 'text', id: 'audit-filter', placeholder: 'filter: token, master, operation, status…', value: state.filter || '' });
  return el('div', {},
    el('h1', {}, 'Audit'),
    el('form', { class: 'toolbar', onsubmit: e => { e.preventDefault(); state.filter = input.value; rerender(); } },
      input, el('button', { type: 'submit' }, 'Filter'), el('span', { class: 'muted' }, `${rows.length} entries, newest first`)),
    (log.missing || []).length ? el('p', { class: 'warn' }, 'Not read: ' + log.missing.join('; ')) : null,
    table([
      ['time', e => time(e.time)], ['master', e => e.master], ['token', e => `${e.token} (${e.role})`],
      ['operation', e => el('code', {}, e.operation)], ['target', e => e.target],
      ['status', e => el('span', { class: e.status >= 400 ? 'bad' : 'ok' }, `${e.status} ${e.code || ''}`)],
      ['from', e => e.via ? `${e.remote} via ${e.via}` : e.remote],
    ], rows));
}
