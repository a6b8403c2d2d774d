#!/usr/bin/env bash
# Azurite's blob service on a free loopback port, for the tests (DESIGN §6).
#
#   source infra/azurite/start.sh && azurite_start   # as ./test.sh does; later: azurite_stop
#   infra/azurite/start.sh dotnet test ...           # runs one command with Azurite up, then stops it
#
# azurite_start installs the pinned azurite from package-lock.json (npm ci) when it is missing or another version,
# starts azurite-blob in memory, waits until its port answers and exports ORLEANSSTREAM_TEST_AZURITE_BLOB, the
# connection string of Azurite's well-known development account (devstoreaccount1; its key is public, not a secret).

AZURITE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AZURITE_PID=""
AZURITE_WORK=""

# Installs Node.js and npm from Debian when npm is missing (the machines have apt-get but maybe no Node).
azurite_ensure_npm() {
  command -v npm >/dev/null 2>&1 && return 0
  echo "azurite: npm not found; installing nodejs and npm with apt-get" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq nodejs npm >/dev/null
}

# npm ci when node_modules is missing or holds another azurite than package.json pins.
azurite_install() {
  local pinned installed=""
  pinned="$(node -p "require('$AZURITE_DIR/package.json').dependencies.azurite")"
  if [ -x "$AZURITE_DIR/node_modules/.bin/azurite-blob" ]; then
    installed="$(node -p "require('$AZURITE_DIR/node_modules/azurite/package.json').version" 2>/dev/null || true)"
  fi
  [ "$installed" = "$pinned" ] && return 0
  echo "azurite: installing azurite $pinned (npm ci)" >&2
  npm ci --prefix "$AZURITE_DIR" --no-audit --no-fund --loglevel=error >&2
}

# A port that was free on 127.0.0.1 a moment ago; azurite_start retries when another process takes it first.
azurite_free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();});"
}

azurite_start() {
  azurite_ensure_npm || { echo "azurite: could not install npm" >&2; return 1; }
  azurite_install || { echo "azurite: npm ci failed" >&2; return 1; }
  AZURITE_WORK="$(mktemp -d "${TMPDIR:-/tmp}/orleansstream-azurite.XXXXXX")"
  local attempt port waited
  for attempt in 1 2 3 4 5; do
    port="$(azurite_free_port)"
    # Started in its own temp folder (--location is refused with --inMemoryPersistence) so that nothing it writes lands
    # in the repository; exec makes $! the node process itself. Telemetry would only time out on offline machines.
    (cd "$AZURITE_WORK" && exec "$AZURITE_DIR/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$port" \
      --skipApiVersionCheck --inMemoryPersistence --extentMemoryLimit 1024 --disableTelemetry --silent \
      >"$AZURITE_WORK/azurite.log" 2>&1) &
    AZURITE_PID=$!
    for waited in $(seq 1 300); do
      if ! kill -0 "$AZURITE_PID" 2>/dev/null; then break; fi
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        export ORLEANSSTREAM_TEST_AZURITE_BLOB="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$port/devstoreaccount1;"
        echo "azurite: blob service on 127.0.0.1:$port (pid $AZURITE_PID)" >&2
        return 0
      fi
      sleep 0.2
    done
    echo "azurite: attempt $attempt on port $port failed:" >&2
    tail -n 20 "$AZURITE_WORK/azurite.log" >&2 || true
    azurite_stop_process
  done
  echo "azurite: could not start the blob service" >&2
  return 1
}

azurite_stop_process() {
  if [ -n "$AZURITE_PID" ] && kill -0 "$AZURITE_PID" 2>/dev/null; then
    kill "$AZURITE_PID" 2>/dev/null || true
    wait "$AZURITE_PID" 2>/dev/null || true
  fi
  AZURITE_PID=""
}

# Stops Azurite and removes its workspace; safe to call twice.
azurite_stop() {
  local had="$AZURITE_PID"
  azurite_stop_process
  if [ -n "$AZURITE_WORK" ]; then rm -rf "$AZURITE_WORK"; AZURITE_WORK=""; fi
  unset ORLEANSSTREAM_TEST_AZURITE_BLOB
  [ -z "$had" ] || echo "azurite: stopped" >&2
}

# Executed rather than sourced: run the given command with Azurite up.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  [ $# -gt 0 ] || { echo "usage: source $0 && azurite_start   |   $0 COMMAND [ARGS...]" >&2; exit 2; }
  trap azurite_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  azurite_start
  "$@"
fi
