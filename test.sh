#!/usr/bin/env bash
# Runs every test of OrleansStream on a fresh machine: restores, builds once, runs the test projects.
# Services the tests need are started by the tests themselves (embedded silos, child silo processes).
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build OrleansStream.sln -c Release -nologo -v minimal
# The crash tests start the silo executable as a separate process, so it is built above with the tests.
dotnet test OrleansStream.sln -c Release --no-build -nologo -v minimal --logger "console;verbosity=normal" "$@"
