// Problems found by the checks: collected, not thrown at once, so one run lists everything that is wrong.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

/**
 * @typedef {object} Problem
 * @property {string} role     who was signed in ('anonyme' when nobody)
 * @property {string} page     the page (path + query, or full URL off-origin)
 * @property {string} check    the rule: 'axe:<rule-id>', 'vnu', 'h1', 'title', 'lang', 'third-party', 'status', …
 * @property {string} message  one line, human readable
 * @property {string[]} [details] selectors, extracts, "linked from …"
 */

export class Problems {
  constructor() {
    /** @type {Problem[]} */
    this.list = [];
  }
  add(p) {
    this.list.push({ details: [], ...p });
  }
  addAll(ps) {
    for (const p of ps) this.add(p);
  }
  get length() {
    return this.list.length;
  }
}

export function formatProblem(p) {
  const head = `[${p.role}] ${p.page} — ${p.check}: ${p.message}`;
  const details = (p.details ?? []).map((d) => `      ${d}`);
  return [head, ...details].join('\n');
}

/** Fails the current test with every problem listed (page, role, rule, details). */
export function assertNoProblems(problems, title) {
  const list = Array.isArray(problems) ? problems : problems.list;
  if (list.length === 0) return;
  const byCheck = new Map();
  for (const p of list) byCheck.set(p.check, (byCheck.get(p.check) ?? 0) + 1);
  const summary = [...byCheck].map(([c, n]) => `${c}×${n}`).join(', ');
  const body = list.map((p) => '  - ' + formatProblem(p)).join('\n');
  assert.fail(`${title}: ${list.length} problem(s) (${summary})\n${body}`);
}

/** Appends to target/browser/problems.json so a run's findings can be read back whole. */
export function saveProblems(outDir, name, problems) {
  const list = Array.isArray(problems) ? problems : problems.list;
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, `problems-${name}.json`), JSON.stringify(list, null, 2));
}
