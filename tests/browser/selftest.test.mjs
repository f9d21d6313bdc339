// Self-test of the harness: the checks must be able to FAIL. A tiny static server serves
// fixtures/site (correct pages: nothing may be reported) and fixtures/casse (pages broken on purpose:
// an <img> without alt, a duplicated id, a link to another host, a resource from another host).
// Each broken page must make the same assertion the real suite uses fail, naming the page and the rule.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as config from './config.mjs';
import { launchBrowser, newGuardedContext } from './lib/browser.mjs';
import { crawl } from './lib/crawl.mjs';
import { DocumentStore, Inspector } from './lib/inspector.mjs';
import { Problems, assertNoProblems } from './lib/report.mjs';
import { validateDocuments } from './lib/vnu.mjs';

const FIXTURES = path.join(config.HERE, 'fixtures');
const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml', '.csv': 'text/csv; charset=utf-8' };
// The portal's own CSP, so the harness is proven to work under it (axe is not injected as inline script).
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; object-src 'none'";

function serveFixtures() {
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = p === '/' ? path.join(FIXTURES, 'site', 'index.html')
      : p.startsWith('/casse/') ? path.join(FIXTURES, p)
      : path.join(FIXTURES, 'site', p);
    if (!file.startsWith(FIXTURES + path.sep) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('absent');
      return;
    }
    const headers = { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' };
    if (!file.includes('sans-csp')) headers['content-security-policy'] = CSP;
    res.writeHead(200, headers);
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let server;
let origin;
let browser;
const documents = new DocumentStore();
const pageProblems = new Map(); // page path -> Problems (crawl checks), vnu added at the end

before(async () => {
  server = await serveFixtures();
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.close();
});

async function crawlFixture(startPath, { maxPages, javaScriptEnabled = true } = {}) {
  const problems = new Problems();
  const inspector = new Inspector({ origin, problems, documents });
  const context = await newGuardedContext(browser, { origin, role: 'selftest', javaScriptEnabled });
  const page = await context.newPage();
  const stats = await crawl({ page, role: 'selftest', origin, startPaths: [startPath], inspector, maxPages });
  await inspector.close();
  await context.close();
  return { problems, stats };
}

/** The message the real suite would print, or null when it would pass. */
function failureOf(problems, title) {
  try {
    assertNoProblems(problems, title);
    return null;
  } catch (e) {
    assert.equal(e.name, 'AssertionError');
    return e.message;
  }
}

test('correct pages: every check passes (no false alarm), shapes and downloads are bounded', async (t) => {
  const { problems, stats } = await crawlFixture('/');
  assert.equal(failureOf(problems, 'fixtures/site'), null, failureOf(problems, 'fixtures/site') ?? '');
  // /, formulaire, maisons/1..5 rendered; maisons/6 has the same shape as maisons/1..5 and is skipped
  // (had the bound failed, maisons/9.html, which does not exist, would be reached and fail as a 404).
  assert.equal(stats.rendered, 7, JSON.stringify(stats));
  assert.equal(stats.skippedByShape, 1);
  assert.equal(stats.downloads, 1, 'export.csv is fetched, not rendered');
  t.diagnostic(`rendered: ${stats.pages.join(' ')}`);
});

const broken = [
  { page: '/casse/img-sans-alt.html', check: 'axe:image-alt', text: /Images must have alternative text/ },
  { page: '/casse/id-duplique.html', check: 'duplicate-id', text: /id "resume" is used 2 times/ },
  { page: '/casse/lien-externe.html', check: 'third-party', text: /<a href> points to another host: https:\/\/www\.example\.com\// },
  // With the portal's CSP the browser refuses the request itself; the harness reports both the markup and the CSP refusal.
  { page: '/casse/ressource-externe.html', check: 'third-party', text: /<link href> points to another host: https:\/\/cdn\.example\.com\/theme\.css/ },
  { page: '/casse/ressource-externe.html', check: 'csp', text: /Loading the image 'https:\/\/cdn\.example\.com\/logo\.png' violates/ },
  // Without a CSP the request is really attempted: the harness's route blocks it and names it.
  { page: '/casse/ressource-externe-sans-csp.html', check: 'third-party', text: /request to another origin blocked: https:\/\/cdn\.example\.com\/theme\.css/ },
  { page: '/casse/ressource-externe-sans-csp.html', check: 'third-party', text: /request to another origin blocked: https:\/\/cdn\.example\.com\/logo\.png/ },
];

for (const b of broken) {
  test(`broken on purpose: ${b.page} fails with ${b.check}`, async (t) => {
    const { problems } = await crawlFixture(b.page, { maxPages: 1 });
    pageProblems.set(b.page, problems);
    const message = failureOf(problems, `crawl-selftest`);
    assert.ok(message, `${b.page} passed every check: the harness cannot see this fault`);
    const line = message.split('\n').find((l) => l.includes(`[selftest] ${b.page} — ${b.check}:`) && b.text.test(l));
    assert.ok(line, `no "${b.check}" failure naming ${b.page} matching ${b.text} in:\n${message}`);
    t.diagnostic(line.trim());
  });
}

test('the whole broken site at once: one failure listing every broken page and its rule', async (t) => {
  const { problems } = await crawlFixture('/casse/index.html');
  const message = failureOf(problems, 'crawl-selftest');
  assert.ok(message);
  for (const b of broken) assert.ok(message.includes(`${b.page} — ${b.check}:`), `${b.page} ${b.check} missing in:\n${message}`);
  assert.ok(!message.includes('/casse/index.html —'), 'the index of broken pages is itself correct');
  for (const line of message.split('\n')) t.diagnostic(line);
});

test('broken on purpose, JavaScript off: axe still runs (on a replay) and finds the missing alt', async (t) => {
  const { problems } = await crawlFixture('/casse/img-sans-alt.html', { maxPages: 1, javaScriptEnabled: false });
  const message = failureOf(problems, 'nojs-selftest') ?? '';
  const line = message.split('\n').find((l) => l.includes('/casse/img-sans-alt.html — axe:image-alt'));
  assert.ok(line, `axe did not run with JavaScript off:\n${message}`);
  t.diagnostic(line.trim());
});

test('Nu Html Checker, one batched run: correct pages pass, broken ones fail naming page and message', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mde-vnu-selftest-'));
  const { problems, files, ms } = await validateDocuments(documents, dir);
  fs.rmSync(dir, { recursive: true, force: true });
  t.diagnostic(`${files} documents validated in one JVM run (${ms} ms)`);
  const onGood = problems.filter((p) => !p.page.startsWith('/casse/'));
  assert.deepEqual(onGood, [], 'vnu found errors in the correct fixtures');
  const message = failureOf(problems, 'vnu') ?? '';
  for (const [page, re] of [
    ['/casse/img-sans-alt.html', /An “img” element must have an “alt” attribute/],
    ['/casse/id-duplique.html', /Duplicate ID “resume”/],
  ]) {
    const line = message.split('\n').find((l) => l.includes(`${page} — vnu:`) && re.test(l));
    assert.ok(line, `vnu did not report ${re} on ${page}:\n${message}`);
    t.diagnostic(line.trim());
  }
});
