import type { ShownError } from '../lib/client.js';
import { messageFor } from '../lib/error-messages.js';

/**
 * An error in plain language: what happened, what to do, and the code for support.
 * @example
 * {action.error && <ErrorMessage error={action.error} />}
 */
export function ErrorMessage({ error }: { error: ShownError }) {
  const { title, action } = messageFor(error.code);
  return (
    <div className="error" role="alert" data-testid="error-message" data-code={error.code}>
      <p className="error-title">{title}</p>
      <p>{action}</p>
      <p className="error-code">
        Error code: <code>{error.code}</code>
      </p>
    </div>
  );
}
