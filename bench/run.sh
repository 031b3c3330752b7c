#!/usr/bin/env bash
# Benchmark of aws-auth against the AWS CLI and a raw curl request, all hitting one moto STS
# server on loopback, then of its session cache (hits, exec, parallel callers on an empty cache,
# serve, and optionally the Secret Service). Prints medians and PASS/MISS against the targets;
# it reports figures and exits 0 unless something failed to run. See bench/README.md.
#
#   bench/run.sh                 # default: --runs 30, --warmup 3 (the cache-hit rows: 4 x RUNS)
#   RUNS=50 WARMUP=5 bench/run.sh
#   SECRET_SERVICE=0 bench/run.sh  # skip the Secret Service row
#
# The functions can be sourced (`source bench/run.sh`) without running the benchmark.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-30}"
WARMUP="${WARMUP:-3}"
HIT_RUNS="${HIT_RUNS:-$((4 * RUNS))}" # the millisecond rows are cheap: more runs, less noise
SERVE_REQUESTS="${SERVE_REQUESTS:-200}"
SECRET_SERVICE="${SECRET_SERVICE:-1}"
VENV="$REPO/target/test-venv" # shared with scripts/test.sh
BIN="$REPO/target/release/aws-auth"

# Fixed inputs. moto ignores the MFA code and does not check that the role exists.
ACCOUNT=123456789012
SERIAL="arn:aws:iam::$ACCOUNT:mfa/bench"
ROLE_ARN="arn:aws:iam::$ACCOUNT:role/bench"
SESSION_NAME=bench
TOKEN_CODE=123456
SOURCE_KEY_ID=AKIAIOSFODNN7EXAMPLE
SOURCE_SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# ---------------------------------------------------------------------------------------------
# Setup: tools, venv, build, scratch dir

ensure_tools() {
  local sudo="" missing=() p
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  local pkgs=(hyperfine curl pass pass-extension-otp gnupg oathtool binutils python3 python3-venv)
  # The Secret Service row: gnome-keyring in its own dbus-run-session.
  if [ "$SECRET_SERVICE" = 1 ]; then pkgs+=(dbus gnome-keyring); fi
  for p in "${pkgs[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
  # Same venv, same pins as scripts/test.sh.
  if ! "$VENV/bin/python" -c 'import moto, awscli' 2>/dev/null; then
    log "creating $VENV (moto[server], awscli)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check 'moto[server]==5.2.1' 'awscli==1.45.11'
  fi
  export PATH="$VENV/bin:$PATH"
}

# src/ may be mid-edit by someone else: retry a failing build a few times.
build_release() {
  local attempt
  for attempt in 1 2 3 4 5 6; do
    if (cd "$REPO" && cargo build --release --quiet); then
      return 0
    fi
    log "cargo build --release failed (attempt $attempt); retrying in 30 s"
    sleep 30
  done
  die "cargo build --release keeps failing"
}

make_scratch() {
  # Short path: gpg-agent's socket path has a length limit.
  SCRATCH="$(mktemp -d /tmp/aab.XXXXXX)"
  export SCRATCH
}

# ---------------------------------------------------------------------------------------------
# moto server

free_port() {
  "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# moto_start: starts moto on a free loopback port; sets MOTO_PID, MOTO_PORT, MOTO_URL.
moto_start() {
  local i
  MOTO_PORT="$(free_port)"
  MOTO_URL="http://127.0.0.1:$MOTO_PORT"
  moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$SCRATCH/moto.log" 2>&1 &
  MOTO_PID=$!
  for i in $(seq 100); do
    if curl -s -o /dev/null "$MOTO_URL/moto-api/"; then
      log "moto $MOTO_URL (pid $MOTO_PID)"
      return 0
    fi
    kill -0 "$MOTO_PID" 2>/dev/null || break
    sleep 0.2
  done
  cat "$SCRATCH/moto.log" >&2 || true
  die "moto_server did not come up on $MOTO_URL"
}

# moto_requests: how many requests moto has answered so far (its request log, one line each).
moto_requests() {
  grep -c '" [0-9][0-9][0-9] ' "$SCRATCH/moto.log" || true
}

moto_stop() {
  if [ -n "${MOTO_PID:-}" ]; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
    MOTO_PID=""
  fi
}

# ---------------------------------------------------------------------------------------------
# Throwaway pass store (for the --profile rows)

# pass_store_init: GNUPGHOME + PASSWORD_STORE_DIR under $SCRATCH, one key without passphrase.
pass_store_init() {
  export GNUPGHOME="$SCRATCH/gnupg" PASSWORD_STORE_DIR="$SCRATCH/store"
  mkdir -m 700 "$GNUPGHOME"
  gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key 'aws-auth bench <bench@example.invalid>' future-default default never 2>/dev/null
  pass init "$(gpg --list-secret-keys --with-colons 2>/dev/null | awk -F: '/^fpr/{print $10; exit}')" >/dev/null
}

# pass_store_put NAME CONTENT: a (multi-line) entry.
pass_store_put() {
  printf '%s\n' "$2" | pass insert -m -f "$1" >/dev/null
}

pass_store_stop() {
  if [ -n "${GNUPGHOME:-}" ] && [ -d "$GNUPGHOME" ]; then
    gpgconf --kill gpg-agent 2>/dev/null || true
  fi
}

cleanup() {
  serve_stop
  cache_forget
  moto_stop
  pass_store_stop
  if [ -n "${SCRATCH:-}" ]; then rm -rf "$SCRATCH"; fi
}

# ---------------------------------------------------------------------------------------------
# Benchmark rows: registered with bench_add, measured in one hyperfine run (one moto server).

BENCH_NAMES=()
BENCH_CMDS=()
BENCH_EXPECT=()

# bench_add NAME COMMAND [STDOUT_REGEX]: COMMAND is run by hyperfine without a shell (-N), split
# like a shell would (quote anything with & ; | etc.: bench_check runs it through bash); use
# `bash -c '...'` for pipelines. stdout goes to /dev/null (hyperfine's default). bench_check
# requires stdout to match STDOUT_REGEX (grep -E) when given.
bench_add() {
  BENCH_NAMES+=("$1")
  BENCH_CMDS+=("$2")
  BENCH_EXPECT+=("${3:-}")
}

# What every credential-printing row must show: a temporary key id as moto issues them.
CREDS_RE='ASIA[A-Z0-9]{16}'

# bench_check: runs every command once, so a broken one fails loudly with its own stderr, and
# one that exits 0 without printing what it should (STDOUT_REGEX of bench_add) fails too.
bench_check() {
  local i err out="$SCRATCH/check.out"
  for i in "${!BENCH_NAMES[@]}"; do
    if ! err="$(bash -c "${BENCH_CMDS[$i]}" 2>&1 >"$out")"; then
      printf '%s\n' "$err" >&2
      die "'${BENCH_NAMES[$i]}' failed: ${BENCH_CMDS[$i]}"
    fi
    if [ -n "${BENCH_EXPECT[$i]}" ] && ! grep -Eq "${BENCH_EXPECT[$i]}" "$out"; then
      printf '%s\n' "$err" >&2
      die "'${BENCH_NAMES[$i]}' exited 0 but its stdout does not match /${BENCH_EXPECT[$i]}/"
    fi
  done
  rm -f "$out"
}

# bench_run TAG [HYPERFINE_OPTION...]: one hyperfine run over the rows registered since the last
# bench_reset (one group: same environment, same options, e.g. --prepare), --runs $BENCH_RUNS
# (default $RUNS); JSON in $SCRATCH/hyperfine-TAG.json, where median_ms finds it.
bench_run() {
  local tag="$1" args=() i
  shift
  for i in "${!BENCH_NAMES[@]}"; do
    args+=(-n "${BENCH_NAMES[$i]}" "${BENCH_CMDS[$i]}")
  done
  hyperfine -N --warmup "$WARMUP" --runs "${BENCH_RUNS:-$RUNS}" --style basic \
    --export-json "$SCRATCH/hyperfine-$tag.json" "$@" "${args[@]}" >&2
}

# bench_reset: forget the registered rows (their results stay for median_ms), for the next group.
bench_reset() {
  BENCH_NAMES=()
  BENCH_CMDS=()
  BENCH_EXPECT=()
}

# median_ms NAME: the median of that row (from any group), in milliseconds.
median_ms() {
  "$VENV/bin/python" - "$1" "$SCRATCH"/hyperfine-*.json <<'EOF'
import json, sys
name, paths = sys.argv[1], sys.argv[2:]
for path in paths:
    for r in json.load(open(path))["results"]:
        if r["command"] == name:
            print(f'{r["median"] * 1000:.3f}')
            sys.exit(0)
sys.exit(f"no result named {name!r}")
EOF
}

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# minus A B: A - B with three decimals.
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

# ---------------------------------------------------------------------------------------------
# Table

TABLE=()

# table_row LABEL VALUE UNIT [OP TARGET]: OP is <= or >=; without a target the row is info only.
table_row() {
  local label="$1" value="$2" unit="$3" op="${4:-}" target="${5:-}" verdict="" goal=""
  if [ -n "$op" ]; then
    goal="$op $target $unit"
    if awk -v v="$value" -v t="$target" -v op="$op" \
      'BEGIN { exit !((op == "<=" && v <= t) || (op == ">=" && v >= t)) }'; then
      verdict=PASS
    else
      verdict=MISS
    fi
  fi
  TABLE+=("$(printf '%-50s %10s %-3s %-12s %s' "$label" "$value" "$unit" "$goal" "$verdict" | sed 's/ *$//')")
}

table_print() {
  printf '%-50s %10s %-3s %s\n' "measure" "value" "" "target"
  printf '%s\n' "--------------------------------------------------------------------------------------"
  printf '%s\n' "${TABLE[@]}"
}

# ---------------------------------------------------------------------------------------------
# The --profile rows: a throwaway pass store holding both layouts, and profiles.toml

OPS_SERIAL="arn:aws:iam::$ACCOUNT:mfa/alice"
OPS_ROLE_ARN="arn:aws:iam::$ACCOUNT:role/ops"
OTPAUTH="otpauth://totp/AWS:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=AWS"
# Profiles of the session cache rows. Names no test uses: the persistent kernel keyring is
# shared by every login of the user, and `cache clear --profile NAME` clears NAME everywhere.
CACHE_PROFILES=(bench-hit bench-cold bench-ss bench-cfg)

# profile_setup: the pass store (one-entry convention `aws-auth/ops`; the original recipe's
# separate entries plus `aws-otp`), profiles.toml in $XDG_CONFIG_HOME/aws-auth/ (sets
# PROFILES_TOML), the recipe script (sets RECIPE_SH), and a warm gpg-agent.
profile_setup() {
  pass_store_init
  pass_store_put aws-auth/ops "$SOURCE_SECRET
aws_access_key_id: $SOURCE_KEY_ID
mfa_serial: $OPS_SERIAL
role_arn: $OPS_ROLE_ARN
$OTPAUTH"
  pass_store_put aws-access-key-id "$SOURCE_KEY_ID"
  pass_store_put aws-secret-access-key "$SOURCE_SECRET"
  pass_store_put aws-mfa-arn "$OPS_SERIAL"
  pass_store_put aws-iam-role-arn "$OPS_ROLE_ARN"
  pass_store_put aws-otp "$OTPAUTH"
  # The cache rows' profiles: the same one-entry layout, each with its own MFA device. The
  # cached MFA session is kept per source key and MFA device, and belongs to the profile that
  # made it: with a shared device, `cache clear --profile bench-cold` would leave bench-hit's
  # MFA session in place and an "empty cache" run would be one AssumeRole, not two calls.
  local p
  for p in "${CACHE_PROFILES[@]}"; do
    pass_store_put "aws-auth/$p" "$SOURCE_SECRET
aws_access_key_id: $SOURCE_KEY_ID
mfa_serial: arn:aws:iam::$ACCOUNT:mfa/$p
role_arn: $OPS_ROLE_ARN
$OTPAUTH"
  done

  mkdir -p "$XDG_CONFIG_HOME/aws-auth"
  PROFILES_TOML="$XDG_CONFIG_HOME/aws-auth/profiles.toml"
  cat >"$PROFILES_TOML" <<'TOML'
[profiles.ops]
backend = "pass"

[profiles.work4]
access_key_id = "pass:aws-access-key-id"
secret_access_key = "pass:aws-secret-access-key"
mfa_serial = "pass:aws-mfa-arn"
role_arn = "pass:aws-iam-role-arn"
mfa_code = "totp:pass:aws-otp"

# The session cache rows (bench/README.md): one pass entry each, the ops layout, a role of
# 3600 s (so an empty cache costs GetSessionToken + AssumeRole, and a hit costs neither).
[profiles.bench-hit]
backend = "pass"
role_duration_seconds = 3600

[profiles.bench-cold]
backend = "pass"
role_duration_seconds = 3600

[profiles.bench-ss]
backend = "pass"
role_duration_seconds = 3600
TOML

  # The original shell helper with its pass recipe: four `pass show`, one `pass otp`, then the
  # AWS CLI twice (GetSessionToken with MFA, AssumeRole with the session's keys). Sequential,
  # as the helper was.
  RECIPE_SH="$SCRATCH/recipe.sh"
  cat >"$RECIPE_SH" <<'SH'
set -euo pipefail
AWS_ACCESS_KEY_ID=$(pass show aws-access-key-id)
AWS_SECRET_ACCESS_KEY=$(pass show aws-secret-access-key)
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
mfa=$(pass show aws-mfa-arn)
role=$(pass show aws-iam-role-arn)
code=$(pass otp aws-otp)
read -r ak sk st < <(aws sts get-session-token --endpoint-url "$MOTO_URL" --serial-number "$mfa" --token-code "$code" --query "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]" --output text)
AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk AWS_SESSION_TOKEN=$st aws sts assume-role --endpoint-url "$MOTO_URL" --role-arn "$role" --role-session-name "$SESSION_NAME" --query "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]" --output text
SH

  # Warm gpg-agent (it starts on the first decryption), so no row pays for its startup.
  pass show aws-auth/ops >/dev/null
}

# profile_verify CMD...: the --profile rows must get everything from pass: run CMD once with the
# source keys removed from the environment and no terminal (no prompt possible for the code).
profile_verify() {
  local out
  if ! out="$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY setsid -w "$@" </dev/null 2>&1)" ||
    ! grep -Eq "$CREDS_RE" <<<"$out"; then
    printf '%s\n' "$out" >&2
    die "without AWS keys in the environment and no terminal, this fails: $*"
  fi
}

# ---------------------------------------------------------------------------------------------
# The session cache rows

# failbin_setup: sets FAILPATH, a PATH whose `pass`, `gpg` and `gpg2` fail loudly (message on
# stderr, a line in $FORBIDDEN_LOG, exit 97), so a password-manager run breaks the row it is in.
failbin_setup() {
  local dir="$SCRATCH/failbin" tool
  FORBIDDEN_LOG="$SCRATCH/forbidden.log"
  mkdir "$dir"
  for tool in pass gpg gpg2; do
    cat >"$dir/$tool" <<SH
#!/bin/sh
echo "bench: $tool ran during a cache-hit row: the cache did not serve it" >&2
echo "$tool" >>"$FORBIDDEN_LOG"
exit 97
SH
    chmod +x "$dir/$tool"
  done
  FAILPATH="$dir:$PATH"
  export FAILPATH FORBIDDEN_LOG
}

# forbidden_runs: how many pass/gpg runs the fake tools of FAILPATH have seen.
forbidden_runs() {
  if [ -f "$FORBIDDEN_LOG" ]; then wc -l <"$FORBIDDEN_LOG"; else echo 0; fi
}

# store_check STORE: `aws-auth cache status` must name STORE (kernel-keyring, secret-service).
store_check() {
  local status
  status="$("$BIN" cache status 2>&1)" || die "aws-auth cache status failed: $status"
  grep -q "^store: $1\$" <<<"$status" || {
    printf '%s\n' "$status" >&2
    die "the session cache is not in the $1 here"
  }
}

# cache_forget: removes the bench profiles' entries from the kernel keyring (it outlives us).
cache_forget() {
  local p
  if [ "${CACHE_USED:-0}" = 1 ] && [ -x "$BIN" ]; then
    for p in "${CACHE_PROFILES[@]}"; do
      env -u DBUS_SESSION_BUS_ADDRESS "$BIN" cache clear --profile "$p" >/dev/null 2>&1 || true
    done
  fi
}

# sts_delta VAR CMD...: runs CMD (stdout to /dev/null; it must succeed) and sets VAR to the
# number of requests moto answered meanwhile.
sts_delta() {
  local var="$1" before err
  shift
  before="$(moto_requests)"
  if ! err="$("$@" 2>&1 >/dev/null)"; then
    printf '%s\n' "$err" >&2
    die "failed: $*"
  fi
  printf -v "$var" '%s' "$(($(moto_requests) - before))"
}

# no_cache_check: the no-cache rows still ask STS on every run (AWS_AUTH_NO_CACHE=1 is honoured):
# a second run of each makes exactly one request.
no_cache_check() {
  local n cmd
  [ "${AWS_AUTH_NO_CACHE:-}" = 1 ] || die "AWS_AUTH_NO_CACHE=1 is not set for the no-cache rows"
  for cmd in "$BIN --serial-number $SERIAL --token-code $TOKEN_CODE --role-arn $ROLE_ARN --role-session-name $SESSION_NAME" \
    "$BIN --config $PROFILES_TOML --profile ops" "$BIN --profile work4"; do
    # shellcheck disable=SC2086 # word splitting wanted: no argument has spaces
    sts_delta n $cmd
    [ "$n" = 1 ] || die "with AWS_AUTH_NO_CACHE=1, '$cmd' run again made $n STS requests, not 1"
  done
}

# parallel_check PROFILE: eight callers at once on an empty cache: all must succeed and print
# credentials. Sets PAR_STS (STS requests they made together) and PAR_KEYS (distinct key ids
# they printed: 1 when they shared one result).
parallel_check() {
  local profile="$1" i before pids=() fail=0
  "$BIN" cache clear --profile "$profile" >/dev/null 2>&1
  before="$(moto_requests)"
  for i in 1 2 3 4 5 6 7 8; do
    "$BIN" --profile "$profile" >"$SCRATCH/par.$i.out" 2>"$SCRATCH/par.$i.err" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}" || ! grep -Eq "$CREDS_RE" "$SCRATCH/par.$((i + 1)).out"; then
      cat "$SCRATCH/par.$((i + 1)).err" >&2
      fail=1
    fi
  done
  [ "$fail" = 0 ] || die "not all of eight parallel '$BIN --profile $profile' on an empty cache succeeded"
  PAR_STS="$(($(moto_requests) - before))"
  PAR_KEYS="$(cat "$SCRATCH"/par.[1-8].out | grep -Eo "$CREDS_RE" | sort -u | wc -l)"
  rm -f "$SCRATCH"/par.*
}

# serve_start PROFILE: `aws-auth serve --profile PROFILE` without a command in the background,
# in the hit rows' environment (no pass, no gpg); its exports go to $SCRATCH/serve.env. Sets
# SERVE_PID, SERVE_URL, SERVE_TOKEN.
serve_start() {
  local i vars=()
  (
    unset AWS_AUTH_NO_CACHE
    export PATH="$FAILPATH"
    exec "$BIN" serve --profile "$1"
  ) >"$SCRATCH/serve.env" 2>"$SCRATCH/serve.err" &
  SERVE_PID=$!
  for i in $(seq 150); do
    grep -q AWS_AUTH_SERVER_PID "$SCRATCH/serve.env" 2>/dev/null && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.2
  done
  if ! grep -q AWS_AUTH_SERVER_PID "$SCRATCH/serve.env" 2>/dev/null; then
    cat "$SCRATCH/serve.env" "$SCRATCH/serve.err" >&2 || true
    serve_stop
    return 1
  fi
  # The printed lines are for eval: read them in a subshell (they unset the keys' variables).
  mapfile -t vars < <(
    # shellcheck disable=SC1091 # written by aws-auth serve at run time
    . "$SCRATCH/serve.env"
    printf '%s\n' "$AWS_CONTAINER_CREDENTIALS_FULL_URI" "$AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_AUTH_SERVER_PID"
  )
  SERVE_URL="${vars[0]:-}"
  SERVE_TOKEN="${vars[1]:-}"
  [ -n "$SERVE_URL" ] && [ -n "$SERVE_TOKEN" ] || die "aws-auth serve printed no endpoint or token"
  [ "${vars[2]:-}" = "$SERVE_PID" ] || log "warning: serve printed AWS_AUTH_SERVER_PID=${vars[2]:-} for pid $SERVE_PID"
}

# serve_stop: SIGTERM to the server, then reap it; sets SERVE_STATUS (its exit status).
serve_stop() {
  if [ -n "${SERVE_PID:-}" ]; then
    kill -TERM "$SERVE_PID" 2>/dev/null || true
    SERVE_STATUS=0
    wait "$SERVE_PID" 2>/dev/null || SERVE_STATUS=$?
    SERVE_PID=""
  fi
}

# serve_time N: N credential requests over one connection in one curl run, after a warm-up
# request; every answer must be 200 with credentials, and curl must open one connection.
# Sets SERVE_MEDIAN (ms) and SERVE_CONNECTS.
serve_time() {
  local n="$1" args=() i body times="$SCRATCH/serve.times"
  body="$(curl -sS -f -H "Authorization: $SERVE_TOKEN" "$SERVE_URL")" ||
    die "a request to aws-auth serve at $SERVE_URL failed"
  grep -Eq "\"AccessKeyId\" *: *\"$CREDS_RE\"" <<<"$body" ||
    die "aws-auth serve answered without credentials"
  for i in $(seq "$n"); do args+=(-o /dev/null "$SERVE_URL"); done
  curl -s -H "Authorization: $SERVE_TOKEN" -w '%{http_code} %{num_connects} %{time_total}\n' \
    "${args[@]}" >"$times" || die "curl of $n requests to aws-auth serve failed"
  [ "$(wc -l <"$times")" = "$n" ] || die "curl made $(wc -l <"$times") of $n requests to aws-auth serve"
  awk '$1 != 200 { bad = 1 } END { exit bad }' "$times" ||
    die "aws-auth serve answered some of $n requests with a status other than 200"
  SERVE_CONNECTS="$(awk '{ c += $2 } END { print c }' "$times")"
  SERVE_MEDIAN="$(awk '{ print $3 * 1000 }' "$times" | sort -n |
    awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f", m }')"
}

# The Secret Service row runs inside `dbus-run-session -- bash -c 'source run.sh; secret_service_inner'`
# with HOME, XDG_DATA_HOME and XDG_RUNTIME_DIR already in $SCRATCH/ss (as tests/support/
# secret_service.rs does). It unlocks a fresh gnome-keyring, warms the bench-ss profile into it,
# then measures the hit with pass/gpg failing; writes "STS_REQUESTS FORBIDDEN_RUNS" to
# $SCRATCH/ss.result.
secret_service_inner() {
  local i before
  printf %s bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 ||
    die "gnome-keyring-daemon --unlock failed"
  for i in $(seq 400); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
      grep -q 'boolean true' && break
    [ "$i" -lt 400 ] || die "org.freedesktop.secrets never got an owner"
    sleep 0.025
  done
  store_check secret-service
  "$BIN" cache clear --profile bench-ss >/dev/null 2>&1 || true
  "$BIN" --profile bench-ss >/dev/null || die "warming bench-ss into the Secret Service failed"
  before="$(moto_requests)"
  export PATH="$FAILPATH"
  bench_reset
  bench_add secret-service-hit "$BIN --profile bench-ss" "$CREDS_RE"
  bench_check
  BENCH_RUNS="$HIT_RUNS" bench_run secret-service
  echo "$(($(moto_requests) - before)) $(forbidden_runs)" >"$SCRATCH/ss.result"
}

# secret_service_bench: runs secret_service_inner in its own D-Bus session; sets SS_STS and
# SS_FORBIDDEN. Returns non-zero (after saying why) when no Secret Service could be started.
secret_service_bench() {
  local dir="$SCRATCH/ss" result=()
  mkdir -p "$dir/home" "$dir/data"
  mkdir -m 700 "$dir/run"
  if ! HOME="$dir/home" XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir/run" \
    BIN="$BIN" HIT_RUNS="$HIT_RUNS" RUNS="$RUNS" WARMUP="$WARMUP" \
    dbus-run-session -- bash -c 'set -euo pipefail; source "$1"; secret_service_inner' \
    bench "$REPO/bench/run.sh"; then
    log "the Secret Service row failed (see above); its row is left out"
    return 1
  fi
  read -r -a result <"$SCRATCH/ss.result"
  SS_STS="${result[0]}"
  SS_FORBIDDEN="${result[1]}"
}

# ---------------------------------------------------------------------------------------------

main() {
  ensure_tools
  build_release
  # What was built (others may commit or edit src/ while the benchmark runs).
  BUILT_REV="$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if ! (cd "$REPO" && git diff --quiet HEAD -- src Cargo.toml Cargo.lock backends 2>/dev/null); then
    BUILT_REV="$BUILT_REV+uncommitted"
  fi
  make_scratch
  trap cleanup EXIT
  trap 'exit 130' INT TERM

  # Nothing from the user's AWS, aws-auth, pass or gpg setup may leak in. (HOME changes only
  # after the build: cargo and rustup live under the real one.)
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_STS AWS_IGNORE_CONFIGURED_ENDPOINT_URLS AWS_REGION
  unset AWS_AUTH_CONFIG GPG_AGENT_INFO PASSWORD_STORE_KEY PASSWORD_STORE_GPG_OPTS \
    PASSWORD_STORE_ENABLE_EXTENSIONS PASSWORD_STORE_EXTENSIONS_DIR PASSWORD_STORE_UMASK
  mkdir "$SCRATCH/home"
  export HOME="$SCRATCH/home" XDG_CONFIG_HOME="$SCRATCH/config"
  export AWS_CONFIG_FILE="$SCRATCH/aws-config" AWS_SHARED_CREDENTIALS_FILE="$SCRATCH/aws-credentials"
  export AWS_ACCESS_KEY_ID="$SOURCE_KEY_ID" AWS_SECRET_ACCESS_KEY="$SOURCE_SECRET"
  export AWS_DEFAULT_REGION=us-east-1 # the AWS CLI v1 ignores AWS_REGION

  # The cache's lock files go to $XDG_RUNTIME_DIR/aws-auth; its store is the kernel keyring
  # (no D-Bus session), except in the Secret Service row, which has its own.
  mkdir -m 700 "$SCRATCH/run"
  export XDG_RUNTIME_DIR="$SCRATCH/run"
  unset DBUS_SESSION_BUS_ADDRESS

  moto_start
  export AWS_ENDPOINT_URL="$MOTO_URL"
  export MOTO_URL SERIAL ROLE_ARN SESSION_NAME TOKEN_CODE
  profile_setup

  # The rows 1-10 measure a run without the session cache (every run asks STS, and the
  # --profile rows run pass), as they did before the cache existed.
  export AWS_AUTH_NO_CACHE=1

  # 1. aws-auth: one AssumeRole call carrying the MFA code.
  bench_add aws-auth \
    "$BIN --serial-number $SERIAL --token-code $TOKEN_CODE --role-arn $ROLE_ARN --role-session-name $SESSION_NAME" \
    "$CREDS_RE"

  # 2. The original shell helper: GetSessionToken with MFA, then AssumeRole with those keys.
  # shellcheck disable=SC2016 # expanded by the inner bash
  bench_add aws-cli 'bash -c '\''set -euo pipefail
read -r ak sk st < <(aws sts get-session-token --endpoint-url "$MOTO_URL" --serial-number "$SERIAL" --token-code "$TOKEN_CODE" --query "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]" --output text)
AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk AWS_SESSION_TOKEN=$st aws sts assume-role --endpoint-url "$MOTO_URL" --role-arn "$ROLE_ARN" --role-session-name "$SESSION_NAME" --query "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]" --output text'\'

  # 3. The floor: one AssumeRole POST. moto routes a request by the service in the
  # Authorization header's credential scope (a bare POST lands in S3), so let curl sign it.
  local curl_cmd="curl -sS -f -X POST --aws-sigv4 aws:amz:us-east-1:sts --user $SOURCE_KEY_ID:$SOURCE_SECRET --data 'Action=AssumeRole&Version=2011-06-15&RoleArn=$ROLE_ARN&RoleSessionName=$SESSION_NAME' $MOTO_URL/"
  bench_add curl "$curl_cmd" "$CREDS_RE"

  # 4. Process startup alone.
  bench_add aws-auth-version "$BIN --version" '^aws-auth '

  # 5. --profile, the one-entry pass convention: one decryption yields keys, MFA device, role
  # and the otpauth seed (aws-auth computes the code), then one AssumeRole.
  bench_add profile-ops "$BIN --config $PROFILES_TOML --profile ops" "$CREDS_RE"

  # 6. Its floor: one `pass show` of that entry plus the curl row's request, in one bash -c.
  bench_add floor-pass-curl "bash -c \"pass show aws-auth/ops >/dev/null && $curl_cmd\"" "$CREDS_RE"

  # 7. The original recipe: pass show x4 + pass otp + aws sts get-session-token + assume-role.
  bench_add recipe "bash $RECIPE_SH" "$CREDS_RE"

  # 8. --profile, four separate pass entries plus the otp entry (five `pass show`, concurrent),
  # profiles.toml found through $XDG_CONFIG_HOME.
  bench_add profile-work4 "$BIN --profile work4" "$CREDS_RE"

  # 9. One `pass show` alone (what one decryption costs here; info only).
  bench_add pass-show "pass show aws-auth/ops" "^$SOURCE_SECRET\$"

  # 10. work4's own floor: its five `pass show` all at once from bash, no STS (info only). pass
  # is CPU-bound (a bash script that forks ~8 programs), so with fewer CPUs than entries this,
  # not one `pass show`, bounds work4.
  bench_add pass-show-x5-parallel "bash -c 'for e in aws-access-key-id aws-secret-access-key aws-mfa-arn aws-iam-role-arn aws-otp; do pass show \$e >/dev/null & p+=(\$!); done; for q in \${p[@]}; do wait \$q || exit 1; done'"

  profile_verify "$BIN" --config "$PROFILES_TOML" --profile ops
  profile_verify "$BIN" --profile work4

  bench_check
  LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
  bench_run main
  no_cache_check
  bench_reset

  # --- The session cache (kernel keyring). ---
  unset AWS_AUTH_NO_CACHE
  CACHE_USED=1
  store_check kernel-keyring
  failbin_setup
  local p warm_sts warm_cfg_sts env_out sts_before sts_hit forbidden cold_sts serve_ok=0 ss_ok=0
  for p in "${CACHE_PROFILES[@]}"; do "$BIN" cache clear --profile "$p" >/dev/null 2>&1; done

  # 11-14. Cache hits: bench-hit warmed once (pass + STS), then every row runs with a PATH whose
  # pass and gpg fail loudly, and moto's request count must not move.
  sts_delta warm_sts "$BIN" --profile bench-hit
  # A profile of ~/.aws/config whose keys are bench-hit's: its own cache entry (one
  # AssumeRole from bench-hit's cached MFA session), then a hit like bench-hit's.
  printf '[profile bench-cfg]\nrole_arn = %s\nsource_profile = bench-hit\n' "$ROLE_ARN" >"$AWS_CONFIG_FILE"
  sts_delta warm_cfg_sts "$BIN" --profile bench-cfg
  sts_before="$(moto_requests)"
  (
    export PATH="$FAILPATH"
    env_out="$("$BIN" exec --profile bench-hit -- /usr/bin/env)" ||
      die "aws-auth exec --profile bench-hit -- /usr/bin/env failed on a hit"
    grep -Eq "^AWS_ACCESS_KEY_ID=$CREDS_RE\$" <<<"$env_out" ||
      die "aws-auth exec on a hit did not hand AWS_ACCESS_KEY_ID to the command"
    bench_add hit-sh "$BIN --profile bench-hit" "$CREDS_RE"
    bench_add hit-json "$BIN --profile bench-hit --format json" "\"AccessKeyId\": *\"$CREDS_RE\""
    bench_add hit-awscfg "$BIN --profile bench-cfg" "$CREDS_RE"
    bench_add exec-true "$BIN exec --profile bench-hit -- /bin/true"
    bench_add bin-true "/bin/true"
    bench_check
    BENCH_RUNS="$HIT_RUNS" bench_run hit
  )
  bench_reset

  # 15. serve: a warm credentials request, SERVE_REQUESTS of them over one connection. Same
  # environment as the hit rows (its first credentials are a hit), inside the zero window.
  if serve_start bench-hit; then
    serve_time "$SERVE_REQUESTS"
    serve_stop
    serve_ok=1
    [ "$SERVE_STATUS" = 0 ] || log "warning: aws-auth serve exited $SERVE_STATUS on SIGTERM, not 0"
  else
    log "aws-auth serve did not print its endpoint: its row is left out"
  fi

  sts_hit="$(($(moto_requests) - sts_before))"
  forbidden="$(forbidden_runs)"
  [ "$sts_hit" = 0 ] || die "the cache-hit rows made $sts_hit STS requests (must be 0)"
  [ "$forbidden" = 0 ] || die "the cache-hit rows ran pass/gpg $forbidden times (must be 0): $(sort "$FORBIDDEN_LOG" | uniq -c | tr '\n' ' ')"

  # 16-17. An empty cache: one caller vs eight at once (they queue on the profile's lock and
  # share one GetSessionToken + AssumeRole). Both pay one bash start; cleared before each run.
  parallel_check bench-cold
  sts_delta cold_sts bash -c "$BIN cache clear --profile bench-cold >/dev/null 2>&1 && $BIN --profile bench-cold"
  [ "$cold_sts" = 2 ] ||
    die "after cache clear, bench-cold made $cold_sts STS requests, not 2 (GetSessionToken + AssumeRole)"
  bench_add cold-1 "bash -c '$BIN --profile bench-cold >/dev/null'"
  bench_add cold-8 "bash -c 'p=(); for i in 1 2 3 4 5 6 7 8; do $BIN --profile bench-cold >/dev/null & p+=(\$!); done; for q in \"\${p[@]}\"; do wait \"\$q\" || exit 1; done'"
  bench_check
  bench_run cold --prepare "bash -c '$BIN cache clear --profile bench-cold >/dev/null 2>&1'"
  bench_reset

  # 18. The same hit with the Secret Service (gnome-keyring in its own D-Bus session).
  if [ "$SECRET_SERVICE" = 1 ] && secret_service_bench; then
    ss_ok=1
    [ "$SS_STS" = 0 ] || die "the Secret Service hit row made $SS_STS STS requests (must be 0)"
    [ "$SS_FORBIDDEN" = 0 ] || die "the Secret Service hit row ran pass/gpg $SS_FORBIDDEN times (must be 0)"
  fi
  LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

  local t_auth t_cli t_curl t_version size_mb t_ops t_floor t_recipe t_work4 t_pass t_pass5
  local t_hit t_json t_exec t_true t_cold1 t_cold8
  t_auth="$(median_ms aws-auth)"
  t_cli="$(median_ms aws-cli)"
  t_curl="$(median_ms curl)"
  t_version="$(median_ms aws-auth-version)"
  t_ops="$(median_ms profile-ops)"
  t_floor="$(median_ms floor-pass-curl)"
  t_recipe="$(median_ms recipe)"
  t_work4="$(median_ms profile-work4)"
  t_pass="$(median_ms pass-show)"
  t_pass5="$(median_ms pass-show-x5-parallel)"
  cp "$BIN" "$SCRATCH/aws-auth.stripped"
  strip "$SCRATCH/aws-auth.stripped"
  size_mb="$(awk -v b="$(stat -c %s "$SCRATCH/aws-auth.stripped")" 'BEGIN { printf "%.2f", b / 1048576 }')"

  table_row "aws-auth MFA + role (1 AssumeRole), median" "$t_auth" ms
  table_row "aws-cli get-session-token + assume-role" "$t_cli" ms
  table_row "curl, one signed AssumeRole POST" "$t_curl" ms
  table_row "ratio aws-cli / aws-auth" "$(ratio "$t_cli" "$t_auth")" x ">=" 20
  table_row "ratio aws-auth / curl" "$(ratio "$t_auth" "$t_curl")" x "<=" 1.5
  table_row "aws-auth --version, median" "$t_version" ms "<=" 2
  table_row "release binary, stripped" "$size_mb" MB "<=" 12
  table_row "--profile ops (1 pass entry + AssumeRole)" "$t_ops" ms
  table_row "floor: pass show + curl AssumeRole" "$t_floor" ms
  table_row "recipe: pass x4 + pass otp + aws-cli x2" "$t_recipe" ms
  table_row "--profile work4 (5 pass entries)" "$t_work4" ms
  table_row "pass show, one entry (info)" "$t_pass" ms
  table_row "5 pass show in parallel (work4 floor, info)" "$t_pass5" ms
  table_row "ratio --profile ops / floor" "$(ratio "$t_ops" "$t_floor")" x "<=" 0.8
  table_row "ratio recipe / --profile ops" "$(ratio "$t_recipe" "$t_ops")" x ">=" 12
  table_row "ratio --profile work4 / --profile ops" "$(ratio "$t_work4" "$t_ops")" x "<=" 1.5

  t_hit="$(median_ms hit-sh)"
  t_json="$(median_ms hit-json)"
  t_exec="$(median_ms exec-true)"
  t_true="$(median_ms bin-true)"
  t_cold1="$(median_ms cold-1)"
  t_cold8="$(median_ms cold-8)"
  table_row "cache (kernel keyring): warm-up run, STS requests" "$warm_sts" req
  table_row "cache hit, --profile (sh), median" "$t_hit" ms "<=" 5
  table_row "cache hit, --format json, median" "$t_json" ms "<=" 5
  table_row "cache hit, profile of ~/.aws/config, median" "$(median_ms hit-awscfg)" ms "<=" 5
  table_row "~/.aws/config profile hit - profiles.toml hit" "$(minus "$(median_ms hit-awscfg)" "$t_hit")" ms "<=" 1
  table_row "STS requests during the hit rows and serve" "$sts_hit" req "<=" 0
  table_row "pass/gpg runs during the hit rows and serve" "$forbidden" run "<=" 0
  table_row "exec -- /bin/true on a hit, median" "$t_exec" ms
  table_row "/bin/true alone, median" "$t_true" ms
  table_row "exec overhead (exec row - /bin/true)" "$(minus "$t_exec" "$t_true")" ms "<=" 5
  table_row "empty cache, 1 caller (in bash -c), median" "$t_cold1" ms
  table_row "empty cache, 8 parallel callers (bash -c), median" "$t_cold8" ms
  table_row "ratio 8 callers / 1 caller" "$(ratio "$t_cold8" "$t_cold1")" x "<=" 1.5
  table_row "STS requests, 1 caller on an empty cache" "$cold_sts" req
  table_row "STS requests, 8 callers on an empty cache" "$PAR_STS" req "<=" 2
  table_row "distinct key ids printed by the 8 callers" "$PAR_KEYS" id
  if [ "$serve_ok" = 1 ]; then
    table_row "serve: warm request, median of $SERVE_REQUESTS (1 conn.)" "$SERVE_MEDIAN" ms "<=" 1
    table_row "serve: TCP connections curl opened" "$SERVE_CONNECTS" con "<=" 1
  else
    table_row "serve: did not start (see stderr)" "-" ms "<=" 1
  fi
  if [ "$ss_ok" = 1 ]; then
    local t_ss
    t_ss="$(median_ms secret-service-hit)"
    table_row "cache hit, Secret Service (gnome-keyring)" "$t_ss" ms "<=" 5
  fi

  echo
  echo "aws-auth $("$BIN" --version | awk '{print $2}') ($BUILT_REV when built), moto 5.2.1, awscli 1.45.11, $(pass version | grep -o 'v[0-9.]*' | head -1 | sed 's/^/pass /'), $(gpg --version | head -1 | awk '{print "gpg " $3}'), hyperfine --runs $RUNS --warmup $WARMUP (cache hits: --runs $HIT_RUNS)"
  echo "$(nproc) CPUs, load average before/after: $LOAD_BEFORE / $LOAD_AFTER (other work on the machine skews the figures)"
  table_print
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
