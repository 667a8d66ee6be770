// Reads a JSON object body, refusing anything else with Storage's InvalidRequest.
import { storageErrors } from "./errors.ts";

/** The request's body as a JSON object. */
export async function jsonBody(request: Request): Promise<Record<string, unknown>> {
  try {
    const body = await request.json();
    if (typeof body === "object" && body !== null && !Array.isArray(body)) return body;
  } catch {
    // Answered below.
  }
  throw storageErrors.invalidRequest("The request body must be a JSON object");
}
