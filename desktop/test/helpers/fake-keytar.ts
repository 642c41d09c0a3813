import type { Keytar } from '../../src/core/index.js';

/** An in-memory keytar, for tests of the factory and of the keychain adapter's logic. */
export function memoryKeytar(): Keytar {
  const entries = new Map<string, string>();
  const id = (service: string, account: string) => `${service}\u0000${account}`;
  return {
    getPassword: (service, account) => Promise.resolve(entries.get(id(service, account)) ?? null),
    setPassword: (service, account, password) => {
      entries.set(id(service, account), password);
      return Promise.resolve();
    },
    deletePassword: (service, account) => Promise.resolve(entries.delete(id(service, account))),
    findCredentials: (service) =>
      Promise.resolve(
        [...entries]
          .filter(([key]) => key.startsWith(`${service}\u0000`))
          .map(([key, password]) => ({ account: key.slice(service.length + 1), password })),
      ),
  };
}

/** A keytar whose every call fails like keytar does on a headless Linux without a session bus. */
export function headlessKeytar(): Keytar {
  const fail = () => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'));
  return { getPassword: fail, setPassword: fail, deletePassword: fail, findCredentials: fail };
}

/** A keytar whose calls never settle (a Secret Service that does not answer). */
export function silentKeytar(): Keytar {
  const never = () => new Promise<never>(() => undefined);
  return { getPassword: never, setPassword: never, deletePassword: never, findCredentials: never };
}
