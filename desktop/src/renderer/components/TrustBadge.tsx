import type { SenderTrust } from '../../../shared/dto.js';

const LABELS: Record<SenderTrust, string> = {
  verified: 'Verified',
  unverified: 'Not verified',
  'key-changed': 'Key changed',
  unknown: 'Unknown sender',
};

const HINTS: Record<SenderTrust, string> = {
  verified: 'You compared safety numbers with this person.',
  unverified: 'Compare safety numbers to be sure this is really them.',
  'key-changed': 'Their key changed. Check with them before trusting it.',
  unknown: 'This sender is not in your contacts.',
};

/**
 * The trust state of a contact or sender, as text (never colour alone).
 * @example
 * <TrustBadge trust={contact.status} />
 */
export function TrustBadge({ trust }: { trust: SenderTrust }) {
  return (
    <span
      className={`badge badge-${trust}`}
      data-testid="trust-badge"
      data-trust={trust}
      title={HINTS[trust]}
    >
      {LABELS[trust]}
    </span>
  );
}
