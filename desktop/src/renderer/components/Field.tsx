import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

/** Props of Field: an input's attributes plus its visible label and optional hint. */
export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'onChange'> {
  label: string;
  value: string;
  onValue: (value: string) => void;
  hint?: ReactNode;
}

/**
 * A labelled text input (label + optional hint tied with aria-describedby).
 * @example
 * <Field label="Email" type="email" value={email} onValue={setEmail} autoComplete="email" />
 */
export function Field({ label, value, onValue, hint, ...input }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(e) => {
          onValue(e.target.value);
        }}
        aria-describedby={hint === undefined ? undefined : hintId}
        {...input}
      />
      {hint !== undefined && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}
