import { Transform, type TransformCallback } from 'node:stream';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The relay's Prometheus metrics, on a registry of its own (so several relays in one process, as
 * in tests, never share or clash). Label values are bounded: routes are route patterns, never raw
 * URLs, so ids and tokens can neither leak into metrics nor explode their cardinality.
 */
export class RelayMetrics {
  readonly registry = new Registry();

  readonly requestDuration = new Histogram({
    name: 'datacrypt_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly uploadsInFlight = new Gauge({
    name: 'datacrypt_part_uploads_in_flight',
    help: 'Part uploads currently being received',
    registers: [this.registry],
  });

  readonly bytesIn = new Counter({
    name: 'datacrypt_part_bytes_received_total',
    help: 'Ciphertext bytes of part uploads the relay stored',
    registers: [this.registry],
  });

  readonly bytesOut = new Counter({
    name: 'datacrypt_download_bytes_sent_total',
    help: 'Ciphertext bytes sent in download bodies (partial downloads count what was sent)',
    registers: [this.registry],
  });

  readonly sweeperRuns = new Counter({
    name: 'datacrypt_sweeper_runs_total',
    help: 'Expiry sweeper passes this instance completed (while holding the sweeper lease)',
    registers: [this.registry],
  });

  /** @param socketCount connected Socket.IO clients right now (0 when realtime is off). */
  constructor(socketCount: () => number) {
    new Gauge({
      name: 'datacrypt_sockets_connected',
      help: 'Socket.IO clients connected to this instance',
      registers: [this.registry],
      collect() {
        this.set(socketCount());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'datacrypt_' });
  }

  /** Passes a download body through unchanged, counting its bytes as they are sent. */
  countDownload(): Transform {
    const bytesOut = this.bytesOut;
    return new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
        bytesOut.inc(chunk.length);
        done(null, chunk);
      },
    });
  }

  /** The text exposition format Prometheus scrapes. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
