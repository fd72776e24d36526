// connect-es transports and the mapping of brief's error code names to connect-es codes.
import { Code } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";

/**
 * A connect-es transport with the JSON codec. `httpVersion` "1.1" streams the request
 * body (Transfer-Encoding: chunked); "2" is HTTP/2 with prior knowledge (h2c) for an
 * http:// base URL. Returns { transport, close }.
 */
export function transport(baseUrl, httpVersion, extra = {}) {
  const sessionManager =
    httpVersion === "2" ? new Http2SessionManager(baseUrl) : undefined;
  const transport = createConnectTransport({
    baseUrl,
    httpVersion,
    useBinaryFormat: false,
    ...(sessionManager ? { sessionManager } : {}),
    ...extra,
  });
  return { transport, close: () => sessionManager?.abort() };
}

/**
 * JSON options that make protobuf-es write zero values of implicit-presence proto3
 * fields (0, false, "", the first enum value). By default it omits them, and a brief
 * server rejects the message because the (required) field is missing.
 */
export const emitZeros = { jsonOptions: { alwaysEmitImplicit: true } };

/** brief's error code names (the Connect wire names) → connect-es Code. */
export const codes = {
  canceled: Code.Canceled,
  unknown: Code.Unknown,
  invalid_argument: Code.InvalidArgument,
  deadline_exceeded: Code.DeadlineExceeded,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  permission_denied: Code.PermissionDenied,
  resource_exhausted: Code.ResourceExhausted,
  failed_precondition: Code.FailedPrecondition,
  aborted: Code.Aborted,
  out_of_range: Code.OutOfRange,
  unimplemented: Code.Unimplemented,
  internal: Code.Internal,
  unavailable: Code.Unavailable,
  data_loss: Code.DataLoss,
  unauthenticated: Code.Unauthenticated,
};

/** Runs `fn` and returns the ConnectError it throws (fails if it does not throw). */
export async function connectError(fn) {
  const { ConnectError } = await import("@connectrpc/connect");
  try {
    const out = await fn();
    throw new Error(`expected a ConnectError, got ${JSON.stringify(out, big)}`);
  } catch (e) {
    if (!(e instanceof ConnectError)) throw e;
    return e;
  }
}

/** JSON.stringify replacer for bigint. */
export function big(_key, value) {
  return typeof value === "bigint" ? `${value}n` : value;
}

