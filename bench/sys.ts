import { readFileSync } from 'node:fs';

/** CPU and memory readings from /proc (Linux); undefined where /proc is not there. */

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system, ms) a process has used so far. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Resident memory of a process in MiB. */
export function processRssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The most resident memory a process has had (VmHWM), in MiB. */
export function processPeakRssMb(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface MachineCpu {
  /** CPU ms all cores spent busy since boot. */
  readonly busy: number;
  /** CPU ms all cores spent in any state since boot. */
  readonly total: number;
}

/** Cumulative machine CPU time, all cores. */
export function machineCpu(): MachineCpu | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    const ms = 1000 / CLOCK_TICKS_PER_SECOND;
    return { busy: (total - idle) * ms, total: total * ms };
  } catch {
    return undefined;
  }
}

/** Share of all cores busy between two readings, in percent. */
export function busyPercent(before: MachineCpu | undefined, after: MachineCpu | undefined): number | undefined {
  if (!before || !after || after.total === before.total) return undefined;
  return (100 * (after.busy - before.busy)) / (after.total - before.total);
}

/**
 * Share of all cores (percent) used by processes other than this one and the engine between
 * two readings: other work on the machine that competed with the measurement.
 */
export function othersPercent(before: MachineCpu | undefined, after: MachineCpu | undefined, ownCpuMs: number, engineCpuMs: number | undefined): number | undefined {
  if (!before || !after || engineCpuMs === undefined || after.total === before.total) return undefined;
  return Math.max(0, (100 * (after.busy - before.busy - ownCpuMs - engineCpuMs)) / (after.total - before.total));
}

export function rssMb(): number {
  return process.memoryUsage.rss() / (1024 * 1024);
}
