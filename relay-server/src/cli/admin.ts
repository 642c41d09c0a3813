import { build } from '../app.js';
import type { Config } from '../config.js';
import { eventRetentionMs } from '../container.js';
import {
  AdminError,
  createAdmin,
  disableUser,
  enableUser,
  listUsers,
  type UserSummary,
} from '../admin/accounts.js';
import { sweep } from '../services/sweeper.js';

export const ADMIN_USAGE = `usage: datacrypt-relay admin <command>
  create-admin EMAIL [--password-stdin]   make EMAIL an administrator (creates a verified account
                                          if none; prints a generated password unless one is
                                          read from stdin)
  users [--json]                          list accounts with their storage use
  disable EMAIL                           end every session of EMAIL and block logins
  enable EMAIL                            undo disable
  purge-expired                           delete expired and abandoned transfers now

Uses the same DATACRYPT_* configuration (and so the same stores) as the relay.`;

export interface Terminal {
  out(line: string): void;
  err(line: string): void;
  readStdin(): Promise<string>;
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? String(value) : value.toFixed(1)} ${units[unit] ?? ''}`;
}

function table(users: UserSummary[]): string[] {
  const rows = users.map((u) => [
    u.email,
    u.role,
    u.verified ? 'yes' : 'no',
    u.disabled ? 'yes' : 'no',
    formatBytes(u.usedBytes),
    new Date(u.createdAt).toISOString().slice(0, 10),
  ]);
  const header = ['EMAIL', 'ROLE', 'VERIFIED', 'DISABLED', 'USED', 'CREATED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * Runs one admin command against the stores `config` points at, through the same container
 * (ports) as the relay: never raw SQL. Returns the exit code: 0 done, 1 failed, 2 usage.
 */
export async function runAdmin(args: string[], config: Config, term: Terminal): Promise<number> {
  const command = args.at(0);
  const rest = args.slice(1);
  const flags = new Set(rest.filter((a) => a.startsWith('--')));
  const operands = rest.filter((a) => !a.startsWith('--'));
  const known: Record<string, { operands: number; flags: string[] }> = {
    'create-admin': { operands: 1, flags: ['--password-stdin'] },
    users: { operands: 0, flags: ['--json'] },
    disable: { operands: 1, flags: [] },
    enable: { operands: 1, flags: [] },
    'purge-expired': { operands: 0, flags: [] },
  };
  const spec = command !== undefined && Object.hasOwn(known, command) ? known[command] : undefined;
  if (
    spec === undefined ||
    operands.length !== spec.operands ||
    [...flags].some((f) => !spec.flags.includes(f))
  ) {
    term.err(ADMIN_USAGE);
    return 2;
  }
  const password = flags.has('--password-stdin')
    ? (await term.readStdin()).replace(/\r?\n$/, '')
    : undefined;

  // The whole app, not listening: the same container, adapters and event subscribers as a relay.
  const app = await build(config, { logStream: process.stderr });
  const c = app.container;
  try {
    const email = operands[0] ?? '';
    switch (command) {
      case 'create-admin': {
        const result = await createAdmin(c, email, password);
        term.out(
          result.created ? `created administrator ${email}` : `${email} is now an administrator`,
        );
        if (result.generatedPassword !== undefined) {
          term.out(
            `password (shown once, change it after logging in): ${result.generatedPassword}`,
          );
        }
        break;
      }
      case 'users': {
        const users = await listUsers(c);
        if (flags.has('--json')) for (const u of users) term.out(JSON.stringify(u));
        else for (const line of table(users)) term.out(line);
        break;
      }
      case 'disable': {
        const { changed } = await disableUser(c, email);
        term.out(
          changed ? `disabled ${email}; its sessions ended` : `${email} was already disabled`,
        );
        break;
      }
      case 'enable': {
        const { changed } = await enableUser(c, email);
        term.out(changed ? `enabled ${email}` : `${email} was not disabled`);
        break;
      }
      case 'purge-expired': {
        const removed = await sweep(c, app.log);
        const events = await c.events.prune(c.now() - eventRetentionMs(c.config));
        term.out(`removed ${removed} transfer(s) and ${events} old event(s)`);
        break;
      }
    }
    return 0;
  } catch (err) {
    if (err instanceof AdminError) {
      term.err(`datacrypt-relay: ${err.code}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await app.close();
  }
}
