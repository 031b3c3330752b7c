#!/usr/bin/env bash
# What the shell integration's prompt hook adds to a prompt that needs no refresh, per shell,
# and what `aws-auth status` costs (for a prompt that shows it). Prints figures; exits 0
# unless something failed to run. No STS, no network: the hook only reads the environment.
#
#   bench/hook.sh                  # 2000 prompts per shell, 200 status runs
#   PROMPTS=10000 bench/hook.sh
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROMPTS="${PROMPTS:-2000}"
STATUS_RUNS="${STATUS_RUNS:-200}"
BIN_DIR="$REPO/target/release"

cargo build --release --quiet --manifest-path "$REPO/Cargo.toml"
export PATH="$BIN_DIR:$PATH"
# Credentials that expire in two hours: the hook's window (the last 900 s) is far off.
EXPIRATION="$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)"
export AWS_ACCESS_KEY_ID=ASIABENCHEXAMPLE0001 AWS_SESSION_EXPIRATION="$EXPIRATION" AWS_AUTH_PROFILE=bench

per_prompt() { # LABEL HOOK_SECONDS EMPTY_SECONDS
  awk -v label="$1" -v hook="$2" -v empty="$3" -v n="$PROMPTS" \
    'BEGIN { printf "%-28s %8.1f µs per prompt (%d prompts)\n", label, (hook - empty) * 1e6 / n, n }'
}

elapsed() { # command... -> seconds
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }'
}

# The hook as each shell runs it before a prompt, against an empty loop of the same length.
bash_hook='eval "$(aws-auth init bash)"; __aws_auth_mode=keys __aws_auth_profile=bench
  for ((i = 0; i < N; i++)); do __aws_auth_hook; done'
bash_empty='for ((i = 0; i < N; i++)); do :; done'
zsh_hook='eval "$(aws-auth init zsh)"; __aws_auth_mode=keys __aws_auth_profile=bench
  for ((i = 0; i < N; i++)); do __aws_auth_hook; done'
zsh_empty='for ((i = 0; i < N; i++)); do :; done'
fish_hook='aws-auth init fish | source; set -g __aws_auth_mode keys; set -g __aws_auth_profile bench
  for i in (seq $N); __aws_auth_hook; end'
fish_empty='for i in (seq $N); true; end'

export N="$PROMPTS"
hook=$(elapsed bash -c "$bash_hook"); empty=$(elapsed bash -c "$bash_empty")
per_prompt "bash hook (no refresh due)" "$hook" "$empty"
hook=$(elapsed zsh -fc "$zsh_hook"); empty=$(elapsed zsh -fc "$zsh_empty")
per_prompt "zsh hook (no refresh due)" "$hook" "$empty"
hook=$(elapsed fish --no-config -c "$fish_hook"); empty=$(elapsed fish --no-config -c "$fish_empty")
per_prompt "fish hook (runs date +%s)" "$hook" "$empty"

status_runs() { for ((i = 0; i < STATUS_RUNS; i++)); do aws-auth status >/dev/null; done; }
awk -v s="$(elapsed status_runs)" -v n="$STATUS_RUNS" \
  'BEGIN { printf "%-28s %8.2f ms per run (%d runs)\n", "aws-auth status", s * 1000 / n, n }'
