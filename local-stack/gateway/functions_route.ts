// `/functions/v1/<name>`: the hosted gateway's JWT check where `verify_jwt` asks for it (an HS256
// token signed with the JWT secret or an ES256 one signed with a key of the JWKS, never an API key),
// then the function itself, with both headers as sent. Rejections and failures (a boot that
// failed, an instance killed at a limit) carry the hosted statuses, codes and messages.
import type { GatewayConfig } from "./config.ts";
import { BootError, type FunctionHost, ResourceLimitError } from "./function_host.ts";
import { type VerificationKeys, verifyJwt } from "./jwt.ts";

/** Answers a request whose path starts with `/functions/v1/`. */
export async function handleFunction(
  request: Request,
  path: string,
  config: GatewayConfig,
  host: FunctionHost,
  keys: VerificationKeys,
): Promise<Response> {
  const [, name, rest] = path.match(/^\/functions\/v1\/([^/]+)(\/.*)?$/) ?? [];
  const fn = name ? config.functions.get(name) : undefined;
  if (!fn) return failure(404, "NOT_FOUND", "Requested function was not found");
  // A browser's CORS preflight never carries the Authorization header; the
  // hosted gateway lets OPTIONS through to the function, which answers it.
  if (fn.verifyJwt && request.method !== "OPTIONS") {
    const refusal = await refuseUnverified(request, keys);
    if (refusal) return refusal;
  }
  try {
    return await host.forward(fn, request, rest ?? "");
  } catch (error) {
    if (error instanceof BootError) {
      return failure(503, "BOOT_ERROR", "Worker failed to boot (please check logs)");
    }
    // Hosted Supabase's custom status for an instance stopped at its CPU, memory or wall-clock
    // limit; which one is only in the logs. (Its code was WORKER_LIMIT before.)
    if (error instanceof ResourceLimitError) {
      return failure(
        546,
        "WORKER_RESOURCE_LIMIT",
        "Function failed due to not having enough compute resources (please check logs)",
      );
    }
    throw error;
  }
}

async function refuseUnverified(
  request: Request,
  keys: VerificationKeys,
): Promise<Response | null> {
  const authorization = request.headers.get("authorization");
  if (!authorization) {
    return failure(401, "UNAUTHORIZED_NO_AUTH_HEADER", "Missing authorization header");
  }
  const token = authorization.match(/^Bearer (\S+)$/)?.[1];
  if (!token) {
    return failure(401, "UNAUTHORIZED_INVALID_JWT_FORMAT", "Auth header is not 'Bearer {token}'");
  }
  try {
    await verifyJwt(token, keys);
    return null;
  } catch {
    return failure(401, "UNAUTHORIZED_INVALID_JWT_FORMAT", "Invalid JWT");
  }
}

function failure(status: number, code: string, message: string): Response {
  return Response.json({ code, message }, { status });
}
