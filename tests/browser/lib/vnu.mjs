// The Nu Html Checker, run ONCE over every document collected (a JVM start costs seconds).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
// The package's main export is the jar's path (a String object). Its downloader is never used: Java is Debian's.
export const VNU_JAR = String(require('vnu-jar'));

function slug(s) {
  return s.replace(/^\//, '').replace(/[^a-zA-Z0-9._-]+/g, '_').slice(0, 60) || 'accueil';
}

/**
 * Writes each distinct document to `dir` and validates the folder in one `java -jar vnu.jar` call.
 * @param {import('./inspector.mjs').DocumentStore} documents
 * @returns {Promise<{problems: object[], files: number, ms: number}>}
 */
export async function validateDocuments(documents, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const byFile = new Map();
  documents.entries().forEach((entry, i) => {
    const first = entry.pages[0];
    const file = path.join(dir, `${String(i + 1).padStart(4, '0')}-${slug(first.role)}-${slug(first.page)}.html`);
    fs.writeFileSync(file, entry.html);
    byFile.set(path.resolve(file), entry);
  });
  if (byFile.size === 0) return { problems: [], files: 0, ms: 0 };

  const started = Date.now();
  const args = [
    '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xss2m',
    '-jar', VNU_JAR, '--format', 'json', '--stdout', '--errors-only', '--skip-non-html', dir,
  ];
  const { stdout, stderr, code } = await new Promise((resolve) => {
    execFile('java', args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? (err.code ?? 1) : 0 }),
    );
  });
  let report;
  try {
    report = JSON.parse(stdout);
  } catch {
    throw new Error(`vnu did not answer JSON (exit ${code}): ${stderr.slice(0, 2000)} ${stdout.slice(0, 2000)}`);
  }
  const problems = [];
  for (const m of report.messages ?? []) {
    if (m.type !== 'error' && m.type !== 'non-document-error') continue;
    let file = null;
    try {
      file = m.url ? path.resolve(fileURLToPath(m.url)) : null;
    } catch {
      /* not a file URL */
    }
    const entry = file && byFile.get(file);
    const [first, ...others] = entry ? entry.pages : [{ role: '?', page: m.url ?? '(vnu)' }];
    const where = m.lastLine ? ` (line ${m.lastLine}${m.firstColumn ? `, column ${m.firstColumn}` : ''})` : '';
    const details = [];
    if (m.extract) details.push(`extract: ${m.extract.replace(/\s+/g, ' ').trim().slice(0, 200)}`);
    if (file) details.push(`file: ${path.relative(process.cwd(), file)}`);
    if (others.length) details.push(`same document also at: ${others.map((o) => `[${o.role}] ${o.page}`).join(', ')}`);
    problems.push({ role: first.role, page: first.page, check: 'vnu', message: `${m.message}${where}`, details });
  }
  if (code !== 0 && problems.length === 0) {
    throw new Error(`vnu exited ${code} without reporting an error: ${stderr.slice(0, 2000)}`);
  }
  return { problems, files: byFile.size, ms: Date.now() - started };
}
