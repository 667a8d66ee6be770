// What the export center page imports from supabase-js: the gateway bundles this module for the
// browser (export_center_route.ts), so the page runs the same client version as the project.
export { createClient } from "@supabase/supabase-js";
