// The exports API's input schemas (zod): what a client may send, checked
// before anything reaches the database. The SQL core checks the rest.
import { z } from "zod";

/** POST /exports: request an export. */
export const createExportInput = z.object({
  source: z.string().min(1),
  // Any name: request_export refuses one exports.formats lacks (EX002), the
  // same answer an RPC caller gets.
  format: z.string(),
  options: z.record(z.string(), z.json()).default({}),
  idempotency_key: z.string().min(1).max(200).optional(),
  scope: z.uuid().optional(),
  compression: z.enum(["none", "gzip"]).default("none"),
  defuse_formulas: z.boolean().optional(),
  // Any whole number: request_export refuses one under its minimum (EX014).
  max_part_bytes: z.number().int().optional(),
}).strict();

/** GET /exports: list filters from the query string. */
export const listExportsInput = z.object({
  status: z.enum(["queued", "processing", "completed", "failed", "canceled", "expired"]).optional(),
  format: z.string().optional(),
  source: z.string().optional(),
  requested_from: z.iso.datetime({ offset: true }).optional(),
  requested_to: z.iso.datetime({ offset: true }).optional(),
  page_size: z.coerce.number().int().min(1).max(100).optional(),
  before_export_id: z.uuid().optional(),
}).strict();

/** POST /exports/:id/link: how long the signed URL lives (seconds, default a minute). */
export const linkInput = z.object({
  expires_in: z.number().int().min(1).max(3600).default(60),
}).strict();

/** An export id in a path. */
export const exportId = z.uuid();

/** Field-level issues for a 400 answer. */
export function fieldIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}
