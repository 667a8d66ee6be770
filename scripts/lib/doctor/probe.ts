// Asks the worker's URL whether anything answers there. The request carries no
// credentials, so a running worker refuses it: any answer below 500 means the
// function is deployed and reachable, and nothing is run.
import type { Finding } from "./finding.ts";

/** How long the probe waits for an answer. */
export const probeTimeoutMs = 10_000;

/** Reports whether `url` answers an unauthenticated POST with a status below 500. */
export async function probeWorkerUrl(url: string): Promise<Finding> {
  const fix =
    "supabase functions deploy exports-worker, and check exports.settings.worker_url points at it";
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
      signal: AbortSignal.timeout(probeTimeoutMs),
    });
    await response.body?.cancel();
    if (response.status < 500) {
      return {
        check: "worker_url",
        severity: "ok",
        message: `${url} answers (HTTP ${response.status} to a request without credentials)`,
      };
    }
    return {
      check: "worker_url",
      severity: "fail",
      message: `${url} answers HTTP ${response.status}: the worker is not serving`,
      fix,
    };
  } catch (error) {
    return {
      check: "worker_url",
      severity: "fail",
      message: `${url} does not answer: ${error instanceof Error ? error.message : String(error)}`,
      fix,
    };
  }
}
