#!/usr/bin/env node
// One screenshot of each console page of a running sandbox, for scripts/demo.
// Usage: screenshots.js --env SANDBOX/cluster.env --out DIR
'use strict';
const fs = require('node:fs');
const { Console, log } = require('./browser.js');

async function main() {
  const argv = process.argv.slice(2);
  const arg = name => argv[argv.indexOf('--' + name) + 1];
  const env = {};
  for (const line of fs.readFileSync(arg('env'), 'utf8').split('\n')) {
    const m = line.match(/^([A-Z_]+)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
  const url = env.LOCKSTEP_CLUSTER.split(',')[0].replace(/\/?$/, '/');
  const ui = await Console.open(url, arg('out'));
  try {
    await ui.signIn(fs.readFileSync(env.LOCKSTEP_VIEWER_TOKEN_FILE, 'utf8').trim());
    for (const page of ['ensemble', 'backups', 'window', 'restore']) {
      await ui.show(page);
      if (page === 'backups') {
        await ui.page.click('tr[data-backup]').catch(() => {});
        await ui.page.waitForSelector('#backup-detail', { timeout: 5000 }).catch(() => {});
      }
      await ui.shot(page);
    }
    await ui.signOut();
    await ui.signIn(fs.readFileSync(env.LOCKSTEP_TOKEN_FILE, 'utf8').trim());
    await ui.show('audit');
    await ui.shot('audit');
  } finally {
    await ui.close();
  }
}

main().catch(e => { log(e.stack || e.message); process.exit(1); });
