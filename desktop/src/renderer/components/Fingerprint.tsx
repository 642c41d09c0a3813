import { groupFingerprint } from '../lib/format.js';

/**
 * A key fingerprint in readable groups, monospaced.
 * @example
 * <Fingerprint value={status.fingerprint} testId="own-fingerprint" />
 */
export function Fingerprint({ value, testId }: { value: string; testId?: string }) {
  return (
    <code className="fingerprint" data-testid={testId}>
      {groupFingerprint(value)}
    </code>
  );
}
