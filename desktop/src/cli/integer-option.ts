import { UsageError } from './errors.js';

/**
 * Parses a whole-number option within [min, max], or returns undefined when it was not given.
 * @example
 * parseIntegerOption(values['chunk-log2'], '--chunk-log2', 10, 24, 'encrypt')
 */
export function parseIntegerOption(
  text: string | undefined,
  flag: string,
  min: number,
  max: number,
  command: string,
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/u.test(text) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}`, command);
  }
  return value;
}
