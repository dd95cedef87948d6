// The browser side of the console's tests and the demo's screenshots: Debian's chromium,
// headless, driven by puppeteer-core (pinned in package-lock.json).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const puppeteer = require('puppeteer-core');

const CHROMIUM = process.env.LOCKSTEP_CHROMIUM || '/usr/bin/chromium';

function log(...words) { console.log(`[console ${new Date().toISOString().slice(11, 19)}]`, ...words); }

function check(condition, what) {
  if (!condition) throw new Error('FAILED: ' + what);
  log('ok:', what);
}

async function waitFor(what, probe, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) { last = e.message; }
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error(`FAILED: timed out after ${timeoutMs / 1000} s waiting for ${what} (last: ${JSON.stringify(last)})`);
}

class Console {
  constructor(browser, page, url, artifacts) {
    this.browser = browser; this.page = page; this.url = url; this.artifacts = artifacts; this.problems = [];
    // Any script error or refused resource (a CSP violation says so on the console) fails the test.
    page.on('pageerror', e => this.problems.push('page error: ' + e.message));
    // Refusals the tests provoke on purpose (a wrong token, a viewer asking for the audit log)
    // are logged by the browser as failed loads; they are the API's answers, not the page's faults.
    page.on('console', m => {
      if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) this.problems.push('console: ' + m.text());
    });
  }
  static async open(url, artifacts) {
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions'],
    });
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 860 });
    return new Console(browser, page, url, artifacts);
  }
  async signIn(token) {
    await this.page.goto(this.url + 'ui/', { waitUntil: 'load' });
    await this.page.waitForSelector('#login:not([hidden])');
    await this.page.type('#token', token);
    await this.page.click('#login-form button');
  }
  async signOut() { await this.page.click('#signout'); await this.page.waitForSelector('#login:not([hidden])'); }
  async show(name) {
    await this.page.evaluate(n => { location.hash = '#' + n; }, name);
    await this.page.waitForSelector(`#page[data-loaded="${name}"]`, { timeout: 30000 });
  }
  text(selector) { return this.page.$eval(selector, e => e.textContent).catch(() => ''); }
  async shot(name) {
    fs.mkdirSync(this.artifacts, { recursive: true });
    const file = path.join(this.artifacts, `console-${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    log('screenshot', file);
  }
  close() { return this.browser.close(); }
}

module.exports = { Console, log, check, waitFor };
