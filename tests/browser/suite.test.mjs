// The browser suite: starts the real `mde serve --demo`, crawls it as each role, runs the journeys,
// validates every document with the Nu Html Checker, and takes screenshots. See README.md.
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as config from './config.mjs';
import { launchBrowser, newGuardedContext, signIn, signOut } from './lib/browser.mjs';
import { crawl } from './lib/crawl.mjs';
import { DocumentStore, Inspector } from './lib/inspector.mjs';
import { loadJourneys, runJourney } from './lib/journey.mjs';
import { Problems, assertNoProblems, saveProblems } from './lib/report.mjs';
import { startServer } from './lib/server.mjs';
import { validateDocuments } from './lib/vnu.mjs';

const journeys = await loadJourneys();
const documents = new DocumentStore();
const allProblems = new Problems();
let server;
let browser;

before(async () => {
  fs.rmSync(config.OUT_DIR, { recursive: true, force: true });
  fs.mkdirSync(config.SCREENSHOT_DIR, { recursive: true });
  server = await startServer();
  browser = await launchBrowser();
  console.log(`# mde serve at ${server.origin}${server.database ? `, database ${server.database}` : ''}`);
});

after(async () => {
  const t0 = Date.now();
  await browser?.close();
  const t1 = Date.now();
  await server?.stop();
  saveProblems(config.OUT_DIR, 'all', allProblems);
  console.log(`# teardown: browser closed in ${t1 - t0} ms, server stopped and database dropped in ${Date.now() - t1} ms`);
});

/** Runs `body(inspector)` with its own problem list; fails the test with every problem found. */
async function checked(name, body) {
  const problems = new Problems();
  const inspector = new Inspector({ origin: server.origin, problems, documents });
  try {
    await body(inspector);
  } finally {
    await inspector.close();
    allProblems.addAll(problems.list);
    saveProblems(config.OUT_DIR, name, problems);
  }
  assertNoProblems(problems, name);
}

async function screenshots(context, role, homePath) {
  const page = await context.newPage();
  for (const [name, viewport] of Object.entries(config.viewports)) {
    await page.setViewportSize(viewport);
    await page.goto(homePath, { waitUntil: 'load' });
    await page.screenshot({ path: path.join(config.SCREENSHOT_DIR, `${role}-${name}.png`), fullPage: true });
  }
  await page.close();
}

function logStats(role, stats, inspector) {
  const axeMs = new Map(inspector.timings.map((t) => [t.page, t.axeMs]));
  const timings = stats.timings.map((t) => ({ ...t, axeMs: axeMs.get(t.page) ?? null }));
  fs.writeFileSync(path.join(config.OUT_DIR, `timings-${role}.json`), JSON.stringify(timings, null, 2));
  console.log(
    `# crawl [${role}]: ${stats.rendered} pages rendered, ${stats.downloads} downloads fetched, ` +
      `${stats.skippedByShape} links skipped (same shape), ${stats.skippedByBudget} left over budget: ` +
      stats.pages.slice(0, 60).join(' ') + (stats.pages.length > 60 ? ' …' : ''),
  );
}

// The crawls only read; they run side by side (2 by default: one per core) to keep the suite short.
describe('crawl', { concurrency: config.crawl.concurrency }, () => {
  test('crawl signed out (anonyme)', { timeout: 300_000 }, async () => {
    await checked('crawl-anonyme', async (inspector) => {
      const context = await newGuardedContext(browser, { origin: server.origin, role: 'anonyme' });
      const page = await context.newPage();
      const stats = await crawl({ page, role: 'anonyme', origin: server.origin, startPaths: config.anonymousStartPaths, inspector });
      logStats('anonyme', stats, inspector);
      await screenshots(context, 'anonyme', '/connexion');
      for (const o of context.mdeOrphans) inspector.problems.add({ role: 'anonyme', ...o });
      await context.close();
    });
  });

  for (const [role, account] of Object.entries(config.accounts)) {
    test(`crawl as ${role} (${account.email})`, { timeout: 480_000 }, async () => {
      await checked(`crawl-${role}`, async (inspector) => {
        const context = await newGuardedContext(browser, { origin: server.origin, role });
        const page = await context.newPage();
        await signIn(page, account); // the real form: type, click
        const stats = await crawl({ page, role, origin: server.origin, startPaths: ['/'], inspector, signedIn: true });
        logStats(role, stats, inspector);
        await screenshots(context, role, '/');
        // Still signed in after the whole crawl (no GET link may end the session): signOut checks it.
        await page.goto('/');
        await signOut(page);
        for (const o of context.mdeOrphans) inspector.problems.add({ role, ...o });
        await context.close();
      });
    });
  }
});

for (const journey of journeys) {
  for (const role of journey.roles) {
    test(`journey ${journey.file}: ${journey.name} [${role}]`, { timeout: 120_000 }, async () => {
      await checked(`journey-${journey.file.replace(/\.mjs$/, '')}-${role}`, (inspector) =>
        runJourney(journey, role, { browser, origin: server.origin, inspector }),
      );
    });
  }
}

test('Nu Html Checker: zero errors on every document reached', { timeout: 180_000 }, async () => {
  const { problems, files, ms } = await validateDocuments(documents, path.join(config.OUT_DIR, 'html'));
  console.log(`# vnu: ${files} distinct documents validated in one run (${ms} ms)`);
  allProblems.addAll(problems);
  assertNoProblems(problems, 'vnu');
});
