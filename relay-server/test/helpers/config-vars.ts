import { loadConfig } from '../../src/config.js';

/**
 * Every variable name `loadConfig` reads, found by running it on a recording environment with
 * every adapter selected (so the variables only some adapters read are read too).
 */
export function variablesConfigReads(): Set<string> {
  const read = new Set<string>();
  const env: Record<string, string> = {
    DATACRYPT_RECORD_STORE: 'mongodb',
    DATACRYPT_MONGODB_URL: 'mongodb://mongo/datacrypt',
    DATACRYPT_BLOB_STORE: 's3',
    DATACRYPT_S3_BUCKET: 'b',
    DATACRYPT_MAILER: 'smtp',
    DATACRYPT_SMTP_URL: 'smtp://mail:25',
  };
  loadConfig(
    new Proxy(env, {
      get(target, name) {
        if (typeof name !== 'string') return undefined;
        read.add(name);
        return target[name];
      },
    }),
  );
  return read;
}
