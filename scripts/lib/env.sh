# Shared settings for the local stack scripts: sourced, never run.
# The ports, keys and secret are those of `supabase start`, so client code
# written against `supabase start` runs unchanged against this stack.

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# EXPORTS_LOCAL_DIR, EXPORTS_DB_PORT and EXPORTS_API_PORT let several stacks
# (a developer's, a benchmark's) run side by side on one machine.
# A relative EXPORTS_LOCAL_DIR is taken from the repository root: Postgres
# runs from its data directory and needs absolute paths for its socket.
local_dir="${EXPORTS_LOCAL_DIR:-.local}"
[[ $local_dir == /* ]] || local_dir="$repo_root/$local_dir"
pg_bin=/usr/lib/postgresql/15/bin
# The cluster (data, log, unix socket) lives in $pg_dir, normally beside the
# rest of the local state. Scripts run as root start Postgres as `postgres`,
# which cannot reach a clone under a private home (Debian's /root is 0700):
# such a clone keeps its cluster in a postgres-owned directory of its own.
pg_dir="$local_dir/postgres"
if [ "$(id -u)" = 0 ] && id -u postgres >/dev/null 2>&1; then
  reachable="$local_dir"
  while [ ! -e "$reachable" ]; do reachable=$(dirname "$reachable"); done
  if ! runuser -u postgres -- test -x "$reachable"; then
    pg_dir="/var/lib/postgresql/supabase-exports/$(printf %s "$local_dir" | sha256sum | cut -c1-12)"
  fi
  unset reachable
fi
pg_data="$pg_dir/data"
pg_log="$pg_dir/postgres.log"
# The local CA that signs the cluster's TLS certificate (scripts/db-start): a
# client verifies the server with sslmode=verify-full&sslrootcert=<this file>.
export LOCAL_DB_ROOT_CERT="$pg_dir/tls/root.crt"
pg_port="${EXPORTS_DB_PORT:-54322}"
api_port="${EXPORTS_API_PORT:-54321}"

export PATH="$repo_root/node_modules/.bin:$PATH"
export DENO_NO_UPDATE_CHECK=1
export SUPABASE_DB_URL="postgresql://postgres:postgres@127.0.0.1:$pg_port/postgres"
export SUPABASE_URL="http://127.0.0.1:$api_port"
export SUPABASE_JWT_SECRET="super-secret-jwt-token-with-at-least-32-characters-long"
export SUPABASE_ANON_KEY="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0"
export SUPABASE_SERVICE_ROLE_KEY="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU"
# Today's API keys, the fixed ones `supabase start` prints: the publishable key
# stands for the anon role, the secret key for the service role.
export SUPABASE_PUBLISHABLE_KEY="sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH"
export SUPABASE_SECRET_KEY="sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
# The project's ES256 signing key (a private JWK): it signs user sessions and
# the JWTs the gateway mints for API keys; /auth/v1/.well-known/jwks.json
# publishes its public half. LOCAL ONLY: it is public in this repository, so
# nothing signed with it may be trusted anywhere else.
export LOCAL_JWT_SIGNING_KEY='{"kid":"0080af7a-46e9-4d4a-8072-c18e565941bd","kty":"EC","crv":"P-256","x":"dYXoSYrBYZNRQuNGtxHG4d7pZHkVRWYcrpdqg78x8cU","y":"1_iEp8xyBBnnLqT9Qb4AX5E8DzoQs1iZtQVSNuS7qy4","d":"NT_3QHfIR5fMaML5RqEeDEHu7HrcSAnp-Dw2TdaIjww"}'
# The module's own: the secret that may wake the worker and nothing else (a
# project sets its own with `supabase secrets set` and Vault, see README).
export EXPORTS_WAKE_SECRET="local-exports-wake-secret-for-the-local-stack-only"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# psql as the local superuser, stopping at the first error.
db_psql() { PGPASSWORD=postgres psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }

# Runs a command as the OS user that owns the cluster (Postgres refuses root),
# from / since that user may not be allowed into the current directory.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# Prints the pid in a gateway pid file when that process is alive and is this
# checkout's gateway. Otherwise (a crash, a reboot, the pid since reused)
# removes the stale file and fails, so nothing signals an unrelated process.
gateway_pid() { # pid file
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  if [[ $pid =~ ^[0-9]+$ ]] && grep -qzxF -- "$repo_root/local-stack/gateway/main.ts" "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
  else
    rm -f "$1"
    return 1
  fi
}
