// Breadth-first crawl of every same-origin link, GET only, bounded per role and per page shape.
import * as config from '../config.mjs';
import { shortUrl } from './browser.mjs';

/**
 * /maisons/12/plans?page=3 -> /maisons/:n/plans?page=  (numbers, uuids and query values do not make a new shape)
 */
export function shapeOf(url) {
  const u = new URL(url);
  const p = u.pathname
    .split('/')
    .map((seg) => (/^[0-9a-f-]{16,}$/i.test(seg) && /\d/.test(seg) ? ':id' : seg.replace(/\d+/g, ':n')))
    .join('/');
  const q = [...new Set([...u.searchParams.keys()])].sort().join('&');
  return q ? `${p}?${q}=` : p;
}

function normalize(url) {
  const u = new URL(url);
  u.hash = '';
  return u.href;
}

function isDownloadPath(url) {
  const p = new URL(url).pathname.toLowerCase();
  return config.crawl.downloadExtensions.some((ext) => p.endsWith(ext));
}

/**
 * @param {object} o
 * @param {import('playwright-core').Page} o.page   signed in (or not) already
 * @param {string} o.role
 * @param {string} o.origin
 * @param {string[]} o.startPaths
 * @param {import('./inspector.mjs').Inspector} o.inspector
 * @param {boolean} [o.signedIn]  a redirect to /connexion during the crawl is then a problem
 */
export async function crawl({ page, role, origin, startPaths, inspector, signedIn = false, maxPages = config.crawl.maxPagesPerRole }) {
  const problems = inspector.problems;
  const queue = [];
  const seen = new Set();
  const shapes = new Map();
  const stats = { rendered: 0, downloads: 0, skippedByShape: 0, skippedByBudget: 0, pages: [], timings: [] };

  const enqueue = (url, from, download = false) => {
    let u;
    try {
      u = new URL(url);
    } catch {
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return;
    if (u.origin !== origin) return; // reported by the page check, never followed
    if (config.crawl.skip.some((re) => re.test(u.pathname))) return;
    const key = normalize(u.href);
    if (seen.has(key)) return;
    seen.add(key);
    const shape = shapeOf(key);
    const n = shapes.get(shape) ?? 0;
    const cap = shape.includes('?') ? config.crawl.maxPagesPerQueryShape : config.crawl.maxPagesPerShape;
    if (n >= cap) {
      stats.skippedByShape += 1;
      return;
    }
    shapes.set(shape, n + 1);
    queue.push({ url: key, from, download: download || isDownloadPath(key) });
  };
  for (const p of startPaths) enqueue(new URL(p, origin).href, null);

  const checkDownload = async (item) => {
    stats.downloads += 1;
    const res = await page.context().request.get(item.url, { maxRedirects: 0, failOnStatusCode: false });
    if (res.status() !== 200) {
      problems.add({
        role,
        page: shortUrl(item.url, origin),
        check: 'download',
        message: `download answered ${res.status()} (expected 200)`,
        details: item.from ? [`linked from ${item.from}`] : [],
      });
    }
    await res.dispose();
  };

  while (queue.length) {
    const item = queue.shift();
    if (item.download) {
      await checkDownload(item);
      continue;
    }
    if (stats.rendered >= maxPages) {
      stats.skippedByBudget = queue.length + 1;
      break;
    }
    const loadStart = Date.now();
    try {
      await page.goto(item.url, { waitUntil: 'load' });
    } catch (e) {
      if (/Download is starting|net::ERR_ABORTED/.test(e.message)) {
        await checkDownload(item);
      } else {
        problems.add({
          role,
          page: shortUrl(item.url, origin),
          check: 'navigation',
          message: e.message.split('\n')[0],
          details: item.from ? [`linked from ${item.from}`] : [],
        });
      }
      continue;
    }
    stats.rendered += 1;
    const here = normalize(page.url());
    if (here !== item.url) {
      if (signedIn && new URL(here).pathname === '/connexion') {
        problems.add({
          role,
          page: shortUrl(item.url, origin),
          check: 'session',
          message: 'a signed-in link led to the login page (session lost, or a link to a page this role may not see)',
          details: item.from ? [`linked from ${item.from}`] : [],
        });
      }
      if (seen.has(here) && stats.pages.includes(shortUrl(here, origin))) continue; // redirected to a page already checked
      seen.add(here);
    }
    stats.pages.push(shortUrl(here, origin));
    const loadMs = Date.now() - loadStart;
    const inspectStart = Date.now();
    const { html } = await inspector.inspect(page, { role, linkedFrom: item.from });
    stats.timings.push({ page: shortUrl(here, origin), loadMs, inspectMs: Date.now() - inspectStart });
    if (html == null) continue;
    const links = await page.evaluate(() =>
      [...document.querySelectorAll('a[href], area[href]')].map((a) => ({ href: a.href, download: a.hasAttribute('download') })),
    );
    for (const l of links) enqueue(l.href, shortUrl(here, origin), l.download);
  }
  return stats;
}
