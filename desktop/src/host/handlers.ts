/**
 * The contract's calls implemented on DataCryptSession: one handler per channel (HandlerMap makes
 * a missing or extra one a compile error). Arguments arrive already checked against the contract
 * (dispatcher.ts); results are checked on the way out. This is all the behaviour the Electron app
 * and the web host have: both call this map.
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type {
  AccountStatus,
  ContactDetail,
  ContactView,
  HandlerMap,
  KeyInfo,
  SafetyNumberView,
} from '#shared';
import { isCodedError } from '../core/errors.js';
import { withPrivateTempDir } from '../core/temp.js';
import type {
  ContactDetail as SessionContactDetail,
  ContactInfo,
  KeysInfo,
  SafetyNumberInfo,
  SessionStatus,
} from '../core/session/index.js';
import { HostRuntime } from './runtime.js';
import { transferHandlers } from './transfer-handlers.js';

function contactView(c: ContactInfo): ContactView {
  return {
    email: c.email,
    status: c.status,
    fingerprint: c.fingerprint,
    firstSeenAt: c.firstSeenAt,
    verifiedAt: c.verifiedAt,
    pendingFingerprint: c.newFingerprint,
  };
}

function safetyView(n: SafetyNumberInfo): SafetyNumberView {
  return { digits: n.digits, groups: [...n.groups], qrPayload: n.qrPayload };
}

function contactDetail(d: SessionContactDetail): ContactDetail {
  return {
    contact: contactView(d.contact),
    myFingerprint: d.myFingerprint,
    safetyNumber: safetyView(d.safetyNumber),
    keyChange:
      d.keyChange === null
        ? null
        : {
            oldFingerprint: d.keyChange.oldFingerprint,
            newFingerprint: d.keyChange.newFingerprint,
            safetyNumber: safetyView(d.keyChange.safetyNumber),
          },
  };
}

function keyInfo(k: KeysInfo): KeyInfo {
  return {
    fingerprint: k.fingerprint,
    publicIdentity: k.publicIdentity,
    createdAt: k.createdAt,
    storage: k.keyStore,
    retired: k.retired.map((r) => ({
      fingerprint: r.fingerprint,
      createdAt: r.createdAt,
      retiredAt: r.retiredAt ?? r.createdAt,
    })),
  };
}

/** The session status, or null while the file key store is locked (it holds the session token). */
async function sessionStatus(host: HostRuntime): Promise<SessionStatus | null> {
  try {
    return await host.session().status();
  } catch (error) {
    if (HostRuntime.isLocked(error) || isCodedError(error, 'E_PASSPHRASE')) return null;
    throw error;
  }
}

/**
 * The status the UI renders its shell from.
 * @example
 * const status = await accountStatus(host);
 */
export async function accountStatus(host: HostRuntime): Promise<AccountStatus> {
  const s = await sessionStatus(host);
  const account = s?.account ?? null;
  const stage: AccountStatus['stage'] =
    s === null
      ? 'signed-out'
      : account === null
        ? 'no-account'
        : !account.verified
          ? 'unverified'
          : host.secondFactorPending
            ? 'second-factor'
            : account.loggedIn
              ? 'ready'
              : 'signed-out';
  const fingerprint = s?.fingerprint ?? null;
  const connection = host.connection();
  return {
    relayUrl: host.session().relayUrl,
    stage,
    email: account?.email ?? null,
    fingerprint,
    totpEnabled: account?.totpEnabled ?? false,
    backupRecommended: host.backupRecommended(fingerprint),
    keyStore: host.keyStoreInfo(),
    connection:
      stage !== 'ready' ? 'signed-out' : connection === 'signed-out' ? 'offline' : connection,
    unread: host.unread,
  };
}

/** Runs `work` with the path of a private temporary file (removed afterwards). */
function withTempFile<T>(name: string, work: (path: string) => Promise<T>): Promise<T> {
  return withPrivateTempDir((dir) => work(join(dir, name)));
}

/**
 * The handler of every contract channel; the context is the app's HostRuntime.
 * @example
 * const dispatch = createDispatcher(handlers, log);
 */
export const handlers: HandlerMap<HostRuntime> = {
  'app:info': (_args, host) =>
    Promise.resolve({
      transport: host.platform.transport,
      appVersion: host.platform.appVersion,
      platform: process.platform,
      pathSeparator: sep === '\\' ? '\\' : '/',
      nativeDialogs: host.platform.nativeDialogs,
      fileUpload: host.platform.fileUpload,
      profileDir: host.profileDir,
      defaultDownloadDir: host.defaultDownloadDir,
    }),
  'app:takePendingOpenFile': (_args, host) => Promise.resolve({ path: host.takePendingOpenFile() }),

  // --- account ---
  'account:status': (_args, host) => accountStatus(host),
  'account:setRelay': async ({ url }, host) => {
    await host.session().setRelay(url);
    host.secondFactorPending = false;
    await host.accountChanged();
    return accountStatus(host);
  },
  'account:register': async ({ email, password }, host) => {
    await host.session().register(email, password);
    return accountStatus(host);
  },
  'account:verifyEmail': async ({ code }, host) => {
    await host.session().verifyEmail(code);
    return accountStatus(host);
  },
  'account:resendCode': async (_args, host) => {
    await host.session().resendCode();
    return { sent: true };
  },
  'account:login': async ({ email, password }, host) => {
    const before = await sessionStatus(host);
    const result = await host.session().login(email, password);
    if (result.status === 'second-factor-required') {
      host.secondFactorPending = true;
      return { status: 'second-factor-required' };
    }
    host.secondFactorPending = false;
    await host.accountChanged();
    const account = await accountStatus(host);
    return { status: 'ok', keyCreated: (before?.fingerprint ?? null) === null, account };
  },
  'account:loginSecondFactor': async (args, host) => {
    const before = await sessionStatus(host);
    await host.session().loginSecondFactor('code' in args ? args.code : args.recoveryCode);
    host.secondFactorPending = false;
    await host.accountChanged();
    const account = await accountStatus(host);
    return { status: 'ok', keyCreated: (before?.fingerprint ?? null) === null, account };
  },
  'account:logout': async (_args, host) => {
    host.secondFactorPending = false;
    await host.session().logout();
    await host.accountChanged();
    return accountStatus(host);
  },
  'account:twoFactorSetup': async (_args, host) => {
    const { secret, otpauthUrl } = await host.session().totpSetup();
    return { secret, otpauthUrl };
  },
  'account:twoFactorEnable': async ({ code }, host) => ({
    recoveryCodes: await host.session().totpEnable(code),
  }),
  'account:twoFactorDisable': async ({ password, code }, host) => {
    await host.session().totpDisable(password, code);
    return accountStatus(host);
  },

  'account:changePassword': async ({ currentPassword, newPassword }, host) => {
    await host.session().changePassword(currentPassword, newPassword);
    return { changed: true };
  },

  // --- keys ---
  'keys:unlock': async ({ passphrase }, host) => {
    await host.unlock(passphrase);
    return accountStatus(host);
  },
  'keys:show': async (_args, host) => keyInfo(await host.session().keys.show()),
  'keys:backup': async ({ passphrase, path }, host) => {
    const session = host.session();
    const write = async (target: string): Promise<string> => {
      const { fingerprint } = await session.keys.backup(target, passphrase);
      host.backupHandled(fingerprint);
      return readFile(target, 'utf8');
    };
    if (path !== undefined) return { armored: await write(path), path };
    return { armored: await withTempFile('backup.txt', write), path: null };
  },
  'keys:restore': async ({ source, passphrase }, host) => {
    const session = host.session();
    if ('path' in source) {
      await session.keys.restore(source.path, passphrase);
    } else {
      await withTempFile('backup.txt', async (file) => {
        await writeFile(file, source.text, { mode: 0o600, flag: 'wx' });
        await session.keys.restore(file, passphrase);
      });
    }
    return keyInfo(await session.keys.show());
  },
  'keys:rotate': async (_args, host) => {
    await host.session().keys.rotate();
    return keyInfo(await host.session().keys.show());
  },
  'keys:dismissBackup': async (_args, host) => {
    const s = await sessionStatus(host);
    if (s?.fingerprint !== undefined) host.backupHandled(s.fingerprint);
    return accountStatus(host);
  },

  // --- contacts ---
  'contacts:add': async ({ email }, host) => contactView(await host.session().contacts.add(email)),
  'contacts:list': async (_args, host) => ({
    contacts: (await host.session().contacts.list()).map(contactView),
  }),
  'contacts:show': async ({ email }, host) =>
    contactDetail(await host.session().contacts.show(email)),
  'contacts:refresh': async ({ email }, host) => {
    const session = host.session();
    await session.contacts.refresh(email);
    const detail = await session.contacts.show(email);
    if (detail.keyChange !== null) {
      host.emit('contact:keyChanged', {
        email: detail.contact.email,
        oldFingerprint: detail.keyChange.oldFingerprint,
        newFingerprint: detail.keyChange.newFingerprint,
      });
    }
    return contactView(detail.contact);
  },
  'contacts:verify': async ({ email, safetyNumber }, host) =>
    contactView(await host.session().contacts.verify(email, { safetyNumber })),
  'contacts:acceptKeyChange': async ({ email }, host) =>
    contactView(await host.session().contacts.acceptKeyChange(email)),

  'contacts:remove': async ({ email }, host) => ({
    removed: await host.session().contacts.remove(email),
  }),

  // --- transfers ---
  ...transferHandlers,

  // --- offline ---
  'offline:decrypt': async ({ path, folder }, host) => {
    // A trailing separator: always extract into the folder, even a single file.
    const into = folder.endsWith(sep) ? folder : folder + sep;
    const r = await host.session().decryptFile(path, into);
    return {
      outputs: r.outputs,
      sender: { fingerprint: r.senderFingerprint, email: r.senderEmail, trust: r.senderStatus },
    };
  },

  // --- settings ---
  'settings:get': (_args, host) => Promise.resolve(host.settings()),
  'settings:set': (patch, host) => Promise.resolve(host.updateSettings(patch)),

  // --- dialogs ---
  'dialog:openFiles': (request, host) => host.platform.openFiles(request),
  'dialog:saveFile': (request, host) => host.platform.saveFile(request),
  'shell:showItem': async ({ path }, host) => ({ shown: await host.platform.showItem(path) }),
};

/**
 * The channels the host implements (for tests: must equal the contract's).
 * @example
 * handlerChannels(); // ['app:info', 'app:takePendingOpenFile', ...]
 */
export function handlerChannels(): string[] {
  return Object.keys(handlers);
}
