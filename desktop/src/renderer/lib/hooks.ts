/**
 * Small hooks for calling the host: an action with busy + error state, and data loading with
 * loading/error/reload.
 * @module
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { toShownError, type ShownError } from './client.js';

/** State and runner of a user action. */
export interface Action {
  busy: boolean;
  error: ShownError | null;
  setError: (e: ShownError | null) => void;
  /** Runs `fn`; returns its value, or undefined after showing its error. */
  run: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
}

/**
 * Runs user actions one at a time, keeping `busy` and the last error.
 * @example
 * const add = useAction(); await add.run(() => client.call('contacts:add', { email }));
 */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      if (mounted.current) setError(toShownError(e));
      return undefined;
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/** Loaded data with its state. */
export interface Loaded<T> {
  data: T | null;
  loading: boolean;
  error: ShownError | null;
  /** Loads again (keeps showing the old data meanwhile). */
  reload: () => void;
}

/**
 * Loads data on mount and on `reload()`; answers of superseded loads are ignored.
 * @example
 * const contacts = useLoad(() => client.call('contacts:list'));
 */
export function useLoad<T>(load: () => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ShownError | null>(null);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let current = true;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!current) return;
        setError(toShownError(e));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [generation]);
  const reload = useCallback(() => {
    setGeneration((g) => g + 1);
  }, []);
  return { data, loading, error, reload };
}
