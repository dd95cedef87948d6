// The console's frame: the token (kept in this tab's sessionStorage only, sent as a Bearer
// header, never in a URL), the API calls, the page switcher and the refresh loop. Pages are
// modules exporting `title`, `refreshMs` and `render(api, page, state)`; they only read.
import { el } from './dom.js';
import { ago } from './format.js';
import * as ensemble from './ensemble.js';
import * as backups from './backups.js';
import * as windowPage from './window.js';
import * as restore from './restore.js';
import * as audit from './audit.js';

const PAGES = { ensemble, backups, window: windowPage, restore, audit };
const TOKEN_KEY = 'lockstep.token';
// The API lives beside /ui/, under whatever prefix a proxy put before it.
const API_BASE = location.pathname.replace(/\/ui(\/.*)?$/, '');

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

// GET `path` (with its query) as JSON; an ApiError carrying the agent's own message otherwise.
async function get(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  let response;
  try {
    response = await fetch(API_BASE + path, {
      headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' },
      cache: 'no-store', credentials: 'omit', redirect: 'error',
    });
  } catch (e) {
    throw new ApiError(0, 'the agent did not answer (' + e.message + ')');
  }
  const text = await response.text();
  let body = {};
  try { body = text ? JSON.parse(text) : {}; } catch { body = { error: text }; }
  if (!response.ok) throw new ApiError(response.status, body.error || response.statusText);
  return body;
}

const api = { get };
let current = null;      // { name, state, timer }
let lastAnswer = 0;      // when the API last answered, for the status line

function show(section) {
  for (const id of ['login', 'page']) document.getElementById(id).hidden = id !== section;
  document.getElementById('nav').hidden = section !== 'page';
  document.getElementById('signout').hidden = section !== 'page';
}

async function signIn(event) {
  event.preventDefault();
  const input = document.getElementById('token');
  const error = document.getElementById('login-error');
  sessionStorage.setItem(TOKEN_KEY, input.value.trim());
  input.value = '';
  try {
    const status = await get('/v1/cluster/status');
    error.textContent = '';
    document.getElementById('who').textContent = 'agent ' + (status.answered_by || '');
    route();
  } catch (e) {
    // Nothing is shown for a token the agent refused, and it is not kept.
    sessionStorage.removeItem(TOKEN_KEY);
    error.textContent = e.status === 401 || e.status === 403
      ? 'The agent refused this token: ' + e.message : e.message;
  }
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  if (current) clearTimeout(current.timer);
  current = null;
  document.getElementById('page').replaceChildren();
  document.getElementById('who').textContent = '';
  show('login');
}

async function refresh() {
  if (!current) return;
  const mine = current;
  const page = PAGES[mine.name];
  const container = document.getElementById('page');
  try {
    const content = await page.render(api, mine.state, () => refresh());
    if (current !== mine) return;
    container.replaceChildren(content);
    lastAnswer = Date.now();
    container.dataset.loaded = mine.name;
  } catch (e) {
    if (current !== mine) return;
    if (e.status === 401) { signOut(); return; }
    container.replaceChildren(el('h1', {}, page.title),
      el('p', { class: 'error', role: 'alert' }, e.message));
    container.dataset.loaded = mine.name;
  }
  clearTimeout(mine.timer);
  if (page.refreshMs) mine.timer = setTimeout(refresh, page.refreshMs);
}

function route() {
  if (!sessionStorage.getItem(TOKEN_KEY)) { show('login'); return; }
  const name = (location.hash.slice(1).split('?')[0]) || 'ensemble';
  if (!PAGES[name]) { location.hash = '#ensemble'; return; }
  if (current) clearTimeout(current.timer);
  current = { name, state: {}, timer: null };
  for (const link of document.querySelectorAll('#nav a')) {
    link.classList.toggle('current', link.dataset.page === name);
  }
  document.title = PAGES[name].title + ' · Lockstep';
  document.getElementById('page').dataset.loaded = '';
  show('page');
  refresh();
}

// The footer says when the data was last fresh, and turns red when the agent stops answering.
function tickStatusLine() {
  const line = document.getElementById('status-line');
  if (!current || !lastAnswer) { line.textContent = ''; return; }
  const age = Date.now() - lastAnswer;
  const stale = age > 3 * (PAGES[current.name].refreshMs || 60000);
  line.classList.toggle('stale', stale);
  line.textContent = (stale ? 'STALE: the agent last answered ' : 'updated ') + ago(lastAnswer);
}

document.getElementById('login-form').addEventListener('submit', signIn);
document.getElementById('signout').addEventListener('click', signOut);
window.addEventListener('hashchange', route);
setInterval(tickStatusLine, 1000);
route();
