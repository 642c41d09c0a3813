/**
 * What runs while the app is open and logged in, for both hosts: the live inbox (InboxWatcher)
 * turned into contract events and OS notifications, the connection state, and the restart of
 * transfers a previous run left unfinished.
 * @module
 */
import type { RealtimePayloads } from '@datacrypt/relay-server/contract';
import { isCodedError } from '../core/errors.js';
import type { InboxWatcher } from '../core/realtime/inbox-watcher.js';
import type { HostRuntime } from './runtime.js';
import { track } from './transfer-handlers.js';

function sizeText(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit] ?? ''}`;
}

/**
 * Starts and stops the background work with the account's login state.
 * @example
 * const background = new Background(runtime);
 * await background.sync(); // after start-up, login, logout, unlock, relay change
 */
export class Background {
  private watcher: InboxWatcher | null = null;
  private unsubscribe: (() => void) | null = null;
  private syncing: Promise<void> = Promise.resolve();

  constructor(private readonly host: HostRuntime) {}

  /** Brings the background work in line with the session (serialized). */
  sync(): Promise<void> {
    this.syncing = this.syncing
      .then(() => this.syncNow())
      .catch((error: unknown) => {
        this.host.log.error('background sync failed', error);
      });
    return this.syncing;
  }

  private async loggedIn(): Promise<boolean> {
    try {
      const status = await this.host.session().status();
      return status.account?.loggedIn === true && status.fingerprint !== undefined;
    } catch {
      return false;
    }
  }

  private async syncNow(): Promise<void> {
    if (!(await this.loggedIn())) {
      await this.stopNow();
      this.host.setConnection('signed-out');
      return;
    }
    const session = this.host.session();
    const watcher = await session.transfers.watcher();
    if (watcher === this.watcher) return;
    await this.stopNow();
    this.watcher = watcher;
    this.unsubscribe = this.subscribe(watcher);
    for (const handle of await session.transfers.resumePending()) track(this.host, handle);
    this.host.setConnection('connecting');
    watcher.start().catch((error: unknown) => {
      if (this.watcher !== watcher) return;
      const code = isCodedError(error) ? error.code : 'E_NETWORK';
      this.host.setConnection(code === 'E_STOPPED' ? 'signed-out' : 'offline', code);
    });
  }

  private subscribe(watcher: InboxWatcher): () => void {
    const host = this.host;
    const onNew = (p: RealtimePayloads['transfer:new']): void => {
      void this.announceNew(p);
    };
    const onReceipt = (p: RealtimePayloads['transfer:receipt']): void => {
      void this.announceReceipt(p);
    };
    const changed =
      (change: 'downloaded' | 'revoked' | 'expired') =>
      (p: { transferId: string }): void => {
        if (change !== 'downloaded') host.markSeen([p.transferId]);
        host.emit('transfer:changed', { transferId: p.transferId, change, at: Date.now() });
      };
    const onDownloaded = changed('downloaded');
    const onRevoked = changed('revoked');
    const onExpired = changed('expired');
    const onKeyChanged = (): void => {
      void this.checkKeys();
    };
    const onConnected = (): void => {
      host.setConnection('online');
    };
    const onDisconnected = (p: { willRetry: boolean; reason: string }): void => {
      host.setConnection(p.willRetry ? 'connecting' : 'offline', null);
    };
    const onEnded = (p: { code: string }): void => {
      host.setConnection('signed-out', p.code);
    };
    watcher
      .on('transfer:new', onNew)
      .on('transfer:receipt', onReceipt)
      .on('transfer:downloaded', onDownloaded)
      .on('transfer:revoked', onRevoked)
      .on('transfer:expired', onExpired)
      .on('key:changed', onKeyChanged)
      .on('connected', onConnected)
      .on('disconnected', onDisconnected)
      .on('session:ended', onEnded);
    return () => {
      watcher
        .off('transfer:new', onNew)
        .off('transfer:receipt', onReceipt)
        .off('transfer:downloaded', onDownloaded)
        .off('transfer:revoked', onRevoked)
        .off('transfer:expired', onExpired)
        .off('key:changed', onKeyChanged)
        .off('connected', onConnected)
        .off('disconnected', onDisconnected)
        .off('session:ended', onEnded);
    };
  }

  /** A new inbox transfer: event with the sender's email (the relay event has ids only). */
  private async announceNew(p: RealtimePayloads['transfer:new']): Promise<void> {
    const host = this.host;
    try {
      const engine = await host.session().transfers.engine();
      const view = await engine.transfers.get(p.transferId);
      host.emit('transfer:new', {
        transferId: p.transferId,
        sender: view.sender,
        size: view.size,
        at: Date.now(),
      });
      host.addUnread(p.transferId);
      if (host.settings().notifications.newTransfers) {
        host.platform.notify(
          'New encrypted transfer',
          `${view.sender} sent you ${sizeText(view.size)}`,
        );
      }
    } catch (error) {
      host.log.error('could not announce a new transfer', error);
    }
  }

  /** A receipt: checked against the recipient's pinned key, then announced. */
  private async announceReceipt(p: RealtimePayloads['transfer:receipt']): Promise<void> {
    const host = this.host;
    try {
      const receipts = await host.session().transfers.verifyReceipts(p.transferId);
      const newest = [...receipts].sort((a, b) => b.createdAt - a.createdAt).at(0);
      if (newest === undefined) return;
      host.emit('transfer:receipt', {
        transferId: p.transferId,
        recipient: newest.recipient,
        verified: newest.verified,
        at: newest.createdAt,
      });
      if (host.settings().notifications.receipts) {
        host.platform.notify(
          newest.verified ? 'Transfer received' : 'Receipt could not be verified',
          newest.verified
            ? `${newest.recipient} received and decrypted your transfer`
            : `A receipt from ${newest.recipient} does not match their key`,
        );
      }
    } catch (error) {
      host.log.error('could not check a receipt', error);
    }
  }

  /** Someone rotated their key: re-check contacts and announce those now key-changed. */
  private async checkKeys(): Promise<void> {
    const host = this.host;
    try {
      const session = host.session();
      const contacts = await session.contacts.refresh();
      for (const c of contacts) {
        if (c.status !== 'key-changed' || c.newFingerprint === null) continue;
        host.emit('contact:keyChanged', {
          email: c.email,
          oldFingerprint: c.fingerprint,
          newFingerprint: c.newFingerprint,
        });
      }
    } catch (error) {
      host.log.error('could not re-check contact keys', error);
    }
  }

  private async stopNow(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const watcher = this.watcher;
    this.watcher = null;
    await watcher?.stop();
  }

  /** Stops everything (app shutdown). */
  async stop(): Promise<void> {
    await this.syncing;
    await this.stopNow();
  }
}
