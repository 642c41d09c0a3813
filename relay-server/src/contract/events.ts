// Payloads carry ids and sizes only: events may be fanned out through infrastructure
// that is not trusted with who-sent-what-named-how.
export interface RelayEvents {
  'transfer:new': { transferId: string; senderId: string; recipientIds: string[]; size: number };
  'transfer:incoming': {
    transferId: string;
    senderId: string;
    recipientIds: string[];
    size: number;
  };
  'transfer:downloaded': { transferId: string; senderId: string; recipientId: string };
  'transfer:receipt': { transferId: string; senderId: string; recipientId: string };
  'transfer:revoked': { transferId: string; senderId: string; recipientIds: string[] };
  'transfer:expired': { transferId: string; senderId: string; recipientIds: string[] };
  'key:changed': { userId: string; fingerprint: string };
}

export type RelayEventName = keyof RelayEvents;

export const RelayEventNames: readonly RelayEventName[] = [
  'transfer:new',
  'transfer:incoming',
  'transfer:downloaded',
  'transfer:receipt',
  'transfer:revoked',
  'transfer:expired',
  'key:changed',
];
