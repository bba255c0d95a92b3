import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../observability/logger.ts';
import { PROJECT_ROOT } from '../project-root.ts';

/**
 * The local Camunda 7.24 engine (deploy/camunda-engine) as a child process: for `npm run
 * engine`, the integration tests and the benchmarks. Production runs the same jar in a
 * container (deploy/camunda-engine/Dockerfile) and the service only knows its REST URL.
 */

const repoRoot = PROJECT_ROOT;
const projectDir = join(repoRoot, 'deploy', 'camunda-engine');
const pomPath = join(projectDir, 'pom.xml');
const targetDir = join(projectDir, 'target');
/** `<finalName>` in pom.xml. */
const jarPath = join(targetDir, 'camunda-engine.jar');
/** The JVM's class-data-sharing archive inside a launch directory (see {@link prepareLaunchDir}). */
const cdsArchiveName = 'engine.jsa';

export interface LocalEngineOptions {
  /** HTTP port of the engine; {@link findFreePort} gives one for tests. */
  port: number;
  /** Where the H2 file database and engine.log live; defaults to `<repo>/.data`. */
  dataDir?: string;
  /** JDBC URL; defaults to the H2 file database `<dataDir>/camunda-h2`. */
  dbUrl?: string;
  dbUser?: string;
  dbPassword?: string;
  log: Logger;
  /** How long the engine may take to answer, after the jar is built; 120 s by default. */
  startupTimeoutMs?: number;
  /** Engine output on this process's stdout/stderr instead of `<dataDir>/engine.log`. */
  inheritOutput?: boolean;
  /**
   * Start from a class-data-sharing archive of the engine's classes (about half the
   * startup time). When there is none yet, this run records one as the JVM exits, which
   * makes that first stop() a few seconds longer. Default true.
   */
  classDataSharing?: boolean;
}

export interface LocalEngine {
  /** e.g. http://127.0.0.1:8080/engine-rest */
  restUrl: string;
  /** Camunda webapps, e.g. http://127.0.0.1:8080/camunda/app/ (Cockpit at `cockpit/`). */
  webappUrl: string;
  pid: number;
  /** Where the engine's output goes; undefined with `inheritOutput`. */
  logFile: string | undefined;
  /** SIGTERM, then SIGKILL when the engine has not exited after 15 s. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Builds deploy/camunda-engine with Maven when its jar is missing or older than pom.xml or
 * any file under src/. Returns the jar's path.
 */
export async function ensureEngineBuilt(log: Logger): Promise<string> {
  if (await jarIsFresh()) {
    log.debug({ jar: jarPath }, 'camunda engine jar is up to date');
    return jarPath;
  }
  await mkdir(targetDir, { recursive: true });
  const release = await acquireBuildLock(log);
  try {
    // Another process may have built it while this one waited for the lock.
    if (await jarIsFresh()) return jarPath;
    const args = ['-q', '-B', '-Dstyle.color=never', '-f', pomPath, 'package', '-DskipTests'];
    log.info({ command: `mvn ${args.join(' ')}` }, 'building the camunda engine (the jar is missing or older than its sources)');
    const started = performance.now();
    const result = await run('mvn', args, repoRoot);
    const durationMs = Math.round(performance.now() - started);
    if (result.code !== 0 || (await mtimeOf(jarPath)) === undefined) {
      throw new Error(
        `Building the Camunda engine failed (mvn ${args.join(' ')}, exit ${result.code ?? result.error}, ${durationMs} ms):\n${tail(result.output, 60)}`,
      );
    }
    log.info({ jar: jarPath, durationMs }, 'built the camunda engine');
    return jarPath;
  } finally {
    await release();
  }
}

async function jarIsFresh(): Promise<boolean> {
  const jar = await mtimeOf(jarPath);
  if (jar === undefined) return false;
  const sources = Math.max((await mtimeOf(pomPath)) ?? 0, await newestMtime(join(projectDir, 'src')));
  return jar >= sources;
}

/**
 * One Maven build at a time in this tree (tests and `npm run engine` may start together):
 * a lock file holding the builder's pid, taken over when that process is gone.
 */
async function acquireBuildLock(log: Logger): Promise<() => Promise<void>> {
  const lock = join(targetDir, '.build.lock');
  let announced = false;
  while (true) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return () => rm(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
    const age = Date.now() - ((await mtimeOf(lock)) ?? Date.now());
    if (!isAlive(holder) || age > 15 * 60_000) {
      await rm(lock, { force: true });
      continue;
    }
    if (!announced) log.info({ lock, holder }, 'another process is building the camunda engine: waiting for it');
    announced = true;
    await sleep(1_000);
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Builds the engine if needed, starts it and waits until its REST API answers. Throws when
 * the engine exits first or does not answer within the timeout, with the end of its output.
 */
export async function startLocalEngine(options: LocalEngineOptions): Promise<LocalEngine> {
  const { port, log } = options;
  // Otherwise another engine already on the port would answer for this one.
  if (!(await portIsFree(port))) {
    throw new Error(`Port ${port} is already in use (another engine?): stop that process or choose another port (ENGINE_PORT).`);
  }
  const jar = await ensureEngineBuilt(log);
  const launchDir = await prepareLaunchDir(jar, log);
  const dataDir = resolve(options.dataDir ?? join(repoRoot, '.data'));
  await mkdir(dataDir, { recursive: true });

  const restUrl = `http://127.0.0.1:${port}/engine-rest`;
  const webappUrl = `http://127.0.0.1:${port}/camunda/app/`;
  const logFile = options.inheritOutput ? undefined : join(dataDir, 'engine.log');
  const logOffset = logFile ? ((await stat(logFile).catch(() => undefined))?.size ?? 0) : 0;

  const cds = await classDataSharingArgs(launchDir, options.classDataSharing ?? true);
  const javaArgs = [
    '-Xmx512m',
    // C1 only: the engine starts about 20% faster; peak throughput does not matter here.
    '-XX:TieredStopAtLevel=1',
    '-Dfile.encoding=UTF-8',
    ...cds.args,
    '-jar',
    join(launchDir, 'camunda-engine.jar'),
    // The REST API is open by default: on a developer machine only loopback may reach it.
    '--server.address=127.0.0.1',
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, ENGINE_PORT: String(port), ENGINE_DATA_DIR: dataDir };
  if (options.dbUrl !== undefined) env.ENGINE_DB_URL = options.dbUrl;
  if (options.dbUser !== undefined) env.ENGINE_DB_USER = options.dbUser;
  if (options.dbPassword !== undefined) env.ENGINE_DB_PASSWORD = options.dbPassword;

  const logHandle = logFile ? await open(logFile, 'a') : undefined;
  await logHandle?.write(`\n=== ${new Date().toISOString()} starting camunda engine on port ${port}\n`);
  const output = logHandle?.fd ?? 'inherit';
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const started = performance.now();
  const child = spawn(java, javaArgs, { cwd: dataDir, env, stdio: ['ignore', output, output] });
  // The child holds its own copy of the descriptor from here on.
  await logHandle?.close();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
    child.once('error', (error) => done({ code: null, signal: null, error }));
  });
  // A parent that exits normally (or via process.exit) takes the engine with it. Signals
  // that kill the parent are the caller's to handle, as src/engine/cli.ts does.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const where = logFile ? `see ${logFile}` : 'its output went to this terminal';
  const describeOutput = async () => {
    if (!logFile) return '';
    const text = await readFrom(logFile, logOffset);
    return `${rootCause(text)}\nLast lines of ${logFile}:\n${tail(text, 40)}`;
  };

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      let killer: NodeJS.Timeout | undefined;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      }
      const result = await exited;
      clearTimeout(killer);
      log.info({ pid: child.pid, code: result.code, signal: result.signal }, 'camunda engine stopped');
      await cds.afterExit(result.signal !== 'SIGKILL' && result.error === undefined);
    })();
    return stopping;
  };

  const timeoutMs = options.startupTimeoutMs ?? 120_000;
  const deadline = started + timeoutMs;
  let exit: Awaited<typeof exited> | undefined;
  void exited.then((result) => (exit = result));
  log.info({ port, restUrl, logFile, dbUrl: options.dbUrl ?? 'h2 file', cds: cds.mode }, 'starting the camunda engine');
  while (true) {
    if (exit) {
      process.removeListener('exit', killOnExit);
      await cds.afterExit(false);
      const how = exit.error ? `could not be started (${exit.error.message})` : `exited with ${exit.signal ?? `code ${exit.code}`}`;
      throw new Error(`The Camunda engine ${how} before its REST API answered (${where}).${await describeOutput()}`);
    }
    if (await answers(`${restUrl}/version`)) break;
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`The Camunda engine did not answer ${restUrl}/version within ${timeoutMs} ms (${where}).${await describeOutput()}`);
    }
    await Promise.race([sleep(500), exited]);
  }
  const startupMs = Math.round(performance.now() - started);
  log.info({ pid: child.pid, restUrl, webappUrl, startupMs }, 'camunda engine is up');
  return { restUrl, webappUrl, pid: child.pid ?? -1, logFile, stop };
}

/** A TCP port that was free on loopback a moment ago. */
export async function findFreePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? done(port) : fail(new Error('no port assigned'))));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.unref();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/**
 * Spring Boot's "extracted" layout of the jar (plain jars on the class path): it starts
 * about a second faster than the nested fat jar and is what class-data sharing needs.
 * One directory per jar build, so a rebuild never changes files under a running engine's
 * feet.
 * See https://docs.spring.io/spring-boot/reference/packaging/efficient.html
 */
async function prepareLaunchDir(jar: string, log: Logger): Promise<string> {
  const stamp = Math.trunc((await stat(jar)).mtimeMs);
  const name = `launch-${stamp}`;
  const dir = join(targetDir, name);
  if ((await mtimeOf(join(dir, 'camunda-engine.jar'))) === undefined) {
    const scratch = join(targetDir, `${name}.tmp-${randomBytes(4).toString('hex')}`);
    const result = await run('java', ['-Djarmode=tools', '-jar', jar, 'extract', '--destination', scratch], targetDir);
    if (result.code !== 0) {
      await rm(scratch, { recursive: true, force: true });
      throw new Error(`Extracting ${jar} failed (exit ${result.code ?? result.error}):\n${tail(result.output, 40)}`);
    }
    // Another process may have extracted the same build meanwhile; either copy will do.
    await rename(scratch, dir).catch(() => rm(scratch, { recursive: true, force: true }));
    log.debug({ dir }, 'extracted the camunda engine jar');
  }
  // Directories of earlier builds go once no engine can plausibly still run from them: a
  // running JVM opens jars lazily, and a dev's `npm start` may run next to a test run for days.
  for (const entry of await readdir(targetDir)) {
    if (!entry.startsWith('launch-') || entry === name) continue;
    const path = join(targetDir, entry);
    if (Date.now() - ((await mtimeOf(path)) ?? 0) > 7 * 24 * 60 * 60_000) await rm(path, { recursive: true, force: true });
  }
  return dir;
}

interface ClassDataSharing {
  mode: 'off' | 'use' | 'record';
  args: string[];
  /** Keeps a recorded archive when the JVM exited cleanly, drops it otherwise. */
  afterExit(clean: boolean): Promise<void>;
}

/**
 * JVM flags for application class-data sharing (JDK 13+ dynamic archives): a run without
 * an archive records one at exit under a private name, renamed into place only after a
 * clean exit so two engines never write the same file and a killed JVM leaves no torn one.
 * A stale archive (another JDK) is ignored by the JVM, which then starts without it.
 */
async function classDataSharingArgs(launchDir: string, enabled: boolean): Promise<ClassDataSharing> {
  const archive = join(launchDir, cdsArchiveName);
  const quiet = '-Xlog:cds*=off';
  if (!enabled) return { mode: 'off', args: [], afterExit: async () => {} };
  if ((await mtimeOf(archive)) !== undefined) {
    return { mode: 'use', args: [`-XX:SharedArchiveFile=${archive}`, quiet], afterExit: async () => {} };
  }
  // Leftovers of engines whose parent died before it could rename their archive.
  for (const entry of await readdir(launchDir)) {
    if (entry.startsWith(`${cdsArchiveName}.tmp-`)) {
      const path = join(launchDir, entry);
      if (Date.now() - ((await mtimeOf(path)) ?? 0) > 10 * 60_000) await rm(path, { force: true });
    }
  }
  const recording = `${archive}.tmp-${randomBytes(4).toString('hex')}`;
  return {
    mode: 'record',
    args: [`-XX:ArchiveClassesAtExit=${recording}`, quiet],
    afterExit: async (clean) => {
      if (clean && (await mtimeOf(recording)) !== undefined) {
        await rename(recording, archive).catch(() => rm(recording, { force: true }));
      } else {
        await rm(recording, { force: true });
      }
    },
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

interface RunResult {
  code: number | null;
  error?: string;
  output: string;
}

/** Runs a command to completion, keeping its combined output (the last 256 KiB). */
function run(command: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((done) => {
    const child: ChildProcess = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-256 * 1024);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('error', (error) => done({ code: null, error: error.message, output }));
    child.once('close', (code) => done({ code, output }));
  });
}

/** The innermost "Caused by:" of a Java stack trace: usually the line that explains it all. */
function rootCause(text: string): string {
  const causes = text.split('\n').filter((line) => line.startsWith('Caused by: '));
  const last = causes.at(-1);
  return last ? `\nRoot cause: ${last.slice('Caused by: '.length).trim()}` : '';
}

function tail(text: string, lines: number): string {
  // eslint-disable-next-line no-control-regex -- Maven's ANSI colours
  return text.replace(/\u001b\[[0-9;]*m/g, '').trimEnd().split('\n').slice(-lines).join('\n');
}

async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const start = Math.max(offset, size - 64 * 1024);
    const buffer = Buffer.alloc(Math.max(0, size - start));
    await handle.read(buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

async function mtimeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Newest change under `dir`: files edited, and (through directory times) files added or removed. */
async function newestMtime(dir: string): Promise<number> {
  let newest = (await mtimeOf(dir)) ?? 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    newest = Math.max(newest, (await mtimeOf(join(entry.parentPath, entry.name))) ?? 0);
  }
  return newest;
}
