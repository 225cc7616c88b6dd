// Type declarations for the two embedded servers, which ship none. Only what local mode uses.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }
  export default function dynalite(options?: DynaliteOptions): Server;
}

declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  import type { Readable } from 'node:stream';

  interface S3rverOptions {
    address?: string;
    port?: number;
    directory: string;
    silent?: boolean;
    resetOnClose?: boolean;
    configureBuckets?: Array<{ name: string; configs?: unknown[] }>;
  }
  /** The Koa context, as far as local mode's own middleware reads and writes it. */
  export interface S3rverContext {
    readonly method: string;
    readonly path: string;
    readonly querystring: string;
    status: number;
    body: unknown;
    /** The request body stream the controllers read (replaceable before routing). */
    req: Readable;
    /** The store the controllers call (`ctx.store`); a request may be given its own (s3-checksums.ts). */
    store: S3rverStore;
    /** Set by s3rver's router once it matched a route. */
    readonly params?: { readonly bucket?: string; readonly key?: string };
    readonly request: { readonly body?: unknown };
    readonly response: { get(name: string): string };
    /** A request header ('' when absent). */
    get(name: string): string;
    set(name: string, value: string): void;
  }
  /** An object as the controllers hand it to the store. */
  export interface S3rverObject {
    readonly bucket: string;
    readonly key: string;
    readonly content: unknown;
  }
  /** s3rver's FilesystemStore: the methods local mode wraps or calls. */
  export interface S3rverStore {
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
    putPart(
      bucket: string,
      uploadId: string,
      partNumber: string | number,
      content: unknown,
    ): Promise<{ size: number; md5: string }>;
    putObjectMultipart(
      bucket: string,
      uploadId: string,
      parts: ReadonlyArray<{ readonly number: number; readonly etag: string }>,
    ): Promise<{ size: number; md5: string }>;
    copyObject(
      srcBucket: string,
      srcKey: string,
      destBucket: string,
      destKey: string,
      ...rest: unknown[]
    ): Promise<unknown>;
    deleteObject(bucket: string, key: string): Promise<void>;
    /** Writes `<name>._S3rver_object.md5` (when `md5` is given) and then the metadata JSON. */
    putMetadata(bucket: string, key: string, metadata: Record<string, unknown>, md5?: string): Promise<void>;
  }
  export default class S3rver {
    constructor(options: S3rverOptions);
    readonly store: S3rverStore;
    /** Koa's middleware list; composed when the server starts, so an entry put first runs first. */
    middleware: Array<(ctx: S3rverContext, next: () => Promise<void>) => Promise<void>>;
    run(): Promise<AddressInfo | string>;
    close(): Promise<void>;
  }
}

declare module 's3rver/lib/models/error.js' {
  /** s3rver's S3 error: its context's error handler answers it as S3's XML error with the code's status. */
  export default class S3Error extends Error {
    constructor(code: string, message: string, detail?: Record<string, string>);
    readonly code: string;
    readonly status: number;
  }
}
