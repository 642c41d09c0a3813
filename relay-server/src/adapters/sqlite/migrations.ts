// Numbered, append-only: a released migration is never edited, only followed by a new one.
export const migrations: readonly string[] = [
  // 1: initial schema
  `
  CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('user', 'admin')),
    verified INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    totp_secret TEXT,
    totp_pending_secret TEXT,
    verify_code_hash TEXT,
    verify_code_expires_at INTEGER,
    verify_code_attempts INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (user_id, code_hash)
  );
  CREATE TABLE token_families (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE INDEX token_families_user ON token_families(user_id);
  CREATE TABLE refresh_tokens (
    hash TEXT PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES token_families(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  );
  CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
  CREATE TABLE attempts (
    key TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX attempts_key_at ON attempts(key, at);
  CREATE TABLE keys (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    email TEXT NOT NULL,
    publication TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    published_at INTEGER NOT NULL
  );
  CREATE INDEX keys_email ON keys(email, seq);
  CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    sender_id TEXT NOT NULL,
    sender_email TEXT NOT NULL,
    size INTEGER NOT NULL,
    part_size INTEGER NOT NULL,
    part_count INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('uploading', 'ready')),
    deleting INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    finalized_at INTEGER,
    expires_at INTEGER NOT NULL,
    max_downloads INTEGER,
    downloads INTEGER NOT NULL DEFAULT 0,
    blob_handle TEXT
  );
  CREATE INDEX transfers_sender ON transfers(sender_id, created_at);
  CREATE INDEX transfers_expiry ON transfers(expires_at);
  CREATE TABLE transfer_recipients (
    transfer_id TEXT NOT NULL REFERENCES transfers(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    email TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    downloaded_at INTEGER,
    receipt_signature TEXT,
    receipt_at INTEGER,
    PRIMARY KEY (transfer_id, user_id)
  );
  CREATE INDEX transfer_recipients_user ON transfer_recipients(user_id);
  CREATE TABLE parts (
    transfer_id TEXT NOT NULL REFERENCES transfers(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    etag TEXT NOT NULL,
    PRIMARY KEY (transfer_id, n)
  );
  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    ip TEXT,
    transfer_id TEXT
  );
  CREATE INDEX audit_user ON audit(user_id, seq);
  `,
  // 2: TOTP replay protection
  `
  ALTER TABLE accounts ADD COLUMN totp_last_step INTEGER;
  `,
  // 3: realtime event log, key watchers, notification preference, leases
  `
  ALTER TABLE accounts ADD COLUMN email_on_new_transfer INTEGER NOT NULL DEFAULT 1;
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX events_user ON events(user_id, seq);
  CREATE INDEX events_at ON events(at);
  CREATE TABLE key_watchers (
    subject_id TEXT NOT NULL,
    watcher_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (subject_id, watcher_id)
  );
  CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
  // 4: revoked tombstones (410 E_REVOKED until expiry) and the finalize step that closes part writes
  `
  ALTER TABLE transfers ADD COLUMN revoked_at INTEGER;
  ALTER TABLE transfers ADD COLUMN finalizing_at INTEGER;
  `,
  // 5: inbox listing in index order. Each recipient row carries its transfer's created_at and
  // whether the transfer is listed (ready, not deleting, not revoked), kept in step by the
  // transfer store, so a page reads the index in order and stops early and the total is an
  // index-only count instead of a join and sort over the whole inbox.
  `
  ALTER TABLE transfer_recipients ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE transfer_recipients ADD COLUMN listed INTEGER NOT NULL DEFAULT 0;
  UPDATE transfer_recipients SET
    created_at = (SELECT t.created_at FROM transfers t WHERE t.id = transfer_id),
    listed = (SELECT t.status = 'ready' AND t.deleting = 0 AND t.revoked_at IS NULL
              FROM transfers t WHERE t.id = transfer_id);
  CREATE INDEX transfer_recipients_inbox
    ON transfer_recipients(user_id, hidden, listed, created_at DESC, transfer_id);
  `,
];
