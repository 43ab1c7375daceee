# Sourced by test.sh and bench.sh (bash, `set -euo pipefail`, run from the repository root):
# `own_services_up` runs `npm run services:up` and sets traps so that on exit, also on failure or
# Ctrl-C, the Redis/Kafka this run started are stopped again (exit code kept), as the vitest
# global setup test/setup/services.ts does. Services that already ran (`npm start`, a developer's
# `services:up`) are reused and left running. The caller must not `exec` afterwards: that would
# drop the EXIT trap.

# Lines of `services:status`: "<name> <ours|external|stopped> <endpoint> [pid N] ..."; it exits 3
# when a service is stopped, which is not an error here.
services_status() {
  local rc=0
  npm run --silent services:status || rc=$?
  ((rc == 0 || rc == 3)) || return "$rc"
}
# Second word of the line about service $1 in $2: ours/external/stopped, or started/reused for `up`.
word2() { awk -v s="$1" '$1 == s { print $2 }' <<<"$2"; }
pid_of() { sed -n "s/^$1 .* pid \([0-9][0-9]*\).*/\1/p" <<<"$2"; }

stop_what_we_started() {
  local rc=$? name now pid want
  local stop=()
  trap - EXIT
  trap '' INT TERM # let the stop finish; the services get SIGTERM, then SIGKILL after 20 s
  now="$(services_status 2>/dev/null)" || now=""
  for name in redis kafka; do
    [[ "$(word2 "$name" "$now")" == ours ]] || continue
    if ((up_done)); then
      # What `services:up` reported as started now, if its PID file still names that process.
      [[ "$(word2 "$name" "$up_out")" == started ]] || continue
      want="$(pid_of "$name" "$up_out")"
      pid="$(pid_of "$name" "$now")"
      [[ -n "$want" && "$pid" == "$want" ]] || continue
    else
      # `services:up` failed or was interrupted after starting some: stop those that were not
      # running before and now run from our PID files.
      [[ "$(word2 "$name" "$before")" == stopped ]] || continue
    fi
    stop+=("$name")
  done
  if ((${#stop[@]})); then
    echo "databricks: stopping what this run started: ${stop[*]}" >&2
    npm run --silent services:down -- "${stop[@]}" >&2 ||
      echo "databricks: stopping ${stop[*]} failed; see npm run services:status" >&2
  fi
  exit "$rc"
}

own_services_up() {
  before="$(services_status)"
  up_out=""
  up_done=0
  trap stop_what_we_started EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  up_out="$(npm run --silent services:up)"
  up_done=1
  printf '%s\n' "$up_out"
}
