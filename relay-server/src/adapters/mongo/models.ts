/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   mongoose types its schema options bags as classes; plain literals are its documented input. */
import { Schema, type Connection, type Model } from 'mongoose';
import type { AuditEventType, KeyPublicationBody, Role } from '../../contract/index.js';

// Ids are our own (string) ids, never ObjectIds, so records move between adapters unchanged.

export interface AccountDoc {
  _id: string;
  email: string;
  passwordHash: string;
  role: Role;
  verified: boolean;
  createdAt: number;
  totpSecret: string | null;
  totpPendingSecret: string | null;
  totpLastStep: number | null;
  verifyCodeHash: string | null;
  verifyCodeExpiresAt: number | null;
  verifyCodeAttempts: number;
  recoveryCodes: string[];
  /** Absent on accounts created before the preference existed: treated as true. */
  emailOnNewTransfer?: boolean;
}

export interface FamilyDoc {
  _id: string;
  userId: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface RefreshDoc {
  _id: string;
  familyId: string;
  userId: string;
  expiresAt: number;
  /** Date twin of expiresAt for the TTL index, which only works on dates. */
  expiresAtDate: Date;
  usedAt: number | null;
}

export interface AttemptDoc {
  key: string;
  at: number;
  expireAt: Date;
}

export interface KeyDoc {
  userId: string;
  email: string;
  publication: KeyPublicationBody;
  fingerprint: string;
  publishedAt: number;
}

export interface RecipientDoc {
  userId: string;
  email: string;
  hidden: boolean;
  downloadedAt: number | null;
  receiptSignature: string | null;
  receiptAt: number | null;
}

export interface TransferDoc {
  _id: string;
  senderId: string;
  senderEmail: string;
  size: number;
  partSize: number;
  partCount: number;
  status: 'uploading' | 'ready';
  deleting: boolean;
  revokedAt: number | null;
  finalizingAt: number | null;
  createdAt: number;
  finalizedAt: number | null;
  expiresAt: number;
  maxDownloads: number | null;
  downloads: number;
  blobHandle: string | null;
  recipients: RecipientDoc[];
}

export interface PartDoc {
  transferId: string;
  n: number;
  size: number;
  sha256: string;
  etag: string;
}

export interface AuditDoc {
  userId: string;
  type: AuditEventType;
  at: number;
  ip: string | null;
  transferId: string | null;
}

const nullableString = { type: String, default: null };
const nullableNumber = { type: Number, default: null };

const accountSchema = new Schema<AccountDoc>(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true, unique: true },
    passwordHash: { type: String, required: true },
    role: { type: String, enum: ['user', 'admin'], required: true },
    verified: { type: Boolean, required: true },
    createdAt: { type: Number, required: true },
    totpSecret: nullableString,
    totpPendingSecret: nullableString,
    totpLastStep: nullableNumber,
    verifyCodeHash: nullableString,
    verifyCodeExpiresAt: nullableNumber,
    verifyCodeAttempts: { type: Number, default: 0 },
    recoveryCodes: { type: [String], default: [] },
    emailOnNewTransfer: { type: Boolean, default: true },
  },
  { versionKey: false },
);

const familySchema = new Schema<FamilyDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true, index: true },
    createdAt: { type: Number, required: true },
    revokedAt: nullableNumber,
  },
  { versionKey: false },
);

const refreshSchema = new Schema<RefreshDoc>(
  {
    // The token hash is the primary key, hence unique.
    _id: { type: String, required: true },
    familyId: { type: String, required: true, index: true },
    userId: { type: String, required: true },
    expiresAt: { type: Number, required: true },
    expiresAtDate: { type: Date, required: true, expires: 0 },
    usedAt: nullableNumber,
  },
  { versionKey: false },
);

const attemptSchema = new Schema<AttemptDoc>(
  {
    key: { type: String, required: true },
    at: { type: Number, required: true },
    expireAt: { type: Date, required: true, expires: 0 },
  },
  { versionKey: false },
);
attemptSchema.index({ key: 1, at: 1 });

const keySchema = new Schema<KeyDoc>(
  {
    userId: { type: String, required: true },
    email: { type: String, required: true },
    publication: { type: Schema.Types.Mixed, required: true },
    fingerprint: { type: String, required: true },
    publishedAt: { type: Number, required: true },
  },
  { versionKey: false },
);
keySchema.index({ email: 1, publishedAt: 1 });

const recipientSchema = new Schema<RecipientDoc>(
  {
    userId: { type: String, required: true },
    email: { type: String, required: true },
    hidden: { type: Boolean, default: false },
    downloadedAt: nullableNumber,
    receiptSignature: nullableString,
    receiptAt: nullableNumber,
  },
  { _id: false },
);

// No TTL index on transfers: a record may only disappear after its blob, which only the
// sweeper can delete (see services/sweeper.ts).
const transferSchema = new Schema<TransferDoc>(
  {
    _id: { type: String, required: true },
    senderId: { type: String, required: true },
    senderEmail: { type: String, required: true },
    size: { type: Number, required: true },
    partSize: { type: Number, required: true },
    partCount: { type: Number, required: true },
    status: { type: String, enum: ['uploading', 'ready'], required: true },
    deleting: { type: Boolean, default: false },
    revokedAt: { type: Number, default: null },
    finalizingAt: { type: Number, default: null },
    createdAt: { type: Number, required: true },
    finalizedAt: nullableNumber,
    expiresAt: { type: Number, required: true, index: true },
    maxDownloads: nullableNumber,
    downloads: { type: Number, default: 0 },
    blobHandle: nullableString,
    recipients: { type: [recipientSchema], default: [] },
  },
  { versionKey: false },
);
transferSchema.index({ senderId: 1, createdAt: -1 });
transferSchema.index({ 'recipients.userId': 1, createdAt: -1 });

const partSchema = new Schema<PartDoc>(
  {
    transferId: { type: String, required: true },
    n: { type: Number, required: true },
    size: { type: Number, required: true },
    sha256: { type: String, required: true },
    etag: { type: String, required: true },
  },
  { versionKey: false },
);
partSchema.index({ transferId: 1, n: 1 }, { unique: true });

const auditSchema = new Schema<AuditDoc>(
  {
    userId: { type: String, required: true },
    type: { type: String, required: true },
    at: { type: Number, required: true },
    ip: nullableString,
    transferId: nullableString,
  },
  { versionKey: false },
);
auditSchema.index({ userId: 1, _id: -1 });

export const schemas = {
  account: accountSchema,
  family: familySchema,
  refresh: refreshSchema,
  attempt: attemptSchema,
  key: keySchema,
  transfer: transferSchema,
  part: partSchema,
  audit: auditSchema,
};

export interface Models {
  Account: Model<AccountDoc>;
  Family: Model<FamilyDoc>;
  Refresh: Model<RefreshDoc>;
  Attempt: Model<AttemptDoc>;
  Key: Model<KeyDoc>;
  Transfer: Model<TransferDoc>;
  Part: Model<PartDoc>;
  Audit: Model<AuditDoc>;
}

/** Registers the models on a connection and builds their indexes (unique emails, TTLs). */
export async function createModels(conn: Connection): Promise<Models> {
  const models: Models = {
    Account: conn.model<AccountDoc>('Account', accountSchema),
    Family: conn.model<FamilyDoc>('TokenFamily', familySchema),
    Refresh: conn.model<RefreshDoc>('RefreshToken', refreshSchema),
    Attempt: conn.model<AttemptDoc>('Attempt', attemptSchema),
    Key: conn.model<KeyDoc>('Key', keySchema),
    Transfer: conn.model<TransferDoc>('Transfer', transferSchema),
    Part: conn.model<PartDoc>('Part', partSchema),
    Audit: conn.model<AuditDoc>('AuditEntry', auditSchema),
  };
  await Promise.all(Object.values(models).map((m: Model<unknown>) => m.init()));
  return models;
}
