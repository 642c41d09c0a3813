import { Type, type Static, type TSchema } from '@sinclair/typebox';

// ASCII only, checked before lowercasing: Unicode case folding maps distinct inputs
// (e.g. the Kelvin sign) onto one address, which would let two people claim one account.
export const EMAIL_PATTERN =
  "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";

export const Email = Type.String({ pattern: EMAIL_PATTERN, maxLength: 254 });
export const Password = Type.String({ minLength: 10, maxLength: 256 });
export const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' });
export const Base64Url = Type.String({ pattern: '^[A-Za-z0-9_-]*$' });
export const Timestamp = Type.Integer({ minimum: 0, description: 'milliseconds since epoch' });

const strict = { additionalProperties: false } as const;
const obj = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, strict);

export const ErrorBody = obj({
  error: obj({ code: Type.String(), message: Type.String() }),
});
export type ErrorBody = Static<typeof ErrorBody>;

// --- accounts ---
export const RegisterBody = obj({ email: Email, password: Password });
export type RegisterBody = Static<typeof RegisterBody>;
export const AcceptedResponse = obj({ status: Type.Literal('accepted') });
export type AcceptedResponse = Static<typeof AcceptedResponse>;

export const VerifyOtpBody = obj({ email: Email, code: Type.String({ pattern: '^[0-9]{6}$' }) });
export type VerifyOtpBody = Static<typeof VerifyOtpBody>;
export const SendOtpBody = obj({ email: Email });
export type SendOtpBody = Static<typeof SendOtpBody>;
export const VerifiedResponse = obj({ verified: Type.Literal(true) });

export const LoginBody = obj({ email: Email, password: Type.String({ maxLength: 256 }) });
export type LoginBody = Static<typeof LoginBody>;

export const Role = Type.Union([Type.Literal('user'), Type.Literal('admin')]);
export type Role = Static<typeof Role>;

export const TokenPair = obj({
  status: Type.Literal('ok'),
  accessToken: Type.String(),
  accessTokenExpiresAt: Timestamp,
  refreshToken: Type.String(),
  refreshTokenExpiresAt: Timestamp,
});
export type TokenPair = Static<typeof TokenPair>;
export const TotpRequired = obj({
  status: Type.Literal('totp_required'),
  challenge: Type.String(),
});
export const LoginResponse = Type.Union([TokenPair, TotpRequired]);
export type LoginResponse = Static<typeof LoginResponse>;

export const TotpLoginBody = obj({
  challenge: Type.String({ maxLength: 2048 }),
  code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
  recoveryCode: Type.Optional(Type.String({ pattern: '^[a-z0-9]{5}-[a-z0-9]{5}$' })),
});
export type TotpLoginBody = Static<typeof TotpLoginBody>;

export const RefreshBody = obj({ refreshToken: Type.String({ maxLength: 256 }) });
export type RefreshBody = Static<typeof RefreshBody>;

export const TotpSetupResponse = obj({ secret: Type.String(), otpauthUrl: Type.String() });
export const TotpCodeBody = obj({ code: Type.String({ pattern: '^[0-9]{6}$' }) });
export const TotpEnableResponse = obj({ recoveryCodes: Type.Array(Type.String()) });
export const TotpDisableBody = obj({
  password: Type.String({ maxLength: 256 }),
  code: Type.String({ pattern: '^[0-9]{6}$' }),
});

export const PasswordChangeBody = obj({
  currentPassword: Type.String({ maxLength: 256 }),
  newPassword: Password,
});

export const MeResponse = obj({
  id: Id,
  email: Email,
  role: Role,
  totpEnabled: Type.Boolean(),
  createdAt: Timestamp,
  usedBytes: Type.Integer({ minimum: 0 }),
  quotaBytes: Type.Integer({ minimum: 0 }),
});
export type MeResponse = Static<typeof MeResponse>;

// --- key directory ---
export const KeyPublicationSchema = obj({
  v: Type.Literal(1),
  email: Email,
  publicIdentity: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z0-9_-]+$' }),
  createdAt: Timestamp,
  signature: Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_-]+$' }),
});
export type KeyPublicationBody = Static<typeof KeyPublicationSchema>;
export const PublishedKey = obj({
  publication: KeyPublicationSchema,
  fingerprint: Type.String(),
  publishedAt: Timestamp,
});
export type PublishedKey = Static<typeof PublishedKey>;
export const PublicKeyResponse = obj({
  email: Email,
  current: PublishedKey,
  history: Type.Array(PublishedKey, { description: 'oldest first, includes current' }),
});
export type PublicKeyResponse = Static<typeof PublicKeyResponse>;
export const EmailParams = obj({ email: Type.String({ maxLength: 254 }) });

// --- transfers ---
export const TransferStatus = Type.Union([
  Type.Literal('uploading'),
  Type.Literal('ready'),
  Type.Literal('expired'),
]);
export type TransferStatus = Static<typeof TransferStatus>;

export const CreateTransferBody = obj({
  recipients: Type.Array(Email, { minItems: 1, maxItems: 100, uniqueItems: true }),
  size: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  partSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 * 1024 * 1024 })),
  expiresInSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 10 * 365 * 86400 })),
  maxDownloads: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
});
export type CreateTransferBody = Static<typeof CreateTransferBody>;

export const Receipt = obj({ recipient: Email, signature: Base64Url, createdAt: Timestamp });
export type Receipt = Static<typeof Receipt>;

export const TransferView = obj({
  id: Id,
  sender: Email,
  recipients: Type.Array(Email),
  size: Type.Integer(),
  partSize: Type.Integer(),
  partCount: Type.Integer(),
  status: TransferStatus,
  createdAt: Timestamp,
  finalizedAt: Type.Union([Timestamp, Type.Null()]),
  expiresAt: Timestamp,
  maxDownloads: Type.Union([Type.Integer(), Type.Null()]),
  downloads: Type.Integer({ description: 'completed download starts by recipients' }),
  receipts: Type.Array(Receipt),
});
export type TransferView = Static<typeof TransferView>;

export const TransferIdParams = obj({ transferId: Id });
export const PartParams = obj({
  transferId: Id,
  n: Type.Integer({ minimum: 1, maximum: 10000 }),
});
export const PartInfo = obj({
  n: Type.Integer(),
  size: Type.Integer(),
  sha256: Type.String(),
});
export const PartsResponse = obj({
  partSize: Type.Integer(),
  partCount: Type.Integer(),
  parts: Type.Array(PartInfo),
});
export type PartsResponse = Static<typeof PartsResponse>;
export const PART_CHECKSUM_HEADER = 'x-datacrypt-sha256';

export const ListQuery = obj({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  status: Type.Optional(TransferStatus),
  q: Type.Optional(Type.String({ maxLength: 254, description: 'substring of sender/recipient' })),
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
  minSize: Type.Optional(Type.Integer({ minimum: 0 })),
  maxSize: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type ListQuery = Static<typeof ListQuery>;
export const TransferList = obj({
  items: Type.Array(TransferView),
  total: Type.Integer(),
  nextOffset: Type.Union([Type.Integer(), Type.Null()]),
});
export type TransferList = Static<typeof TransferList>;

export const DownloadParams = obj({ token: Id });
export const ReceiptBody = obj({
  signature: Type.String({ minLength: 1, maxLength: 4096, pattern: '^[A-Za-z0-9_-]+$' }),
});

// --- audit / invite ---
export const AuditEventType = Type.Union([
  Type.Literal('login'),
  Type.Literal('logout'),
  Type.Literal('password_changed'),
  Type.Literal('totp_enabled'),
  Type.Literal('totp_disabled'),
  Type.Literal('key_published'),
  Type.Literal('transfer_created'),
  Type.Literal('transfer_downloaded'),
  Type.Literal('transfer_revoked'),
]);
export type AuditEventType = Static<typeof AuditEventType>;
export const AuditEntry = obj({
  type: AuditEventType,
  at: Timestamp,
  ip: Type.Union([Type.String(), Type.Null()]),
  transferId: Type.Union([Id, Type.Null()]),
});
export type AuditEntry = Static<typeof AuditEntry>;
export const AuditQuery = obj({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
});
export const AuditResponse = obj({ items: Type.Array(AuditEntry) });

export const InviteBody = obj({ email: Email });
