// Supabase Storage's error answers: HTTP 400 (500 for server faults) with a body
// `{statusCode, code, error, message}` whose `statusCode` string carries the real status.

/** An error Storage reports to the caller, e.g. `new StorageError("NoSuchKey", 404, "Object not found")`. */
export class StorageError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatusCode: number,
    message: string,
    /** The body's `error`, where Storage words it apart from the code. */
    readonly label: string = code,
    /** The HTTP status, where Storage sends the real one instead of 400. */
    readonly status: number = httpStatusCode === 500 ? 500 : 400,
  ) {
    super(message);
    this.name = "StorageError";
  }

  /** The response the Storage server sends for this error. */
  toResponse(): Response {
    return Response.json({
      statusCode: String(this.httpStatusCode),
      code: this.code,
      error: this.label,
      message: this.message,
    }, { status: this.status });
  }
}

/** The errors the gateway's Storage routes raise, named and worded as Storage names them. */
export const storageErrors = {
  noSuchBucket: () => new StorageError("NoSuchBucket", 404, "Bucket not found"),
  noSuchKey: () => new StorageError("NoSuchKey", 404, "Object not found", "not_found"),
  keyAlreadyExists: () => new StorageError("KeyAlreadyExists", 409, "The resource already exists"),
  bucketAlreadyExists: () =>
    new StorageError("BucketAlreadyExists", 409, "The resource already exists"),
  bucketNotEmpty: () =>
    new StorageError("InvalidRequest", 409, "The bucket you tried to delete is not empty"),
  invalidJwt: (message: string) => new StorageError("InvalidJWT", 400, message),
  invalidSignature: () => new StorageError("InvalidSignature", 400, "Invalid signature"),
  invalidKey: (key: string) => new StorageError("InvalidKey", 400, `Invalid key: ${key}`),
  invalidBucketName: () => new StorageError("InvalidBucketName", 400, "Bucket name invalid"),
  invalidRequest: (message: string) => new StorageError("InvalidRequest", 400, message),
  entityTooLarge: () =>
    new StorageError(
      "EntityTooLarge",
      413,
      "The object exceeded the maximum allowed size",
      "Payload too large",
    ),
  invalidRange: () =>
    new StorageError("InvalidRange", 416, "invalid range provided", "invalid_range", 416),
  accessDenied: (message: string) => new StorageError("AccessDenied", 403, message),
  notImplemented: (method: string, path: string) =>
    new StorageError(
      "InvalidRequest",
      400,
      `${method} ${path} is not implemented by the local gateway (see local-stack/README.md)`,
    ),
};
