#!/usr/bin/env bash
# Runs every test of OrleansStream on a fresh machine: restores, builds once, runs the test projects.
# Azurite (the Azure Blob Storage emulator, pinned in infra/azurite) is installed if needed and started here on a free
# loopback port for the blob checkpoint tests, and stopped however the script ends; redis-server is installed if missing
# and started by the cluster tests themselves, as are embedded silos and child silo processes. Debian's chromium is
# installed if missing for the web UI's browser tests (Playwright drives it headless; no browser is downloaded).
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The multi-process cluster tests run Debian's redis-server for membership (each test picks its own port).
if ! command -v redis-server >/dev/null; then
  echo "redis-server missing: installing it with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
# The web UI tests open the UI in Debian's Chromium (tests/OrleansStream.Ui.Tests, ORLEANSSTREAM_TEST_CHROMIUM to use another).
if ! command -v chromium >/dev/null; then
  echo "chromium missing: installing it with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
source infra/azurite/start.sh
trap azurite_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
dotnet build OrleansStream.sln -c Release -nologo -v minimal
# Exports ORLEANSSTREAM_TEST_AZURITE_BLOB, which the Azurite tests read (they fail, not skip, without it).
azurite_start
# The crash tests start the silo executable as a separate process, so it is built above with the tests.
# The full log is long (cluster tests print silo warnings): failures are repeated at its end, where CI shows them.
log="$(mktemp "${TMPDIR:-/tmp}/orleansstream-test.XXXXXX")"
# The cluster tests run up to six silo processes of their own: they run after the other test projects, not beside them (on
# two cores, beside them, a restarted cluster's first call timed out now and then). The others run side by side, from a
# solution filter of every project of the solution but the cluster tests' (made here, so that a new project is never left out).
others="$(mktemp -p . .tests-XXXXXX.slnf)"
trap 'azurite_stop; rm -f "$others"' EXIT
{ printf '{"solution":{"path":"OrleansStream.sln","projects":['
  dotnet sln OrleansStream.sln list | grep '\.csproj$' | grep -v 'OrleansStream.Cluster.Tests' | sed 's/.*/"&"/' | paste -sd, -
  printf ']}}\n'; } > "$others"
set +e
dotnet test "$others" -c Release --no-build -nologo -v minimal --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
dotnet test tests/OrleansStream.Cluster.Tests -c Release --no-build -nologo -v minimal --logger "console;verbosity=normal" "$@" 2>&1 | tee -a "$log"
cluster_rc=${PIPESTATUS[0]}
[ "$rc" -ne 0 ] || rc=$cluster_rc
set -e
echo "== test summary (exit $rc) =="
grep -E "^\s+Failed |Test Run Aborted|aborted|Total tests|^\s+(Passed|Failed):" "$log" | cut -c1-400 | tail -n 40 || true
# Each failure's message and the start of its stack and output, which CI shows.
awk '/^  Failed / { n = 60 } n > 0 { print; n-- }' "$log" | cut -c1-400 | head -n 240 || true
rm -f "$log"
exit "$rc"
