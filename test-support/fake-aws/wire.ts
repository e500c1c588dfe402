/**
 * The wire format of the model's replies: the SDK's HTTP request and response shapes, and the bodies
 * EC2 (query/XML) and the JSON services (Config, SSM) answer with, errors included.
 */

/** The parts of the SDK's HTTP request and response the model reads and writes (the SDK checks responses by shape). */
export interface HttpRequest {
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

const EC2_ERROR_STATUS = { RequestLimitExceeded: 503 } as Record<string, number>;

/** EC2 tags as the `<item>` elements of a `tagSet`. */
export const xmlTags = (tags: Record<string, string>): string =>
  Object.entries(tags)
    .map(([k, v]) => `<item><key>${k}</key><value>${v}</value></item>`)
    .join('');

/** An EC2 (query API) reply: `inner` wrapped in `<OperationResponse>` with a request ID. */
export function ec2Reply(operation: string, inner: string): { response: HttpResponse } {
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">` +
    `<requestId>00000000-0000-0000-0000-000000000000</requestId>${inner}</${operation}Response>`;
  return respond(200, 'text/xml;charset=UTF-8', xml);
}

/** An EC2 error reply; throttling is HTTP 503, as EC2 answers it, anything else 400. */
export function ec2Error(code: string, message: string): { response: HttpResponse } {
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message>` +
    `</Error></Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>`;
  return respond(EC2_ERROR_STATUS[code] ?? 400, 'text/xml;charset=UTF-8', xml);
}

/** A JSON-protocol reply (Config, SSM). */
export function jsonReply(body: object): { response: HttpResponse } {
  return respond(200, 'application/x-amz-json-1.1', JSON.stringify(body));
}

/** A JSON-protocol error, its type in the body and in `x-amzn-errortype`. */
export function jsonError(type: string, message: string, status = 400): { response: HttpResponse } {
  return respond(status, 'application/x-amz-json-1.1', JSON.stringify({ __type: type, message }), { 'x-amzn-errortype': type });
}

/** A reply with a text body. */
export function respond(statusCode: number, contentType: string, body: string, extra: Record<string, string> = {}) {
  return respondBytes(statusCode, contentType, Buffer.from(body, 'utf8'), extra);
}

/** A reply with the given bytes as its body. */
export function respondBytes(statusCode: number, contentType: string, bytes: Uint8Array, extra: Record<string, string> = {}) {
  return {
    response: {
      statusCode,
      headers: { 'content-type': contentType, 'content-length': String(bytes.length), 'x-amzn-requestid': 'model', ...extra },
      body: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    } satisfies HttpResponse,
  };
}
