# aws-auth's shell integration for bash (bash 4.2 or later), from `aws-auth init bash`.
# In ~/.bashrc:   eval "$(aws-auth init bash)"
#
#   @NAME@ PROFILE [FLAGS]    credentials of PROFILE in this shell (FLAGS: the main command's)
#   @NAME@ --serve PROFILE    an endpoint that refreshes itself, served for this shell
#   @NAME@ -                  back to what the shell had before (the server stopped)
#   @NAME@                    what is active (aws-auth status)
#
# Before each prompt a hook checks the expiry with shell built-ins only; within the last
# AWS_AUTH_MIN_TTL seconds (900) it refreshes from aws-auth's cache, never asking: when a
# code would be needed it says so once and leaves the variables as they are.

__aws_auth_vars=(AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN
    AWS_SESSION_EXPIRATION AWS_CREDENTIAL_EXPIRATION AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE
    AWS_DEFAULT_PROFILE AWS_AUTH_PROFILE AWS_AUTH_SERVER_PID AWS_CONTAINER_CREDENTIALS_FULL_URI
    AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)

@NAME@() {
    case "${1-}" in
        "")
            command aws-auth status
            return
            ;;
        - | --unset)
            __aws_auth_restore
            return 0
            ;;
        --serve)
            shift
            __aws_auth_switch serve "$@"
            return
            ;;
        -h | --help)
            printf '%s\n' "usage: @NAME@ PROFILE [FLAGS] | @NAME@ --serve PROFILE [FLAGS] | @NAME@ - | @NAME@"
            return 0
            ;;
        -*)
            printf '%s\n' "@NAME@: $1 is not an option of @NAME@; the profile comes first (@NAME@ --help)" >&2
            return 2
            ;;
    esac
    __aws_auth_switch keys "$@"
}

# keys|serve PROFILE [FLAGS]: runs aws-auth, and only when it succeeded changes the shell.
__aws_auth_switch() {
    local mode=$1 out
    shift
    if [[ -z ${1-} || $1 == -* ]]; then
        printf '%s\n' "@NAME@: name a profile first (@NAME@ --help)" >&2
        return 2
    fi
    if [[ $mode == serve ]]; then
        # In the background, its stdout read to the end: serve prints the endpoint, then
        # lets go of stdout. Nothing printed means it failed (and said why on stderr).
        out=$(command aws-auth serve --profile "$@" --until-exit "$$" --format sh &)
        [[ -n $out ]] || return 1
    else
        out=$(command aws-auth --profile "$@" --format sh) || return
    fi
    __aws_auth_stop_server
    if [[ -z ${__aws_auth_mode-} ]]; then
        __aws_auth_save
    fi
    # What one mode set, the other must not leave behind.
    unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_AUTH_SERVER_PID
    eval "$out"
    __aws_auth_mode=$mode
    __aws_auth_profile=$1
    __aws_auth_set
    __aws_auth_args=()
    local skip= arg
    shift
    # A code works once, and the hook never asks: neither goes into a refresh.
    for arg in "$@"; do
        if [[ -n $skip ]]; then
            skip=
            continue
        fi
        case $arg in
            --token-code) skip=1 ;;
            --token-code=* | --no-prompt) ;;
            *) __aws_auth_args+=("$arg") ;;
        esac
    done
    __aws_auth_seen= __aws_auth_warned=
}

# The shell's own values of every variable aws-auth may change, before the first switch.
__aws_auth_save() {
    local name
    for name in "${__aws_auth_vars[@]}"; do
        if [[ -n ${!name+set} ]]; then
            printf -v "__aws_auth_saved_$name" '%s' "${!name}"
        else
            unset "__aws_auth_saved_$name"
        fi
    done
}

# Stops the server, and puts back what the shell had before the first switch. Without a
# switch of this shell's (a plain eval), it removes aws-auth's own variables only.
__aws_auth_restore() {
    __aws_auth_stop_server
    local name saved
    if [[ -n ${__aws_auth_mode-} ]]; then
        for name in "${__aws_auth_vars[@]}"; do
            saved=__aws_auth_saved_$name
            if [[ -n ${!saved+set} ]]; then
                printf -v "$name" '%s' "${!saved}"
                export "${name?}"
                unset "$saved"
            else
                unset "$name"
            fi
        done
    else
        unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SESSION_EXPIRATION \
            AWS_AUTH_PROFILE AWS_AUTH_SERVER_PID AWS_CONTAINER_CREDENTIALS_FULL_URI \
            AWS_CONTAINER_AUTHORIZATION_TOKEN
    fi
    unset __aws_auth_mode __aws_auth_profile __aws_auth_args __aws_auth_seen __aws_auth_warned \
        __aws_auth_due __aws_auth_key __aws_auth_server
}

# What this shell's switch set, to tell it from what came later (a plain eval of another
# profile, a server started elsewhere): only what this shell set is renewed or stopped.
__aws_auth_set() {
    __aws_auth_key=${AWS_ACCESS_KEY_ID-}
    __aws_auth_server=${AWS_AUTH_SERVER_PID-}
}

# Stops the server this shell started, and no other: a pid inherited in the environment
# (a child shell, a tmux window) is another shell's server, or by now another process.
__aws_auth_stop_server() {
    if [[ -n ${__aws_auth_server-} ]]; then
        kill "$__aws_auth_server" 2>/dev/null
        __aws_auth_server=
    fi
}

# Seconds since the epoch, without a process.
__aws_auth_now() {
    if [[ -n ${EPOCHSECONDS-} ]]; then
        __aws_auth_t=$EPOCHSECONDS
    else
        printf -v __aws_auth_t '%(%s)T' -1
    fi
}

__aws_auth_hook() {
    local status=$?
    case ${__aws_auth_mode-} in
        keys) __aws_auth_check_keys ;;
        serve) __aws_auth_check_server ;;
    esac
    return "$status"
}

__aws_auth_check_keys() {
    if [[ ${AWS_ACCESS_KEY_ID-} != "${__aws_auth_key-}" || ${AWS_AUTH_PROFILE-} != "$__aws_auth_profile" ]]; then
        # Set since the switch by something else (a plain eval): not ours to renew.
        __aws_auth_mode=stopped
        return 0
    fi
    local e=${AWS_SESSION_EXPIRATION-}
    [[ $e =~ ^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z$ ]] || return 0
    if [[ $e != "${__aws_auth_seen-}" ]]; then
        # Days from the civil date (March-based years), then seconds: built-ins only.
        local y=$((10#${BASH_REMATCH[1]})) m=$((10#${BASH_REMATCH[2]})) d=$((10#${BASH_REMATCH[3]}))
        if ((m <= 2)); then
            ((y -= 1, m += 12))
        fi
        local days=$((365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 719469))
        # Digits only: bash's arithmetic would run a command substitution in the value.
        local ttl=900
        [[ ${AWS_AUTH_MIN_TTL-} =~ ^[0-9]{1,9}$ ]] && ttl=$((10#$AWS_AUTH_MIN_TTL))
        __aws_auth_seen=$e
        __aws_auth_due=$((days * 86400 + 10#${BASH_REMATCH[4]} * 3600 + 10#${BASH_REMATCH[5]} * 60 +
            10#${BASH_REMATCH[6]} - ttl))
    fi
    __aws_auth_now
    ((__aws_auth_t < __aws_auth_due)) && return 0
    # At most one try a minute, and one line per expiry.
    __aws_auth_due=$((__aws_auth_t + 60))
    local out rc
    out=$(command aws-auth --profile "$__aws_auth_profile" "${__aws_auth_args[@]}" --no-prompt --format sh 2>/dev/null)
    rc=$?
    if ((rc == 0)); then
        eval "$out"
        __aws_auth_set
        return 0
    fi
    [[ ${__aws_auth_warned-} == "$e" ]] && return 0
    __aws_auth_warned=$e
    if ((rc == 3)); then
        printf '%s\n' "aws-auth: the credentials of profile $__aws_auth_profile expire at $e, and renewing them needs you (an MFA code, a passphrase): run @NAME@ $__aws_auth_profile" >&2
    else
        printf '%s\n' "aws-auth: the credentials of profile $__aws_auth_profile expire at $e and could not be renewed (aws-auth exited $rc): run @NAME@ $__aws_auth_profile to see why" >&2
    fi
}

__aws_auth_check_server() {
    [[ -n ${__aws_auth_server-} ]] || return 0
    kill -0 "$__aws_auth_server" 2>/dev/null && return 0
    # Its endpoint is unset only while the shell still points at it.
    if [[ ${AWS_AUTH_SERVER_PID-} == "$__aws_auth_server" ]]; then
        printf '%s\n' "aws-auth: the server of profile $__aws_auth_profile (pid $__aws_auth_server) has stopped, so its endpoint is unset: run @NAME@ --serve $__aws_auth_profile" >&2
        unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_AUTH_SERVER_PID
    fi
    __aws_auth_server=
    __aws_auth_mode=stopped
}

if [[ ";${PROMPT_COMMAND[*]-};" != *";__aws_auth_hook;"* ]]; then
    if [[ $(declare -p PROMPT_COMMAND 2>/dev/null) == "declare -a"* ]]; then
        PROMPT_COMMAND=(__aws_auth_hook "${PROMPT_COMMAND[@]}")
    else
        PROMPT_COMMAND="__aws_auth_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
    fi
fi

__aws_auth_complete() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    if ((COMP_CWORD == 1)); then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--serve --unset --help -" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(command aws-auth profiles --names 2>/dev/null)" -- "$cur"))
        fi
    elif ((COMP_CWORD == 2)) && [[ $prev == --serve ]]; then
        COMPREPLY=($(compgen -W "$(command aws-auth profiles --names 2>/dev/null)" -- "$cur"))
    elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "@FLAGS@" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -F __aws_auth_complete @NAME@
