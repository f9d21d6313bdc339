// Everything a later engineer may need to change about the browser suite lives here.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
/** Written by the suite, never committed (target/ is ignored). */
export const OUT_DIR = path.join(REPO_ROOT, 'target', 'browser');
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'target', 'screenshots');

function intFromEnv(name, fallback) {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : fallback;
}

export const server = {
  /** The release binary; the caller builds it (`cargo build --release`). */
  bin: process.env.MDE_BIN ?? path.join(REPO_ROOT, 'target', 'release', 'mde'),
  /** Server part of DATABASE_URL; a fresh database `mde_browser_<time>_<pid>` is created on it and dropped after. */
  postgres: process.env.MDE_TEST_POSTGRES ?? 'postgres://127.0.0.1',
  /** Set MDE_BASE_URL=http://127.0.0.1:8080 to test a server you started yourself (nothing is started or dropped). */
  baseUrl: process.env.MDE_BASE_URL ?? null,
  startTimeoutMs: intFromEnv('MDE_START_TIMEOUT_MS', 120_000),
};

/** Demo accounts created by `mde serve --demo` (src/demo). One entry per role the crawl signs in as. */
export const DEMO_PASSWORD = 'demo-portail-2026';
export const accounts = {
  admin: { email: 'admin@ave.example.org', password: DEMO_PASSWORD, label: 'administrateur AVE' },
  responsable: { email: 'responsable@mde-lille.example.org', password: DEMO_PASSWORD, label: 'responsable MdE Lille' },
  staff: { email: 'chargee@mde-lille.example.org', password: DEMO_PASSWORD, label: 'chargée de mission MdE Lille' },
  partner: { email: 'partenaire@francetravail.example.org', password: DEMO_PASSWORD, label: 'partenaire France Travail' },
};
/** The crawl also runs signed out, from these pages. */
export const anonymousStartPaths = ['/connexion', '/'];

export const crawl = {
  /** Hard bound on rendered pages per role. */
  maxPagesPerRole: intFromEnv('CRAWL_MAX_PAGES', 150),
  /**
   * Pages whose URLs differ only by numeric/uuid path segments or query values share a "shape"
   * (/maisons/:n?page=); only this many of each shape are rendered, so 205 Maisons do not eat the budget.
   */
  maxPagesPerShape: intFromEnv('CRAWL_MAX_PER_SHAPE', 5),
  /** Shapes with a query string are the same page sorted, filtered or paginated: fewer of them. */
  maxPagesPerQueryShape: intFromEnv('CRAWL_MAX_PER_QUERY_SHAPE', 2),
  /** Roles crawled at the same time (each in its own browser context). */
  concurrency: intFromEnv('CRAWL_CONCURRENCY', 2),
  /** Never followed (path regexps). Logout is a POST form anyway; a GET to it must not end the crawl's session. */
  skip: [/^\/deconnexion\b/],
  /** Links whose path ends like this are fetched with GET (status 200 expected), never rendered. */
  downloadExtensions: ['.csv', '.xlsx', '.xls', '.ods', '.pdf', '.zip', '.json', '.txt', '.docx', '.odt'],
};

export const browser = {
  executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
  navigationTimeoutMs: 20_000,
};

export const viewports = {
  desktop: { width: 1280, height: 800 },
  mobile: { width: 390, height: 844 },
};

export const axe = {
  tags: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'],
  /**
   * rule id -> written reason. A rule may be disabled only with a reason; the suite refuses an empty one.
   * Example: 'color-contrast': 'reason…'
   */
  disabledRules: {},
};

/** Structural checks every HTML page must pass (besides axe and vnu). */
export const structure = {
  lang: /^fr(-[A-Z]{2})?$/,
  mainSelector: 'main#contenu',
  skipLinkSelector: 'a[href="#contenu"]',
  /**
   * An <a href> to another host fails the crawl unless the anchor says rel="external"
   * (the explicit, reviewed way to link to a Maison's website, Légifrance…). <link>, <script>, <img>,
   * <form action>, <iframe>… never may point to another host.
   */
  allowExternalAnchorsWithRelExternal: true,
};

for (const [rule, reason] of Object.entries(axe.disabledRules)) {
  if (typeof reason !== 'string' || reason.trim().length < 10) {
    throw new Error(`config.mjs: axe rule "${rule}" is disabled without a written reason`);
  }
}
