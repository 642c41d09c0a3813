import type { ReactNode } from 'react';

/**
 * A form's row of buttons: its submit button, disabled while the form's action runs, then any
 * other buttons (Back, Cancel, …).
 * @example
 * <FormActions submit="Sign in" busy={action.busy}>
 *   <button type="button" className="secondary" onClick={back}>Back</button>
 * </FormActions>
 */
export function FormActions({
  submit,
  busy,
  children,
}: {
  submit: string;
  busy: boolean;
  children?: ReactNode;
}) {
  return (
    <div className="actions">
      <button type="submit" disabled={busy}>
        {submit}
      </button>
      {children}
    </div>
  );
}
