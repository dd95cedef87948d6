#!/usr/bin/env node
// The web console in a real browser: Debian's chromium, headless, driven by puppeteer-core,
// against a real sandbox (three ZooKeeper servers, three agents on 127.0.1.1-3). The state is made
// with the `lockstep` CLI, as an operator would; what the pages show is checked against what the
// API and the CLI say, never against fixed values. Screenshots of every page go to --artifacts.
//
// Usage: console-test.js --sandbox PATH --cli PATH --dir DIR --artifacts DIR [--keep]
// (ctest runs it as console_tests.)
'use strict';
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { Console, log, check, waitFor } = require('./browser.js');

const args = parseArgs(process.argv.slice(2));
const HOSTS = ['127.0.1.1', '127.0.1.2', '127.0.1.3'];
const SNAP_COUNT = 100;
const PYTHON = '/usr/bin/python3';  // Debian's, with python3-kazoo
const JAVA = '/usr/bin/java';

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (name === 'keep') out[name] = true;
    else out[name] = argv[++i];
  }
  for (const needed of ['sandbox', 'cli', 'dir', 'artifacts']) {
    if (!out[needed]) throw new Error(`console-test: --${needed} is required`);
  }
  return out;
}

function run(file, argv, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(file, argv, { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${argv.join(' ')}: exit ${error.code}\n${stderr}${stdout}`));
      else resolve(stdout);
    });
  });
}

// A port free on every master's address, and ZooKeeper's two peer ports after it (+707, +1707).
async function freePorts() {
  const bindable = (host, port) => new Promise(resolve => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
  for (let attempt = 0; attempt < 200; attempt++) {
    const agent = 20000 + Math.floor(Math.random() * 8000);
    const zk = agent + 1;
    const wanted = [agent, zk, zk + 707, zk + 1707];
    let free = true;
    for (const host of HOSTS) for (const port of wanted) free = free && await bindable(host, port);
    if (free) return { agent, zk };
  }
  throw new Error('no free ports on 127.0.1.1-3');
}

function readEnv(file) {
  const env = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^([A-Z_]+)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

async function main() {
  const ports = await freePorts();
  const dir = path.resolve(args.dir);
  fs.rmSync(dir, { recursive: true, force: true });
  log(`sandbox in ${dir}: agents on :${ports.agent}, ZooKeeper on :${ports.zk}`);
  // A small snapCount, so that a few hundred writes make enough snapshots for a purge to open a
  // hole in the logs (makeBreak).
  await run(args.sandbox, ['up', '--dir', dir, '--masters', '3', '--agent-port', String(ports.agent),
    '--zk-port', String(ports.zk), '--snap-count', String(SNAP_COUNT)]);
  let browser;
  try {
    const env = readEnv(path.join(dir, 'cluster.env'));
    const cli = (...argv) => run(args.cli, ['--json', ...argv], env);
    const viewer = fs.readFileSync(env.LOCKSTEP_VIEWER_TOKEN_FILE, 'utf8').trim();
    const admin = fs.readFileSync(env.LOCKSTEP_TOKEN_FILE, 'utf8').trim();
    const url = env.LOCKSTEP_CLUSTER.split(',')[0].replace(/\/?$/, '/');
    await checkHeaders(url);
    browser = await Console.open(url, args.artifacts);
    await scenario(browser, cli, viewer, admin, dir, () => makeBreak(dir, env.LOCKSTEP_ZK));
    check(browser.problems.length === 0, 'no script error and no refused resource: ' + browser.problems.join('; '));
  } finally {
    if (browser) await browser.close();
    if (!args.keep) await run(args.sandbox, ['down', '--dir', dir]).catch(e => log(e.message));
  }
}

// A hole in the archive, as operators meet one: while every agent is stopped (SIGSTOP), enough
// writes for several snapshots, then ZooKeeper's own purge (what autopurge runs) on every
// server, so no log holds what followed the archive's end any more.
async function makeBreak(dir, zk) {
  const agents = [1, 2, 3].map(i => Number(fs.readFileSync(path.join(dir, `m${i}`, 'agent.pid'), 'utf8')));
  agents.forEach(pid => process.kill(pid, 'SIGSTOP'));
  try {
    await run(PYTHON, ['-c', `
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1], timeout=20)
zk.start(timeout=20)
zk.ensure_path('/console-test')
for i in range(int(sys.argv[2])):
    zk.create('/console-test/w', b'x' * 64, sequence=True)
zk.stop()
`, zk, String(8 * SNAP_COUNT)]);
    for (const i of [1, 2, 3]) {
      const data = path.join(dir, `m${i}`, 'zk');
      await run(JAVA, ['-cp', '/etc/zookeeper/conf:/usr/share/java/zookeeper.jar',
        'org.apache.zookeeper.server.PurgeTxnLog', data + '/datalog', data + '/data', '-n', '3']);
    }
  } finally {
    agents.forEach(pid => process.kill(pid, 'SIGCONT'));
  }
}

// The page and its files carry the headers that keep them safe.
async function checkHeaders(url) {
  const page = await fetch(url + 'ui/');
  const csp = page.headers.get('content-security-policy') || '';
  check(page.status === 200 && (page.headers.get('content-type') || '').startsWith('text/html'), 'GET /ui/ is the page');
  check(/script-src 'self'/.test(csp) && !/unsafe-inline/.test(csp) && /frame-ancestors 'none'/.test(csp),
    `a strict Content-Security-Policy: ${csp}`);
  check(page.headers.get('x-content-type-options') === 'nosniff', 'X-Content-Type-Options: nosniff');
  const script = await fetch(url + 'ui/app.js');
  check(script.status === 200 && script.headers.get('content-type').startsWith('text/javascript'), 'scripts are served as JavaScript');
  const missing = await fetch(url + 'ui/..%2Fagent.toml');
  check(missing.status === 404, `a name outside the console is not found (${missing.status})`);
  const data = await fetch(url + 'v1/cluster/status');
  check(data.status === 401, `the API still needs a token (${data.status})`);
}

async function scenario(ui, cli, viewer, admin, dir, makeBreak) {
  // A wrong token shows nothing and is not kept.
  await ui.signIn('not-a-token-of-this-cluster');
  await waitFor('the refusal', async () => (await ui.text('#login-error')).includes('refused'));
  check(await ui.page.$eval('#page', e => e.hidden && e.childElementCount === 0), 'a wrong token shows no page');
  check(await ui.page.evaluate(() => sessionStorage.getItem('lockstep.token')) === null, 'a refused token is not kept');

  // Ensemble: three serving masters, as the CLI sees them.
  await ui.signIn(viewer);
  await ui.show('ensemble');
  const status = JSON.parse(await cli('cluster', 'status'));
  await waitFor('three serving masters on the page', async () => {
    const rows = await ui.page.$$eval('tr[data-master]', trs => trs.map(tr => tr.textContent));
    return rows.length === status.masters.length && rows.every(r => r.includes('3 serving'));
  });
  check((await ui.text('#page')).includes(status.leader), `the leader ${status.leader} is named`);
  await ui.shot('ensemble');

  // A master whose agent stops answering turns stale on the page, saying for how long.
  const quiet = Number(fs.readFileSync(path.join(dir, 'm3', 'agent.pid'), 'utf8'));
  process.kill(quiet, 'SIGSTOP');
  try {
    const stale = await waitFor('m3 shown stale with how long', async () => {
      const text = await ui.text('tr[data-master="m3"]');
      const cls = await ui.page.$eval('tr[data-master="m3"]', tr => tr.className).catch(() => '');
      return /STALE \d+s/.test(text) && cls.includes('stale') ? text : null;
    }, 30000);
    log('m3 while its agent is stopped:', stale);
    await ui.shot('ensemble-stale');
  } finally {
    process.kill(quiet, 'SIGCONT');
  }
  await waitFor('m3 answering again on the page', async () =>
    !(await ui.text('tr[data-master="m3"]')).includes('STALE'), 30000);

  // Backups: a READY backup with its drill (a deep verification) result.
  const made = JSON.parse(await cli('backup', 'create', '--label', 'console-first', '--wait'));
  await cli('backup', 'verify', '--deep', made.id);
  await ui.show('backups');
  const row = `tr[data-backup="${made.id}"]`;
  await waitFor('the backup READY with its deep verification', async () => {
    const text = await ui.text(row);
    return text.includes('READY') && text.includes('deep ok');
  });
  await ui.page.click(row);
  await ui.page.waitForSelector('#backup-detail');
  check((await ui.text('#backup-detail')).includes(made.component_status.zookeeper.last_zxid), 'its record shows its zxid');
  await ui.shot('backups');

  // Audit: the viewer is told it needs an admin token; the admin sees who made the backup.
  await ui.show('audit');
  check((await ui.text('#page')).includes('needs an admin token'), 'the audit log is refused to a viewer');
  await ui.signOut();
  await ui.signIn(admin);
  await ui.show('audit');
  await waitFor('the backup in the audit log', async () => (await ui.text('#page')).includes('POST /v1/backups'));
  await ui.shot('audit');
  await ui.signOut();
  await ui.signIn(viewer);

  // A break in the archive, and the base the coordinator then takes to begin a new chain.
  await makeBreak();
  const archive = await waitFor('a break and a chain after it', async () => {
    const a = JSON.parse(await cli('archive', 'status'));
    const after = (a.chains || []).find(c => (a.breaks || []).some(k => c.base_time >= k.at));
    return (a.breaks || []).length > 0 && after ? a : null;
  }, 120000);

  // Restore: a whole-ensemble restore's phases appear on the page while it runs.
  await ui.show('restore');
  const restore = cli('backup', 'restore', made.id, '--component', 'zookeeper', '--yes', '--wait');
  const seen = new Set();
  let sawRestoring = false;
  let midShot = false;
  let finished = false;
  restore.finally(() => { finished = true; }).catch(() => {});
  while (!finished) {
    const phases = await ui.page.$$eval('tr[data-phase]', trs => trs.map(tr => tr.dataset.phase)).catch(() => []);
    phases.forEach(p => p && seen.add(p));
    sawRestoring ||= await ui.page.$eval('[data-status]', e => e.dataset.status === 'RESTORING').catch(() => false);
    if (!midShot && phases.some(p => ['stopping', 'stopped', 'swapping', 'swapped', 'started'].includes(p))) {
      midShot = true;
      await ui.shot('restore-running');
    }
    await new Promise(r => setTimeout(r, 150));
  }
  const record = JSON.parse(await restore);
  check(record.status === 'STATUS_READY', `the restore ${record.id} is READY`);
  await waitFor('every master done on the page', async () => {
    const phases = await ui.page.$$eval('tr[data-phase]', trs => trs.map(tr => tr.dataset.phase));
    phases.forEach(p => p && seen.add(p));
    return phases.length === 3 && phases.every(p => p === 'done') &&
      (await ui.text('#page')).includes(record.id);
  });
  log('phases the page showed:', [...seen].join(', '));
  check(sawRestoring && [...seen].some(p => p !== 'done'),
    'the page showed the restore RESTORING, with masters in a phase before done');
  await ui.shot('restore');

  // Restorable window: the break the test made, and the chains around it.
  await ui.show('window');
  // The page against the archive's status asked now (a restore also breaks the archive, so
  // the count may still grow while the coordinator settles).
  let current;
  await waitFor('the breaks and the chains drawn as archive status lists them', async () => {
    current = JSON.parse(await cli('archive', 'status'));
    return (await ui.page.$$('[data-break]')).length === current.breaks.length &&
      (await ui.page.$$('rect.chain')).length === current.chains.length;
  }, 30000);
  check(current.breaks.some(k => k.after_zxid === archive.breaks[0].after_zxid), 'the break the test made is drawn');
  // Hovering the newest chain names its base (the page redraws every 5 s: hover again until the
  // text is read from the drawing the pointer is on).
  const chain = current.chains[current.chains.length - 1];
  const hovered = await waitFor('the hover text naming the newest chain', async () => {
    const box = await ui.page.$eval(`rect.chain[data-base="${chain.base}"]`, r => {
      const b = r.getBoundingClientRect();
      return { x: b.x + b.width - 1, y: b.y + b.height / 2 };
    });
    await ui.page.mouse.move(box.x, box.y);
    const text = await ui.text('#hover');
    return text.includes(chain.base) ? text : null;
  }, 20000);
  log('hovered:', hovered);
  await ui.page.click('#choose-latest');
  await ui.page.waitForSelector('#plan');
  const plan = await ui.text('#plan');
  const zxid = (plan.match(/target zxid(0x[0-9a-f]+)/) || [])[1];
  const later = JSON.parse(await cli('archive', 'status'));
  check(zxid && BigInt(zxid) >= BigInt(chain.base_zxid) && BigInt(zxid) <= BigInt(later.latest_zxid),
    `the latest point's plan targets ${zxid}, within the newest chain (${chain.base_zxid}..${later.latest_zxid})`);
  check(plan.includes('lockstep backup restore --component zookeeper --latest --dry-run'), 'the plan shows the command to run');
  // A moment just before the break: the plan goes no further than the last transaction the
  // archive holds before the hole.
  const hole = current.breaks[0];
  const before = await ui.page.$eval(`[data-break="${hole.after_zxid}"]`, line => {
    const b = line.getBoundingClientRect();
    return { x: b.x - 3, y: b.y + b.height / 2 };
  });
  await ui.page.mouse.click(before.x, before.y);
  const early = await waitFor('the plan for a moment just before the break', async () => {
    const text = await ui.text('#plan');
    return text.includes('--to-time') ? text : null;
  });
  const earlyZxid = (early.match(/target zxid(0x[0-9a-f]+)/) || [])[1];
  check(earlyZxid && BigInt(earlyZxid) <= BigInt(hole.after_zxid),
    `a moment before the break plans ${earlyZxid}, not past the break's ${hole.after_zxid}`);
  await ui.shot('window');
}

main().then(() => { log('PASSED'); }, e => { console.error(e.stack || e.message); process.exit(1); });
