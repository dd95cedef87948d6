// How values read on the console: ages, sizes, statuses.
export function ago(time, now = Date.now()) {
  if (!time) return '';
  const ms = typeof time === 'number' ? time : Date.parse(time);
  if (Number.isNaN(ms)) return time;
  return duration(Math.max(0, now - ms)) + ' ago';
}

export function duration(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
  return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h';
}

export function bytes(n) {
  n = Number(n || 0);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

// STATUS_READY -> READY
export function status(name) { return (name || 'STATUS_UNKNOWN').replace(/^STATUS_/, ''); }

export function statusClass(name) {
  const s = status(name);
  if (s === 'READY') return 'ok';
  if (s === 'ERROR') return 'bad';
  return 'warn';
}

export function time(t) {
  if (!t) return '';
  const d = typeof t === 'number' ? new Date(t) : new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString().replace('.000Z', 'Z');
}

// A verification as one phrase: "deep ok 2h ago", "quick FAILED 5m ago".
export function verification(v, now = Date.now()) {
  if (!v || !v.verified_at) return 'never';
  const result = v.passed ? 'ok' : 'FAILED';
  return `${v.kind} ${result} ${ago(v.verified_at, now)}`;
}
