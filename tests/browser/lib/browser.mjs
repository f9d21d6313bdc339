// Chromium (Debian's, never a downloaded one), contexts that refuse any request leaving the origin,
// and a watch on every page that records what a person would not see but must not happen.
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import * as config from '../config.mjs';

/**
 * Launches /usr/bin/chromium headless. Playwright gives every launch a fresh temporary
 * user-data-dir (playwright_chromiumdev_profile-*) and deletes it on close.
 */
export async function launchBrowser() {
  if (!fs.existsSync(config.browser.executablePath)) {
    throw new Error(`${config.browser.executablePath} is missing: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: config.browser.executablePath,
    args: config.browser.args,
    headless: true,
  });
}

/** path + query of a URL on `origin`, or the whole URL when it is elsewhere. */
export function shortUrl(url, origin) {
  try {
    const u = new URL(url);
    return u.origin === origin ? u.pathname + u.search : u.href;
  } catch {
    return String(url);
  }
}

function isHttp(url) {
  return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:' || url.protocol === 'wss:';
}

const watches = new WeakMap();
export function watchOf(page) {
  return watches.get(page);
}

/**
 * A browser context for one role. Every request to another origin is aborted and recorded
 * against the page that made it; every page gets a PageWatch.
 */
export async function newGuardedContext(browser, { origin, role, ...options }) {
  const context = await browser.newContext({
    baseURL: origin,
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    viewport: config.viewports.desktop,
    ...options,
  });
  context.setDefaultNavigationTimeout(config.browser.navigationTimeoutMs);
  context.mdeTimeoutMs = config.browser.navigationTimeoutMs;
  context.setDefaultTimeout(config.browser.navigationTimeoutMs);
  context.mdeRole = role;
  context.mdeOrigin = origin;
  context.mdeJavaScript = options.javaScriptEnabled !== false;
  /** third-party attempts made by no known page (service workers…) */
  context.mdeOrphans = [];

  const offOrigin = (url) => isHttp(url) && url.origin !== origin;
  await context.route(offOrigin, async (route) => {
    const req = route.request();
    let page = null;
    try {
      page = req.frame().page();
    } catch {
      /* service worker or no frame */
    }
    const event = {
      check: 'third-party',
      message: `request to another origin blocked: ${req.url()}`,
      details: [`resource type: ${req.resourceType()}${req.isNavigationRequest() ? ' (navigation)' : ''}`],
    };
    const watch = page && watches.get(page);
    // axe itself re-reads <link> stylesheets with XHR (css-orientation-lock): not the product's request.
    const byAxe = watch?.axeRunning && ['xhr', 'fetch'].includes(req.resourceType());
    if (byAxe) {
      /* already reported as the <link> pointing elsewhere */
    } else if (watch) watch.push(event);
    else context.mdeOrphans.push({ page: '(no page)', ...event });
    await route.abort('blockedbyclient');
  });
  await context.routeWebSocket(offOrigin, (ws) => {
    const event = { check: 'third-party', message: `WebSocket to another origin blocked: ${ws.url()}` };
    context.mdeOrphans.push({ page: '(web socket)', ...event });
    ws.close();
  });
  context.on('page', (page) => new PageWatch(page, origin));
  return context;
}

/** Records, for one page: its last document response (with the raw body, for vnu), and incidents. */
export class PageWatch {
  constructor(page, origin) {
    this.page = page;
    this.origin = origin;
    this.events = [];
    this.lastDocument = null;
    this.axeRunning = false;
    watches.set(page, this);

    page.on('response', (r) => {
      const req = r.request();
      let url;
      try {
        url = new URL(r.url());
      } catch {
        return;
      }
      if (req.isNavigationRequest() && r.frame() === page.mainFrame()) {
        if (r.status() >= 300 && r.status() < 400) return; // followed by the browser
        this.lastDocument = {
          url: r.url(),
          status: r.status(),
          contentType: r.headers()['content-type'] ?? '',
          // started now: Chromium may evict the body once the next navigation begins
          body: r.text().catch(() => null),
        };
        return;
      }
      if (url.origin === origin && r.status() >= 400) {
        this.push({ check: 'subresource', message: `${req.resourceType()} answered ${r.status()}: ${shortUrl(r.url(), origin)}` });
      }
    });
    page.on('requestfailed', (req) => {
      let url;
      try {
        url = new URL(req.url());
      } catch {
        return;
      }
      if (url.origin !== origin) return; // blocked third party, already recorded
      const error = req.failure()?.errorText ?? 'failed';
      // Chromium cancels what is in flight when the page navigates away (favicon, a superseded navigation,
      // a download): not a failure of the server. A status >= 400 is caught from the response above.
      if (error === 'net::ERR_ABORTED') return;
      this.push({ check: 'subresource', message: `${req.resourceType()} failed (${error}): ${shortUrl(req.url(), origin)}` });
    });
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      // HTTP statuses are checked from responses; blocked third parties from the route.
      if (text.startsWith('Failed to load resource')) return;
      if (this.axeRunning && /^Connecting to '/.test(text)) return; // axe's own stylesheet XHR, see the route
      const check = /Content Security Policy/.test(text) ? 'csp' : 'console';
      this.push({ check, message: `console error: ${text.slice(0, 300)}` });
    });
    page.on('pageerror', (err) => {
      this.push({ check: 'js-error', message: `uncaught exception: ${String(err.message ?? err).slice(0, 300)}` });
    });
  }

  push(event) {
    this.events.push({ pageUrl: this.page.url(), ...event });
  }

  /** Events since the last call. */
  drain() {
    const ev = this.events;
    this.events = [];
    return ev;
  }
}

/**
 * Clicks and waits for the navigation it causes to load. Returns the final document response.
 * A failure says which control, on which page, and whether the click or the navigation failed.
 */
export async function clickAndWait(page, locator) {
  const from = page.url();
  const timeout = page.context().mdeTimeoutMs ?? 20_000;
  // Settled into a value at once, so a timeout while the click is still pending is never an unhandled rejection.
  const navigation = page.waitForNavigation({ waitUntil: 'load', timeout }).then(
    (response) => ({ response }),
    (error) => ({ error }),
  );
  try {
    await locator.click({ timeout: Math.round(timeout / 2) });
  } catch (e) {
    throw new Error(`could not click ${locator} on ${from}: ${e.message.split('\n')[0]}`);
  }
  const { response, error } = await navigation;
  if (error) throw new Error(`clicking ${locator} on ${from} did not lead to a new page: ${error.message.split('\n')[0]}`);
  return response;
}

/** Signs in through the real form: type the e-mail and password, click the button. */
export async function signIn(page, account) {
  await page.goto('/connexion');
  const form = page.locator('form:has(input[name="password"])');
  await form.locator('input[name="email"]').fill(account.email);
  await form.locator('input[name="password"]').fill(account.password);
  await clickAndWait(page, form.locator('button[type="submit"], input[type="submit"]').first());
  const url = new URL(page.url());
  if (url.pathname === '/connexion') {
    const error = await page.locator('[role="alert"], .flash-error, .field-error').allInnerTexts();
    throw new Error(`sign-in as ${account.email} failed, still on /connexion: ${error.join(' | ') || '(no message)'}`);
  }
  await page.getByRole('button', { name: 'Se déconnecter', exact: true }).waitFor({ state: 'attached' });
}

/** Signs out with the header's "Se déconnecter" button; checks the session is really gone. */
export async function signOut(page) {
  await clickAndWait(page, page.getByRole('button', { name: 'Se déconnecter', exact: true }));
  const count = await page.getByRole('button', { name: 'Se déconnecter', exact: true }).count();
  if (count !== 0) throw new Error(`still signed in after "Se déconnecter" (now on ${page.url()})`);
  await page.goto('/');
  if ((await page.getByRole('button', { name: 'Se déconnecter', exact: true }).count()) !== 0) {
    throw new Error('"/" still shows a signed-in page after signing out');
  }
}
