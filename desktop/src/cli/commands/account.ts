import { defineGroup } from '../group.js';
import { defineCommand, type CommandContext } from '../registry.js';
import { readSecret } from '../secrets.js';
import { print, SESSION_ENV_HELP, SESSION_OPTIONS, withSession } from '../session-options.js';
import { UsageError } from '../errors.js';
import type { DataCryptSession } from '../../core/index.js';

const PASSWORD_OPTIONS = {
  'password-file': {
    type: 'string',
    value: 'FILE',
    description:
      'read the password from the first line of FILE (else $DATACRYPT_PASSWORD, else a prompt)',
  },
} as const;

const CODE_OPTIONS = {
  'code-file': {
    type: 'string',
    value: 'FILE',
    description: 'read the code from the first line of FILE (else $DATACRYPT_CODE, else a prompt)',
  },
} as const;

const SECRET_HELP = [
  'Passwords and codes never come from the command line: --password-file/--code-file FILE,',
  'the environment (DATACRYPT_PASSWORD, DATACRYPT_CODE), or a prompt without echo on a terminal.',
];

function password(
  context: CommandContext,
  file: string | undefined,
  confirm = false,
): Promise<string> {
  return readSecret(context, {
    file,
    fileFlag: '--password-file',
    env: 'DATACRYPT_PASSWORD',
    prompt: 'Password: ',
    what: 'password',
    confirm,
  });
}

function code(context: CommandContext, file: string | undefined, what: string): Promise<string> {
  return readSecret(context, {
    file,
    fileFlag: '--code-file',
    env: 'DATACRYPT_CODE',
    prompt: `${what.charAt(0).toUpperCase()}${what.slice(1)}: `,
    what,
  });
}

function requireEmail(positionals: string[], command: string): string {
  const email = positionals.at(0);
  if (email === undefined) throw new UsageError('missing EMAIL', command);
  return email;
}

const register = defineCommand({
  name: 'account register',
  summary: 'create an account on the relay (a code is mailed to confirm the address)',
  usage: ['datacrypt account register EMAIL [--password-file FILE]'],
  description: [
    "Creates the account EMAIL on the profile's relay (see `datacrypt relay set`). The relay",
    'mails a 6-digit code: confirm with `datacrypt account verify`, then log in.',
    ...SECRET_HELP,
    ...SESSION_ENV_HELP,
  ],
  options: { ...PASSWORD_OPTIONS, ...SESSION_OPTIONS },
  positionals: { name: 'EMAIL', description: 'your email address', max: 1 },
  examples: ['datacrypt account register alice@example.com'],
  async run(values, positionals, context) {
    const email = requireEmail(positionals, context.command);
    const secret = await password(context, values['password-file'], true);
    return withSession(values, context, async (session) => {
      await session.register(email, secret);
      const status = await session.status();
      print(context, values, { email: status.account?.email ?? email, relayUrl: status.relayUrl }, [
        `Registered ${status.account?.email ?? email} on ${status.relayUrl}.`,
        'A verification code was mailed: run `datacrypt account verify`.',
      ]);
      return 0;
    });
  },
});

const verify = defineCommand({
  name: 'account verify',
  summary: 'confirm the email address with the mailed code',
  usage: ['datacrypt account verify [--code-file FILE] [--email EMAIL] [--resend]'],
  description: [
    'Confirms the address registered in this profile with the 6-digit code.',
    ...SECRET_HELP,
  ],
  options: {
    ...CODE_OPTIONS,
    resend: { type: 'boolean', description: 'ask the relay to mail a new code instead' },
    email: {
      type: 'string',
      value: 'EMAIL',
      description: 'the account, when it was registered from another profile',
    },
    ...SESSION_OPTIONS,
  },
  positionals: null,
  examples: ['datacrypt account verify', 'datacrypt account verify --resend'],
  async run(values, _positionals, context) {
    if (values.resend === true) {
      return withSession(values, context, async (session) => {
        await session.resendCode(values.email);
        print(context, values, { resent: true }, 'A new verification code was mailed.');
        return 0;
      });
    }
    const secret = await code(context, values['code-file'], 'verification code');
    return withSession(values, context, async (session) => {
      await session.verifyEmail(secret, values.email);
      print(
        context,
        values,
        { verified: true },
        'Email address verified: run `datacrypt account login`.',
      );
      return 0;
    });
  },
});

async function finishLogin(
  session: DataCryptSession,
  context: CommandContext,
  json: boolean | undefined,
): Promise<number> {
  const status = await session.status();
  const lines = [`Logged in as ${status.account?.email ?? '?'} on ${status.relayUrl}.`];
  if (status.fingerprint !== undefined) lines.push(`Your fingerprint: ${status.fingerprint}`);
  print(
    context,
    { json },
    { status: 'ok', account: status.account, fingerprint: status.fingerprint ?? null },
    lines,
  );
  return 0;
}

const login = defineCommand({
  name: 'account login',
  summary: 'log in (creates and publishes your key on the first login)',
  usage: ['datacrypt account login EMAIL [--password-file FILE] [--code-file FILE]'],
  description: [
    'Logs in to the relay. On the first login of a profile your identity (key pair) is created in',
    'the OS keychain and its public key published, self-signed. With two-factor login on, a',
    '6-digit code (or a recovery code) is read like a password: --code-file FILE, $DATACRYPT_CODE',
    'or a prompt.',
    ...SECRET_HELP,
  ],
  options: { ...PASSWORD_OPTIONS, ...CODE_OPTIONS, ...SESSION_OPTIONS },
  positionals: { name: 'EMAIL', description: 'your email address', max: 1 },
  examples: ['datacrypt account login alice@example.com'],
  async run(values, positionals, context) {
    const email = requireEmail(positionals, context.command);
    const secret = await password(context, values['password-file']);
    return withSession(values, context, async (session) => {
      const result = await session.login(email, secret);
      if (result.status === 'second-factor-required') {
        const factor = await code(context, values['code-file'], 'two-factor code');
        await session.loginSecondFactor(factor);
      }
      return finishLogin(session, context, values.json);
    });
  },
});

const logout = defineCommand({
  name: 'account logout',
  summary: 'end the session (keys stay in the keychain)',
  usage: ['datacrypt account logout'],
  description: ['Ends the session on the relay and forgets its token. Your keys are kept.'],
  options: { ...SESSION_OPTIONS },
  positionals: null,
  async run(values, _positionals, context) {
    return withSession(values, context, async (session) => {
      const { endedOnRelay } = await session.logout();
      print(
        context,
        values,
        { loggedOut: true, endedOnRelay },
        endedOnRelay ? 'Logged out.' : 'Logged out locally (the relay could not be reached).',
      );
      return 0;
    });
  },
});

const status = defineCommand({
  name: 'account status',
  summary: 'show the relay, the account and where the keys are kept',
  usage: ['datacrypt account status'],
  description: ["Shows the profile's relay, account, key store and fingerprint (no network)."],
  options: { ...SESSION_OPTIONS },
  positionals: null,
  async run(values, _positionals, context) {
    return withSession(values, context, async (session) => {
      const s = await session.status();
      const lines = [
        `Profile:   ${s.profileDir}`,
        `Relay:     ${s.relayUrl}`,
        s.account === undefined
          ? 'Account:   none (datacrypt account register / login)'
          : `Account:   ${s.account.email} (${s.account.verified ? 'verified' : 'not verified'}, ${s.account.loggedIn ? 'logged in' : 'logged out'}, two-factor ${s.account.totpEnabled ? 'on' : 'off'})`,
        `Key store: ${s.keyStore} (${s.keyStoreNote})`,
      ];
      if (s.fingerprint !== undefined) lines.push(`Fingerprint: ${s.fingerprint}`);
      print(context, values, s, lines);
      return 0;
    });
  },
});

const twoFactor = defineCommand({
  name: 'account 2fa',
  summary: 'two-factor login: setup, enable, disable',
  usage: [
    'datacrypt account 2fa setup',
    'datacrypt account 2fa enable [--code-file FILE]',
    'datacrypt account 2fa disable [--password-file FILE] [--code-file FILE]',
  ],
  description: [
    'setup: prints an otpauth:// URL and secret to add to an authenticator app.',
    'enable: confirms with a current 6-digit code and prints one-time recovery codes (keep them).',
    'disable: turns it off (password and a current code).',
    ...SECRET_HELP,
  ],
  options: { ...PASSWORD_OPTIONS, ...CODE_OPTIONS, ...SESSION_OPTIONS },
  positionals: { name: 'ACTION', description: 'setup | enable | disable', max: 1 },
  examples: ['datacrypt account 2fa setup', 'datacrypt account 2fa enable'],
  async run(values, positionals, context) {
    const action = positionals.at(0);
    if (action === 'setup') {
      return withSession(values, context, async (session) => {
        const setup = await session.totpSetup();
        print(context, values, setup, [
          'Add this to your authenticator app, then run `datacrypt account 2fa enable`:',
          `  ${setup.otpauthUrl}`,
          `  secret: ${setup.secret}`,
        ]);
        return 0;
      });
    }
    if (action === 'enable') {
      const factor = await code(context, values['code-file'], 'two-factor code');
      return withSession(values, context, async (session) => {
        const recoveryCodes = await session.totpEnable(factor);
        print(context, values, { enabled: true, recoveryCodes }, [
          'Two-factor login is on. One-time recovery codes (store them safely):',
          ...recoveryCodes.map((c) => `  ${c}`),
        ]);
        return 0;
      });
    }
    if (action === 'disable') {
      const secret = await password(context, values['password-file']);
      const factor = await code(context, values['code-file'], 'two-factor code');
      return withSession(values, context, async (session) => {
        await session.totpDisable(secret, factor);
        print(context, values, { enabled: false }, 'Two-factor login is off.');
        return 0;
      });
    }
    throw new UsageError(
      action === undefined
        ? 'missing ACTION (setup, enable or disable)'
        : `unknown ACTION ${JSON.stringify(action)}`,
      context.command,
    );
  },
});

const changePassword = defineCommand({
  name: 'account password',
  summary: 'change the password (other sessions end)',
  usage: ['datacrypt account password [--password-file FILE] [--new-password-file FILE]'],
  description: [
    'Changes the account password. The current one comes from --password-file or',
    '$DATACRYPT_PASSWORD, the new one from --new-password-file or $DATACRYPT_NEW_PASSWORD,',
    'else both are asked on the terminal.',
  ],
  options: {
    ...PASSWORD_OPTIONS,
    'new-password-file': {
      type: 'string',
      value: 'FILE',
      description: 'read the new password from the first line of FILE',
    },
    ...SESSION_OPTIONS,
  },
  positionals: null,
  async run(values, _positionals, context) {
    const current = await password(context, values['password-file']);
    const next = await readSecret(context, {
      file: values['new-password-file'],
      fileFlag: '--new-password-file',
      env: 'DATACRYPT_NEW_PASSWORD',
      prompt: 'New password: ',
      what: 'new password',
      confirm: true,
    });
    return withSession(values, context, async (session) => {
      await session.changePassword(current, next);
      print(context, values, { changed: true }, 'Password changed; other sessions were ended.');
      return 0;
    });
  },
});

export const account = defineGroup({
  name: 'account',
  summary: 'register, verify, log in and out, two-factor login',
  description: ['Your account on the relay of this profile (see `datacrypt relay set`).'],
  subcommands: [register, verify, login, logout, status, twoFactor, changePassword],
});
