import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.js';
import { variablesConfigReads } from './helpers/config-vars.js';

// No Docker engine runs on the CI machines: the operators' files are checked statically here.
const root = new URL('../../', import.meta.url);
const text = (path: string) => readFile(new URL(path, root), 'utf8');

interface Healthcheck {
  test: string[] | string;
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  stop_grace_period?: string;
  command?: string[];
  entrypoint?: string[];
}
interface Compose {
  services: Partial<Record<string, Service>>;
  volumes: Record<string, unknown>;
}

async function compose(): Promise<Compose> {
  return parse(await text('docker-compose.yml'), { merge: true }) as Compose;
}

function service(c: Compose, name: string): Service {
  const s = c.services[name];
  if (s === undefined) throw new Error(`service ${name} is missing`);
  return s;
}

/** KEY=VALUE lines of an env file. */
async function envFile(path: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const line of (await text(path)).split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    const [name, value] = [m?.at(1), m?.at(2)];
    if (name !== undefined) env[name] = value ?? '';
  }
  return env;
}

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}; `$$` is a literal `$`. */
function interpolate(value: string, env: Partial<Record<string, string>>): string {
  return value
    .replace(
      /\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g,
      (_all, name: string, op: string | undefined, arg: string | undefined) => {
        const v = env[name];
        if (v !== undefined && v !== '') return v;
        if (op === '?') throw new Error(`${name} is required: ${arg}`);
        return op === '-' ? (arg ?? '') : '';
      },
    )
    .replace(/\$\$/g, '$');
}

const RELAYS = ['relay-1', 'relay-2'];

describe('docker-compose.yml', () => {
  it('has the load balancer, two relay replicas, MongoDB, MinIO (+ bucket job), Redis, mail', async () => {
    const c = await compose();
    expect(Object.keys(c.services).sort()).toEqual(
      ['lb', 'mailpit', 'minio', 'minio-init', 'mongo', 'redis', ...RELAYS].sort(),
    );
    for (const name of RELAYS) {
      expect(service(c, name).build).toEqual({
        context: '.',
        dockerfile: 'relay-server/Dockerfile',
      });
    }
    const init = service(c, 'minio-init');
    expect(init.entrypoint?.join(' ')).toMatch(/mc mb --ignore-existing "local\/\$\$S3_BUCKET"/);
    expect(init.restart).toBe('no');
  });

  it('sets only variables the relay reads, and every one a scaled-out relay needs', async () => {
    const c = await compose();
    const known = variablesConfigReads();
    const example = await envFile('.env.example');
    for (const name of RELAYS) {
      const env = service(c, name).environment ?? {};
      for (const key of Object.keys(env)) expect(known, `${name} sets ${key}`).toContain(key);
      // Interpolated from .env.example, the environment is one loadConfig accepts...
      const resolved = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, interpolate(v, example)]),
      );
      const config = loadConfig(resolved);
      // ...and describes a stateless replica: shared stores, shared secret, Redis, real mail.
      expect(config).toMatchObject({
        host: '0.0.0.0',
        port: 8787,
        dataDir: '/data',
        recordStore: 'mongodb',
        blobStore: 's3',
        mailer: 'smtp',
        trustProxy: true,
        s3: { endpoint: 'http://minio:9000', forcePathStyle: true },
      });
      expect(config.mongodbUrl).toMatch(/^mongodb:\/\/mongo:27017\/.*replicaSet=rs0/);
      expect(config.smtpUrl).toBe('smtp://mailpit:1025');
      expect(config.redisUrl).toMatch(/^redis:\/\/:.+@redis:6379$/);
      // Both replicas must sign with one secret, or a token from one fails on the other.
      expect(env.DATACRYPT_JWT_SECRET).toMatch(/\$\{DATACRYPT_JWT_SECRET:\?/);
      expect(config.jwtSecret).toBe(example.DATACRYPT_JWT_SECRET);
      // Docker's stop timeout outlasts the relay's own grace period.
      expect(Number.parseInt(service(c, name).stop_grace_period ?? '0', 10)).toBeGreaterThan(
        config.shutdownGraceSeconds,
      );
    }
  });

  it('keeps secrets in .env: every required ${VAR:?} is in .env.example, and .env is ignored', async () => {
    const raw = await text('docker-compose.yml');
    const example = await envFile('.env.example');
    const required = [...raw.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m.at(1) ?? '');
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect(Object.keys(example)).toContain(name);
    expect(raw).not.toMatch(/PASSWORD:\s*['"]?[a-z0-9]{6,}/i);
    expect((await text('.gitignore')).split('\n')).toContain('.env');
  });

  it('publishes only the load balancer and the mail UI, and keeps data in named volumes', async () => {
    const c = await compose();
    const published = Object.entries(c.services)
      .filter(([, s]) => (s?.ports ?? []).length > 0)
      .map(([n]) => n)
      .sort();
    expect(published).toEqual(['lb', 'mailpit']);
    expect(service(c, 'lb').ports).toEqual(['8787:80']);
    const mounts: Record<string, string> = {
      'relay-1': '/data',
      'relay-2': '/data',
      mongo: '/data/db',
      minio: '/data',
      redis: '/data',
    };
    for (const [name, target] of Object.entries(mounts)) {
      const volume = (service(c, name).volumes ?? []).find((v) => v.endsWith(`:${target}`));
      expect(volume, `${name} keeps ${target} in a volume`).toBeDefined();
      const source = volume?.split(':')[0] ?? '';
      expect(Object.keys(c.volumes)).toContain(source);
    }
  });

  it('has a healthcheck on every long-running service and starts each after its dependencies', async () => {
    const c = await compose();
    for (const [name, s] of Object.entries(c.services)) {
      if (name === 'minio-init') continue;
      expect(s?.healthcheck, `${name} healthcheck`).toBeDefined();
    }
    for (const name of RELAYS) {
      const s = service(c, name);
      const probe = [s.healthcheck?.test ?? []].flat().join(' ');
      expect(probe).toContain('http://127.0.0.1:8787/readyz');
      expect(s.depends_on).toEqual({
        mongo: { condition: 'service_healthy' },
        'minio-init': { condition: 'service_completed_successfully' },
        redis: { condition: 'service_healthy' },
        mailpit: { condition: 'service_healthy' },
      });
    }
    expect(service(c, 'lb').depends_on).toEqual({
      'relay-1': { condition: 'service_healthy' },
      'relay-2': { condition: 'service_healthy' },
    });
    expect(service(c, 'minio-init').depends_on).toEqual({
      minio: { condition: 'service_healthy' },
    });
  });

  it('is accepted by `docker compose config` when the compose plugin exists', () => {
    const version = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    if (version.status !== 0) {
      console.warn('SKIPPED: docker compose is not installed; the checks above stand in for it');
      return;
    }
    const run = spawnSync(
      'docker',
      ['compose', '-f', 'docker-compose.yml', '--env-file', '.env.example', 'config', '-q'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('deploy/nginx.conf (the load balancer)', () => {
  it('balances over both replicas with sticky sessions and passes websockets through', async () => {
    const conf = await text('deploy/nginx.conf');
    const c = await compose();
    const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(conf);
    expect(upstream).not.toBeNull();
    const body = upstream?.[2] ?? '';
    expect(body).toMatch(/^\s*ip_hash;/m);
    const servers = [...body.matchAll(/^\s*server\s+([\w-]+):(\d+)/gm)].map((m) => [m[1], m[2]]);
    expect(servers).toEqual(RELAYS.map((r) => [r, service(c, r).environment?.DATACRYPT_PORT]));
    const socketIo = /location \/socket\.io\/ \{([^}]*)\}/.exec(conf)?.[1] ?? '';
    expect(socketIo).toContain(`proxy_pass http://${upstream?.[1] ?? ''};`);
    expect(socketIo).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(socketIo).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(conf).toMatch(/proxy_http_version 1\.1;/);
    expect(conf).toMatch(/listen 80;/);
  });

  it('streams parts as large as the relay allows and hides /metrics', async () => {
    const conf = await text('deploy/nginx.conf');
    const max = /client_max_body_size (\d+)m;/.exec(conf)?.[1];
    expect(Number(max) * 1024 * 1024).toBeGreaterThan(loadConfig({}).maxPartSize);
    expect(conf).toMatch(/proxy_request_buffering off;/);
    expect(conf).toMatch(/location = \/metrics \{\s*return 404;\s*\}/);
  });
});

describe('relay-server/Dockerfile', () => {
  it('builds in one stage (with a toolchain for better-sqlite3) and runs in another', async () => {
    const lines = (await text('relay-server/Dockerfile'))
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    const stages = lines.filter((l) => l.startsWith('FROM '));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const lastFrom = lines.lastIndexOf(stages.at(-1) ?? '');
    const build = lines.slice(0, lastFrom);
    const runtime = lines.slice(lastFrom);
    expect(build.join('\n')).toMatch(/apt-get install .*python3.*make.*g\+\+/);
    expect(build.join('\n')).toMatch(/npm ci /);
    expect(build.join('\n')).toMatch(/tsc -b relay-server/);
    expect(runtime.join('\n')).toMatch(/COPY --from=build /);
    expect(runtime.join('\n')).not.toMatch(/apt-get install/);

    const user = runtime.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user?.slice(5).trim());

    const health = runtime.find((l) => l.startsWith('HEALTHCHECK '));
    expect(health).toMatch(/\/healthz/);
    const expose = runtime.find((l) => l.startsWith('EXPOSE '));
    expect(expose).toBe(`EXPOSE ${loadConfig({}).port}`);
    expect(runtime.find((l) => l.startsWith('CMD '))).toBe(
      'CMD ["node", "relay-server/dist/main.js"]',
    );
    expect(runtime.join('\n')).toMatch(/DATACRYPT_HOST=0\.0\.0\.0/);
    // The admin command is on PATH, pointing at the same entry point.
    expect(runtime.join('\n')).toMatch(
      /ln -s \/app\/relay-server\/dist\/main\.js \/usr\/local\/bin\/datacrypt-relay/,
    );
  });
});
