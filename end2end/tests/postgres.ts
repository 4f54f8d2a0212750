import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ACCOUNTS, PASSWORD } from './accounts';

// Several Debrief instances on one throwaway PostgreSQL, for the browser
// tests that cross instances. The server comes from Debian's `postgresql`
// package (initdb in a temporary folder, run as the unprivileged `postgres`
// account when we are root, listening on 127.0.0.1 only); it is removed
// afterwards. A machine where it cannot start fails the test.

const debrief = process.env.DEBRIEF_BIN ?? path.resolve(__dirname, '../../target/debug/debrief');
const siteRoot = process.env.LEPTOS_SITE_ROOT ?? path.resolve(__dirname, '../../target/site');
const root = process.getuid?.() === 0;

function pgBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base)
    ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')))
    : [];
  versions.sort((a, b) => Number(a) - Number(b));
  if (versions.length === 0) {
    throw new Error("PostgreSQL is not installed: the test needs Debian's postgresql package (./scripts/test installs it)");
  }
  return path.join(base, versions[versions.length - 1], 'bin');
}

/** Runs a PostgreSQL program as the server's account. */
function asServer(program: string, args: string[]): [string, string[]] {
  return root ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
}

function sleep(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export class Deployment {
  private pg?: ChildProcess;
  private instances: ChildProcess[] = [];
  dir = '';
  url = '';

  /** Starts PostgreSQL and makes the database, with the test accounts. */
  async start() {
    const bin = pgBin();
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'debrief-pg-e2e-'));
    fs.chmodSync(this.dir, 0o755);
    if (root) execFileSync('chown', ['-R', 'postgres:postgres', this.dir]);
    const data = path.join(this.dir, 'data');
    const [initdb, initArgs] = asServer(path.join(bin, 'initdb'), [
      '-D', data, '-U', 'debrief', '--auth=trust', '--locale=C', '--lc-ctype=C.UTF-8', '--encoding=UTF8', '--no-sync',
    ]);
    execFileSync(initdb, initArgs, { stdio: 'pipe' });
    const port = await freePort();
    const [postgres, args] = asServer(path.join(bin, 'postgres'), [
      '-D', data, '-k', this.dir, '-h', '127.0.0.1', '-p', String(port), '-c', 'fsync=off',
    ]);
    this.pg = spawn(postgres, args, { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      try {
        execFileSync(path.join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]);
        break;
      } catch {
        if (i > 300) throw new Error(`PostgreSQL did not start on port ${port}`);
        sleep(100);
      }
    }
    execFileSync(path.join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'debrief', '-d', 'postgres', '-c', 'CREATE DATABASE debrief']);
    this.url = `postgres://debrief@127.0.0.1:${port}/debrief`;
    for (const { login, role, displayName } of ACCOUNTS) {
      execFileSync(debrief, ['user', 'add', '--role', role, '--display-name', displayName, login, '--database-url', this.url, '--log-level', 'warn'], {
        input: `${PASSWORD}\n`,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    }
  }

  /** Starts one more instance on the database; returns its base URL. */
  async instance(): Promise<string> {
    const port = await freePort();
    const child = spawn(debrief, [
      '--listen', `127.0.0.1:${port}`, '--database-url', this.url, '--log-level', 'warn',
      '--attachments-dir', path.join(this.dir, 'attachments'), '--staging-dir', path.join(this.dir, 'staging'),
    ], { env: { ...process.env, LEPTOS_SITE_ROOT: siteRoot }, stdio: 'ignore' });
    this.instances.push(child);
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/healthz`)).ok) return base;
      } catch {
        // not listening yet
      }
      if (i > 300) throw new Error(`instance on ${base} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop() {
    for (const child of this.instances) child.kill('SIGTERM');
    const pidFile = path.join(this.dir, 'data', 'postmaster.pid');
    if (fs.existsSync(pidFile)) {
      const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      try {
        process.kill(pid, 'SIGINT');
        for (let i = 0; i < 100; i++) {
          process.kill(pid, 0);
          sleep(100);
        }
      } catch {
        // stopped
      }
    }
    this.pg?.kill('SIGINT');
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
