import type { ReactNode } from 'react';

/**
 * A loading indicator announced to screen readers.
 * @example
 * if (loading) return <Loading label="Loading contacts…" />;
 */
export function Loading({ label }: { label: string }) {
  return (
    <p className="loading" role="status" data-testid="loading">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/**
 * What a list shows when it has nothing yet, with a hint of what to do.
 * @example
 * <EmptyState title="No contacts yet">Add someone by their email address.</EmptyState>
 */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" data-testid="empty-state">
      <p className="empty-title">{title}</p>
      {children !== undefined && <p>{children}</p>}
    </div>
  );
}

/**
 * A short confirmation announced politely to screen readers; nothing while `text` is null.
 * @example
 * <Notice text={notice} />
 */
export function Notice({ text, testId }: { text: string | null; testId?: string }) {
  if (text === null) return null;
  return (
    <p className="notice" role="status" data-testid={testId}>
      {text}
    </p>
  );
}
