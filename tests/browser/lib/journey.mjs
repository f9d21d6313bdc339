// What a journey (tests/browser/journeys/*.mjs) receives: a page and a few helpers that act as a
// person would (click, type, submit) and check every page they reach like the crawl does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as config from '../config.mjs';
import { clickAndWait, newGuardedContext, shortUrl, signIn, signOut } from './browser.mjs';

/**
 * @typedef {object} Journey
 * @property {string} name                 what a person does, in French or English
 * @property {string[]} roles              keys of config.accounts, or 'anonyme'
 * @property {boolean} [javaScriptEnabled] default true
 * @property {boolean} [signIn]            default true for a role: the harness signs in first
 * @property {(h: JourneyHelpers) => Promise<void>} run
 */

/** Every journeys/*.mjs, sorted by file name. */
export async function loadJourneys() {
  const dir = path.join(config.HERE, 'journeys');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort();
  const journeys = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(path.join(dir, f)).href);
    const j = mod.default;
    if (!j || typeof j.run !== 'function' || !j.name || !Array.isArray(j.roles)) {
      throw new Error(`journeys/${f}: default export must be { name, roles: [...], run(h) }`);
    }
    for (const r of j.roles) {
      if (r !== 'anonyme' && !config.accounts[r]) throw new Error(`journeys/${f}: unknown role "${r}"`);
    }
    journeys.push({ file: f, ...j });
  }
  return journeys;
}

/** Runs one journey for one role in a fresh context; its problems go to inspector.problems. */
export async function runJourney(journey, role, { browser, origin, inspector }) {
  const context = await newGuardedContext(browser, {
    origin,
    role,
    javaScriptEnabled: journey.javaScriptEnabled !== false,
  });
  const page = await context.newPage();
  const account = config.accounts[role] ?? null;
  const check = (opts = {}) => inspector.inspect(page, { role, ...opts });
  /** @typedef {ReturnType<typeof helpers>} JourneyHelpers */
  const helpers = () => ({
    page,
    role,
    account,
    origin,
    assert,
    /** Checks the current page (status, title, h1, lang, axe, HTML kept for vnu…). */
    check,
    /** Opens a path and checks the page. */
    async goto(p, opts) {
      await page.goto(p, { waitUntil: 'load' });
      return check(opts);
    },
    /** Clicks a link or button that navigates (a form submit included) and checks the new page. */
    async click(locator, opts) {
      await clickAndWait(page, locator);
      return check(opts);
    },
    /** Path + query of the current page. */
    here: () => shortUrl(page.url(), origin),
    signIn: async () => {
      await signIn(page, account);
      return check();
    },
    signOut: async () => {
      await signOut(page);
      return check();
    },
  });
  try {
    const h = helpers();
    if (account && journey.signIn !== false) await h.signIn();
    await journey.run(h);
  } finally {
    await context.close();
  }
}
