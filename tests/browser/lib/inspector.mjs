// The checks run on every page reached, by the crawl and by the journeys:
// HTTP status, <title>, one <h1>, lang="fr", landmarks, duplicate ids, nothing pointing to another
// host, console/JS errors, failed subresources, and axe-core (WCAG 2.1 A/AA). The raw HTML of each
// document is kept for the Nu Html Checker, which runs once, batched, at the end (lib/vnu.mjs).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import * as config from '../config.mjs';
import { newGuardedContext, shortUrl, watchOf } from './browser.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The raw HTML of every document reached, keyed by content, for one batched vnu run. */
export class DocumentStore {
  constructor() {
    /** @type {Map<string, {html: string, pages: {role: string, page: string}[]}>} */
    this.byHtml = new Map();
  }
  add(role, page, html) {
    const entry = this.byHtml.get(html) ?? { html, pages: [] };
    entry.pages.push({ role, page });
    this.byHtml.set(html, entry);
  }
  get size() {
    return this.byHtml.size;
  }
  entries() {
    return [...this.byHtml.values()];
  }
}

/** Runs in the page: structure facts and every attribute that points somewhere. */
function domFacts(structure) {
  const cssPath = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 4; e = e.parentElement) {
      let part = e.localName;
      if (e.id) {
        parts.unshift(`${part}#${CSS.escape(e.id)}`);
        break;
      }
      const cls = [...e.classList].slice(0, 2).map((c) => '.' + CSS.escape(c)).join('');
      part += cls;
      const parent = e.parentElement;
      if (parent) {
        const same = [...parent.children].filter((c) => c.localName === e.localName);
        if (same.length > 1) part += `:nth-of-type(${same.indexOf(e) + 1})`;
      }
      parts.unshift(part);
    }
    return parts.join(' > ');
  };
  const ids = new Map();
  for (const el of document.querySelectorAll('[id]')) {
    const list = ids.get(el.id) ?? [];
    list.push(cssPath(el));
    ids.set(el.id, list);
  }
  const duplicateIds = [...ids].filter(([, l]) => l.length > 1).map(([id, l]) => ({ id, where: l }));

  const refAttrs = [
    ['a', 'href'], ['area', 'href'], ['link', 'href'], ['script', 'src'], ['img', 'src'], ['img', 'srcset'],
    ['source', 'src'], ['source', 'srcset'], ['iframe', 'src'], ['frame', 'src'], ['embed', 'src'],
    ['object', 'data'], ['video', 'src'], ['video', 'poster'], ['audio', 'src'], ['track', 'src'],
    ['form', 'action'], ['button', 'formaction'], ['input', 'formaction'], ['input', 'src'],
    ['use', 'href'], ['image', 'href'], ['meta[http-equiv="refresh" i]', 'content'],
  ];
  const external = [];
  for (const [sel, attr] of refAttrs) {
    for (const el of document.querySelectorAll(`${sel}[${attr}]`)) {
      let values = [el.getAttribute(attr)];
      if (attr === 'srcset') values = values[0].split(',').map((c) => c.trim().split(/\s+/)[0]);
      if (attr === 'content') values = [(values[0].match(/url\s*=\s*['"]?([^'";]+)/i) ?? [])[1]].filter(Boolean);
      for (const v of values) {
        let url;
        try {
          url = new URL(v, document.baseURI);
        } catch {
          continue;
        }
        if (!/^(https?|wss?|ftp):$/.test(url.protocol) || url.origin === location.origin) continue;
        const relExternal = (el.getAttribute('rel') ?? '').split(/\s+/).includes('external');
        const isAnchor = el.localName === 'a' || el.localName === 'area';
        if (isAnchor && relExternal && structure.allowRelExternal) continue;
        external.push({ tag: el.localName, attr, url: url.href, where: cssPath(el), isAnchor });
      }
    }
  }
  return {
    title: document.title.trim(),
    h1: [...document.querySelectorAll('h1')].map((h) => h.textContent.trim().replace(/\s+/g, ' ').slice(0, 80)),
    lang: document.documentElement.getAttribute('lang'),
    hasMain: !!document.querySelector(structure.main),
    hasSkipLink: !!document.querySelector(structure.skipLink),
    duplicateIds,
    external,
  };
}

/**
 * Runs in the page: how wide the document is against the viewport, and at the phone width, which menu
 * entries a person cannot see (outside the viewport, or cut by the menu's own box).
 */
function widthFacts() {
  const root = document.documentElement;
  const viewport = root.clientWidth;
  const culprits = [];
  if (root.scrollWidth > viewport) {
    // What sticks out and is not inside a box that scrolls or clips it: the outermost names the cause.
    const clippedByAncestor = (el) => {
      for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
        if (getComputedStyle(e).overflowX !== 'visible') return true;
      }
      return false;
    };
    const beyond = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > viewport + 1 && r.width > 0) beyond.push({ el, right: Math.round(r.right) });
    }
    // An absolutely placed element escapes a scrolling box that is not its containing block: when
    // nothing else sticks out, name what lies beyond the edge inside such boxes too.
    const unclipped = beyond.filter(({ el }) => !clippedByAncestor(el));
    const widest = unclipped.length > 0 ? unclipped : beyond.filter(({ el }) => getComputedStyle(el).position === 'absolute');
    if (widest.length === 0) {
      // Text that does not break (an address, a long word) sticks out of its box without widening it.
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      for (let n = walker.nextNode(); n && culprits.length < 5; n = walker.nextNode()) {
        if (!n.textContent.trim()) continue;
        range.selectNodeContents(n);
        const r = range.getBoundingClientRect();
        const el = n.parentElement;
        if (r.right > viewport + 1 && el && !clippedByAncestor(el) && getComputedStyle(el).position !== 'absolute') {
          culprits.push(`text « ${n.textContent.trim().slice(0, 60)} » in ${el.localName} reaches ${Math.round(r.right)} px`);
        }
      }
    }
    for (const { el, right } of widest.filter(({ el }) => !widest.some((o) => o.el !== el && o.el.contains(el))).slice(0, 5)) {
      const cls = [...el.classList].slice(0, 2).map((c) => '.' + c).join('');
      const parent = el.parentElement ? `${el.parentElement.localName}${[...el.parentElement.classList].slice(0, 1).map((c) => '.' + c).join('')} > ` : '';
      culprits.push(`${parent}${el.localName}${el.id ? '#' + el.id : ''}${cls} reaches ${right} px`);
    }
  }
  const menu = [];
  for (const a of document.querySelectorAll('.main-nav a')) {
    const r = a.getBoundingClientRect();
    let clipped = r.left < 0 || r.right > viewport + 1 || r.width === 0;
    for (let e = a.parentElement; e && !clipped && e !== document.body; e = e.parentElement) {
      if (getComputedStyle(e).overflowX === 'visible') continue;
      const box = e.getBoundingClientRect();
      clipped = r.left < box.left - 1 || r.right > box.right + 1;
    }
    if (clipped) menu.push(a.textContent.trim());
  }
  return { width: root.scrollWidth, viewport, culprits, hiddenMenu: menu };
}

async function runAxe(page) {
  const watch = watchOf(page);
  watch.axeRunning = true;
  try {
    return await runAxeUnwatched(page);
  } finally {
    watch.axeRunning = false;
  }
}

async function runAxeUnwatched(page) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object').catch(() => false);
  // Not page.addScriptTag: the portal's CSP (script-src 'self') rightly refuses inline <script>.
  // A DevTools evaluation is not subject to CSP, so the product's CSP stays on while axe runs.
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const rules = Object.fromEntries(Object.keys(config.axe.disabledRules).map((r) => [r, { enabled: false }]));
  return page.evaluate(
    async ({ tags, rules }) => {
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, rules, resultTypes: ['violations'] });
      return r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').trim() })),
      }));
    },
    { tags: config.axe.tags, rules },
  );
}

export class Inspector {
  /**
   * @param {object} o
   * @param {string} o.origin
   * @param {import('./report.mjs').Problems} o.problems  where problems go
   * @param {DocumentStore} o.documents                     where raw HTML goes (for vnu)
   */
  constructor({ origin, problems, documents }) {
    this.origin = origin;
    this.problems = problems;
    this.documents = documents;
    this.pagesChecked = 0;
    this.replay = null;
    /** per page: how long the DOM checks and axe took (ms), for target/browser/timings-*.json */
    this.timings = [];
  }

  /**
   * Checks the page as it is now (after a navigation). `allowStatus`: 4xx statuses this step expects
   * (422 after a refused form). `linkedFrom`: the page whose link led here, for the message.
   */
  async inspect(page, { role, allowStatus = [], linkedFrom = null } = {}) {
    const watch = watchOf(page);
    const doc = watch.lastDocument;
    const here = shortUrl(page.url(), this.origin);
    const add = (check, message, details = []) => {
      if (linkedFrom) details = [...details, `linked from ${linkedFrom}`];
      this.problems.add({ role, page: here, check, message, details });
    };
    this.pagesChecked += 1;
    try {
      if (!doc) {
        add('status', 'no document response was seen for this page');
        return { status: null };
      }
      if (doc.status >= 500) add('status', `answered ${doc.status} (server error)`);
      else if (doc.status >= 400 && !allowStatus.includes(doc.status)) add('status', `answered ${doc.status}`);
      if (!/^text\/html\b/i.test(doc.contentType)) return { status: doc.status, html: null };

      const html = await doc.body;
      if (html == null) add('vnu', 'the raw HTML of this page could not be read; not validated');
      else this.documents.add(role, here, html);

      const f = await page.evaluate(domFacts, {
        allowRelExternal: config.structure.allowExternalAnchorsWithRelExternal,
        main: config.structure.mainSelector,
        skipLink: config.structure.skipLinkSelector,
      });
      if (!f.title) add('title', '<title> is missing or empty');
      if (f.h1.length !== 1) add('h1', `expected exactly one <h1>, found ${f.h1.length}`, f.h1.map((t) => `<h1> ${t}`));
      if (!config.structure.lang.test(f.lang ?? '')) add('lang', `<html lang> is ${JSON.stringify(f.lang)}, expected "fr"`);
      if (!f.hasMain) add('landmark', `no ${config.structure.mainSelector}`);
      if (!f.hasSkipLink) add('skip-link', `no skip link (${config.structure.skipLinkSelector})`);
      for (const d of f.duplicateIds) add('duplicate-id', `id "${d.id}" is used ${d.where.length} times`, d.where);
      for (const e of f.external) {
        add(
          'third-party',
          `<${e.tag} ${e.attr}> points to another host: ${e.url}`,
          [e.where, ...(e.isAnchor ? ['an intended link to another site needs rel="external"'] : [])],
        );
      }

      // No page wider than its viewport, on a desktop and on a phone; on a phone every menu entry shows.
      const size = page.viewportSize();
      try {
        for (const [name, viewport] of Object.entries(config.viewports)) {
          const now = page.viewportSize();
          if (!now || now.width !== viewport.width || now.height !== viewport.height) await page.setViewportSize(viewport);
          const w = await page.evaluate(widthFacts);
          if (w.width > w.viewport) {
            add('width', `${w.width} px wide at ${viewport.width} px (${name}): the page scrolls sideways`, w.culprits);
          }
          if (viewport.width <= 400 && w.hiddenMenu.length > 0) {
            add('menu', `at ${viewport.width} px, menu entries out of sight: ${w.hiddenMenu.join(', ')}`);
          }
        }
      } finally {
        const now = page.viewportSize();
        if (size && (now?.width !== size.width || now?.height !== size.height)) await page.setViewportSize(size);
      }

      const axeStart = Date.now();
      const violations = page.context().mdeJavaScript
        ? await runAxe(page)
        : await this.axeOnReplay(page, doc.url, html);
      this.timings.push({ role, page: here, axeMs: Date.now() - axeStart, htmlBytes: html?.length ?? 0 });
      for (const v of violations ?? []) {
        add(
          `axe:${v.id}`,
          `${v.help} (${v.impact})`,
          v.nodes.slice(0, 10).map((n) => `${n.target} — ${n.summary.slice(0, 240)}`).concat(v.nodes.length > 10 ? [`… and ${v.nodes.length - 10} more`] : []),
        );
      }
      return { status: doc.status, html };
    } finally {
      for (const e of watch.drain()) {
        this.problems.add({ role, page: shortUrl(e.pageUrl, this.origin) || here, check: e.check, message: e.message, details: e.details ?? [] });
      }
    }
  }

  /**
   * axe needs JavaScript. For a page seen with JavaScript off, the same HTML is served again at the
   * same URL to a JavaScript-enabled page (same CSS, same origin) and axe runs there.
   */
  async axeOnReplay(page, url, html) {
    if (html == null) return [];
    if (!this.replay) {
      const context = await newGuardedContext(page.context().browser(), { origin: this.origin, role: 'replay' });
      this.replay = { context, page: await context.newPage() };
    }
    const rp = this.replay.page;
    const handler = (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
    await rp.route(url, handler, { times: 1 });
    await rp.goto(url, { waitUntil: 'load' });
    watchOf(rp).drain(); // incidents of the replay are not the product's
    return runAxe(rp);
  }

  async close() {
    if (this.replay) await this.replay.context.close().catch(() => {});
    this.replay = null;
  }
}
