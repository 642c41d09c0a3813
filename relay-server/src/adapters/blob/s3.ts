import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Config } from '../../config.js';
import type { BlobLayout, BlobStore } from '../../ports.js';
import { removeStaleFiles } from './stale-files.js';
import { writeVerified } from './write-verified.js';

const SAFE_KEY = /^[A-Za-z0-9_-]{16,64}$/;

function objectKey(key: string): string {
  if (!SAFE_KEY.test(key)) throw new Error('unsafe blob key');
  return `transfers/${key}`;
}

const TOLERATED_ABORT_ERRORS = new Set(['NoSuchUpload', 'MethodNotAllowed', 'NotImplemented']);

function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : '';
}

/** S3 (or MinIO, or s3rver): one multipart upload per transfer, ranged GETs for downloads. */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(
    config: S3Config,
    private readonly spoolDir: string,
  ) {
    this.bucket = config.bucket;
    this.client = new S3Client({
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
      ...(config.accessKeyId !== undefined && config.secretAccessKey !== undefined
        ? {
            credentials: {
              accessKeyId: config.accessKeyId,
              secretAccessKey: config.secretAccessKey,
            },
          }
        : {}),
      // Trailing CRC checksums (aws-chunked bodies) are not understood by every S3 clone; we send
      // our own SHA-256 per part instead, which AWS and MinIO verify.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** Removes parts a killed process left in the spool directory. */
  removeStaleSpool(maxAgeMs: number, now = Date.now()): Promise<number> {
    return removeStaleFiles(this.spoolDir, maxAgeMs, now);
  }

  /** Creates the bucket when missing (handy for MinIO and tests; AWS operators pre-create it). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  async begin(key: string): Promise<string | null> {
    const res = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: objectKey(key),
        ContentType: 'application/octet-stream',
      }),
    );
    if (res.UploadId === undefined) throw new Error('S3 returned no upload id');
    return res.UploadId;
  }

  /**
   * Spools the part to local disk while verifying it, then uploads the verified file. Nothing
   * unverified reaches the bucket, and a client that vanishes mid-part never leaves a half-sent
   * request to S3 behind.
   */
  async putPart(
    key: string,
    handle: string | null,
    n: number,
    body: Readable,
    expected: { size: number; sha256: string },
  ): Promise<{ etag: string }> {
    if (handle === null) throw new Error('S3 part upload needs an upload id');
    const Key = objectKey(key);
    await mkdir(this.spoolDir, { recursive: true });
    const spooled = join(this.spoolDir, `${key}.${n}.${randomBytes(6).toString('hex')}.part`);
    try {
      await writeVerified(spooled, body, expected, { sync: false });
      const res = await this.client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key,
          UploadId: handle,
          PartNumber: n,
          Body: createReadStream(spooled, { highWaterMark: 1024 * 1024 }),
          ContentLength: expected.size,
          ChecksumSHA256: Buffer.from(expected.sha256, 'hex').toString('base64'),
        }),
      );
      if (res.ETag === undefined) throw new Error('S3 returned no ETag');
      return { etag: res.ETag };
    } finally {
      await unlink(spooled).catch(() => undefined);
    }
  }

  async complete(
    key: string,
    handle: string | null,
    parts: readonly { n: number; etag: string }[],
    _layout: BlobLayout,
  ): Promise<void> {
    if (handle === null) throw new Error('S3 complete needs an upload id');
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: objectKey(key),
        UploadId: handle,
        MultipartUpload: {
          Parts: [...parts]
            .sort((a, b) => a.n - b.n)
            .map((p) => ({ PartNumber: p.n, ETag: p.etag })),
        },
      }),
    );
  }

  async read(key: string, _layout: BlobLayout, start: number, end: number): Promise<Readable> {
    const res = await this.client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: objectKey(key),
        Range: `bytes=${start}-${end}`,
      }),
    );
    if (res.Body === undefined) throw new Error('S3 returned no body');
    return res.Body as Readable;
  }

  async delete(key: string, handle: string | null): Promise<void> {
    const Key = objectKey(key);
    if (handle !== null) {
      try {
        await this.client.send(
          new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: handle }),
        );
      } catch (err) {
        // NoSuchUpload: completed or already aborted. Servers without abort support (s3rver)
        // leave stray parts to the bucket's AbortIncompleteMultipartUpload lifecycle rule.
        if (!TOLERATED_ABORT_ERRORS.has(errorName(err))) throw err;
      }
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
  }

  /** The bucket answers HEAD with these credentials (the spool is local disk, checked at start). */
  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }
}
