#!/usr/bin/env bash
# Benchmark of aws-auth against the AWS CLI and a raw curl request, all hitting one moto STS
# server on loopback. Prints medians and PASS/MISS against the targets; it reports figures and
# exits 0 unless something failed to run. See bench/README.md.
#
#   bench/run.sh                 # default: --runs 30, --warmup 3
#   RUNS=50 WARMUP=5 bench/run.sh
#
# The functions can be sourced (`source bench/run.sh`) without running the benchmark.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-30}"
WARMUP="${WARMUP:-3}"
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
  for p in hyperfine curl pass pass-extension-otp gnupg oathtool binutils python3 python3-venv; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
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

# bench_run: one hyperfine run over every registered row; JSON in $BENCH_JSON.
bench_run() {
  local args=() i
  BENCH_JSON="$SCRATCH/hyperfine.json"
  for i in "${!BENCH_NAMES[@]}"; do
    args+=(-n "${BENCH_NAMES[$i]}" "${BENCH_CMDS[$i]}")
  done
  hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --style basic \
    --export-json "$BENCH_JSON" "${args[@]}" >&2
}

# median_ms NAME: the median of that row, in milliseconds.
median_ms() {
  "$VENV/bin/python" - "$BENCH_JSON" "$1" <<'EOF'
import json, sys
path, name = sys.argv[1], sys.argv[2]
for r in json.load(open(path))["results"]:
    if r["command"] == name:
        print(f'{r["median"] * 1000:.3f}')
        break
else:
    sys.exit(f"no result named {name!r}")
EOF
}

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

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
  TABLE+=("$(printf '%-44s %10s %-3s %-12s %s' "$label" "$value" "$unit" "$goal" "$verdict" | sed 's/ *$//')")
}

table_print() {
  printf '%-44s %10s %-3s %s\n' "measure" "value" "" "target"
  printf '%s\n' "--------------------------------------------------------------------------------"
  printf '%s\n' "${TABLE[@]}"
}

# ---------------------------------------------------------------------------------------------
# The --profile rows: a throwaway pass store holding both layouts, and profiles.toml

OPS_SERIAL="arn:aws:iam::$ACCOUNT:mfa/alice"
OPS_ROLE_ARN="arn:aws:iam::$ACCOUNT:role/ops"
OTPAUTH="otpauth://totp/AWS:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=AWS"

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

main() {
  ensure_tools
  build_release
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

  moto_start
  export AWS_ENDPOINT_URL="$MOTO_URL"
  export MOTO_URL SERIAL ROLE_ARN SESSION_NAME TOKEN_CODE
  profile_setup

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
  bench_run

  local t_auth t_cli t_curl t_version size_mb t_ops t_floor t_recipe t_work4 t_pass t_pass5
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
  table_row "ratio --profile ops / floor" "$(ratio "$t_ops" "$t_floor")" x "<=" 1.3
  table_row "ratio recipe / --profile ops" "$(ratio "$t_recipe" "$t_ops")" x ">=" 12
  table_row "ratio --profile work4 / --profile ops" "$(ratio "$t_work4" "$t_ops")" x "<=" 1.5

  echo
  echo "aws-auth $("$BIN" --version | awk '{print $2}') ($(cd "$REPO" && git rev-parse --short HEAD)), moto 5.2.1, awscli 1.45.11, $(pass version | grep -o 'v[0-9.]*' | head -1 | sed 's/^/pass /'), $(gpg --version | head -1 | awk '{print "gpg " $3}'), hyperfine --runs $RUNS --warmup $WARMUP"
  echo "$(nproc) CPUs, load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
  table_print
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
