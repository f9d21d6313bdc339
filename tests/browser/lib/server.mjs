// Starts the real `mde serve --demo` on a free port and a fresh database; stops it and drops the database.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as config from '../config.mjs';

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Runs one SQL statement with psql. Waits at most `waitMs`; a statement still running then (DROP DATABASE
 * waits for a checkpoint, slow while another process bulk-loads) goes on detached, and the suite moves on.
 */
async function psql(sql, waitMs = 20_000) {
  fs.mkdirSync(config.OUT_DIR, { recursive: true });
  const out = fs.openSync(path.join(config.OUT_DIR, 'psql.log'), 'a');
  const child = spawn('psql', [`${config.server.postgres}/postgres`, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const done = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), waitMs).unref());
  const result = await Promise.race([done, timer]);
  if (result === 'timeout') {
    child.unref();
    console.log(`# psql still running after ${waitMs} ms (${sql}); left to finish in the background, pid ${child.pid}`);
  } else if (result !== 0) {
    throw new Error(`psql failed (${sql}), exit ${result}: see ${path.join(config.OUT_DIR, 'psql.log')}`);
  }
}

/**
 * @returns {Promise<{origin: string, database: string|null, logFile: string|null, stop: () => Promise<void>}>}
 */
export async function startServer() {
  if (config.server.baseUrl) {
    return { origin: new URL(config.server.baseUrl).origin, database: null, logFile: null, stop: async () => {} };
  }
  const bin = path.resolve(config.REPO_ROOT, config.server.bin);
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} does not exist: build it first with \`cargo build --release\` (or set MDE_BIN)`);
  }
  const port = await freePort();
  const database = `mde_browser_${Date.now()}_${process.pid}`;
  fs.mkdirSync(config.OUT_DIR, { recursive: true });
  const logFile = path.join(config.OUT_DIR, 'mde-serve.log');
  const log = fs.openSync(logFile, 'w');
  const child = spawn(bin, ['serve', '--bind', `127.0.0.1:${port}`, '--demo'], {
    env: { ...process.env, DATABASE_URL: `${config.server.postgres}/${database}`, MDE_SECURE_COOKIES: 'false' },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  let exited = null;
  const exitPromise = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  let dropped = false;
  const dropDatabase = async () => {
    if (dropped) return;
    dropped = true;
    await psql(`drop database if exists "${database}" with (force)`);
  };

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + config.server.startTimeoutMs;
  for (;;) {
    if (exited) {
      await dropDatabase();
      throw new Error(`mde serve exited (${JSON.stringify(exited)}) before answering /healthz. Log:\n${tail(logFile)}`);
    }
    try {
      const r = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exitPromise;
      await dropDatabase();
      throw new Error(`mde serve did not answer /healthz 200 within ${config.server.startTimeoutMs} ms. Log:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    origin,
    database,
    logFile,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exitPromise;
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
      await dropDatabase();
      return exited;
    },
  };
}
