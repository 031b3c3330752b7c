# aws-auth's shell integration for fish, from `aws-auth init fish`.
# In ~/.config/fish/config.fish:   aws-auth init fish | source
#
#   @NAME@ PROFILE [FLAGS]    credentials of PROFILE in this shell (FLAGS: the main command's)
#   @NAME@ --serve PROFILE    an endpoint that refreshes itself, served for this shell
#   @NAME@ -                  back to what the shell had before (the server stopped)
#   @NAME@                    what is active (aws-auth status)
#
# Before each prompt a hook checks the expiry (fish has no clock built-in: it runs `date
# +%s`); within the last AWS_AUTH_MIN_TTL seconds (900) it refreshes from aws-auth's cache,
# never asking: when a code would be needed it says so once and leaves the variables.

set -g __aws_auth_vars AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
    AWS_SECURITY_TOKEN AWS_SESSION_EXPIRATION AWS_CREDENTIAL_EXPIRATION AWS_REGION \
    AWS_DEFAULT_REGION AWS_PROFILE AWS_DEFAULT_PROFILE AWS_AUTH_PROFILE AWS_AUTH_SERVER_PID \
    AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN \
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI

function @NAME@ --description 'aws-auth: credentials of a profile in this shell'
    switch "$argv[1]"
        case ''
            command aws-auth status
            return
        case - --unset
            __aws_auth_restore
            return 0
        case --serve
            __aws_auth_switch serve $argv[2..-1]
            return
        case -h --help
            echo "usage: @NAME@ PROFILE [FLAGS] | @NAME@ --serve PROFILE [FLAGS] | @NAME@ - | @NAME@"
            return 0
        case '-*'
            echo "@NAME@: $argv[1] is not an option of @NAME@; the profile comes first (@NAME@ --help)" >&2
            return 2
    end
    __aws_auth_switch keys $argv
end

# keys|serve PROFILE [FLAGS]: runs aws-auth, and only when it succeeded changes the shell.
function __aws_auth_switch
    set -l mode $argv[1]
    set -e argv[1]
    if test -z "$argv[1]"; or string match -q -- '-*' $argv[1]
        echo "@NAME@: name a profile first (@NAME@ --help)" >&2
        return 2
    end
    set -l out
    if test $mode = serve
        # In the background (sh's `&`: fish would wait for it), its stdout read to the end:
        # serve prints the endpoint, then lets go of stdout. Nothing printed means it failed
        # (and said why on stderr).
        set out (sh -c 'aws-auth "$@" &' sh serve --profile $argv --until-exit $fish_pid --format fish | string collect -N)
        test -n "$out"; or return 1
    else
        set out (command aws-auth --profile $argv --format fish | string collect -N)
        set -l rc $pipestatus[1]
        test $rc -eq 0; or return $rc
    end
    __aws_auth_stop_server
    set -q __aws_auth_mode; or __aws_auth_save
    # What one mode set, the other must not leave behind.
    set -e AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_AUTH_SERVER_PID
    printf '%s\n' $out | source
    set -g __aws_auth_mode $mode
    set -g __aws_auth_profile $argv[1]
    __aws_auth_set
    set -g __aws_auth_seen ''
    set -g __aws_auth_warned ''
    set -g __aws_auth_args
    set -l skip
    # A code works once, and the hook never asks: neither goes into a refresh.
    for arg in $argv[2..-1]
        if test -n "$skip"
            set skip
            continue
        end
        switch $arg
            case --token-code
                set skip 1
            case '--token-code=*' --no-prompt
            case '*'
                set -a __aws_auth_args $arg
        end
    end
    return 0
end

# The shell's own values of every variable aws-auth may change, before the first switch.
function __aws_auth_save
    for name in $__aws_auth_vars
        if set -q $name
            set -g __aws_auth_saved_$name $$name
        else
            set -e __aws_auth_saved_$name
        end
    end
end

# Stops the server, and puts back what the shell had before the first switch. Without a
# switch of this shell's (a plain eval), it removes aws-auth's own variables only.
function __aws_auth_restore
    __aws_auth_stop_server
    if set -q __aws_auth_mode
        for name in $__aws_auth_vars
            set -l saved __aws_auth_saved_$name
            if set -q $saved
                set -gx $name $$saved
                set -e $saved
            else
                set -e $name
            end
        end
    else
        set -e AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SESSION_EXPIRATION \
            AWS_AUTH_PROFILE AWS_AUTH_SERVER_PID AWS_CONTAINER_CREDENTIALS_FULL_URI \
            AWS_CONTAINER_AUTHORIZATION_TOKEN
    end
    set -e __aws_auth_mode __aws_auth_profile __aws_auth_args __aws_auth_seen __aws_auth_warned \
        __aws_auth_due __aws_auth_key __aws_auth_server
end

# What this shell's switch set, to tell it from what came later (a plain eval of another
# profile, a server started elsewhere): only what this shell set is renewed or stopped.
function __aws_auth_set
    set -g __aws_auth_key "$AWS_ACCESS_KEY_ID"
    set -g __aws_auth_server "$AWS_AUTH_SERVER_PID"
end

# Stops the server this shell started, and no other: a pid inherited in the environment
# (a child shell, a tmux window) is another shell's server, or by now another process.
function __aws_auth_stop_server
    if test -n "$__aws_auth_server"
        kill $__aws_auth_server 2>/dev/null
        set -g __aws_auth_server ''
    end
end

function __aws_auth_hook --on-event fish_prompt
    set -l last $status
    switch "$__aws_auth_mode"
        case keys
            __aws_auth_check_keys
        case serve
            __aws_auth_check_server
    end
    return $last
end

function __aws_auth_check_keys
    if test "$AWS_ACCESS_KEY_ID" != "$__aws_auth_key"; or test "$AWS_AUTH_PROFILE" != "$__aws_auth_profile"
        # Set since the switch by something else (a plain eval): not ours to renew.
        set -g __aws_auth_mode stopped
        return 0
    end
    set -l e "$AWS_SESSION_EXPIRATION"
    set -l m (string match -r '^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$' -- $e)
    or return 0
    if test "$e" != "$__aws_auth_seen"
        # Days from the civil date (March-based years), then seconds.
        set -l y (math "$m[2] + 0")
        set -l mo (math "$m[3] + 0")
        if test $mo -le 2
            set y (math "$y - 1")
            set mo (math "$mo + 12")
        end
        set -l days (math "365 * $y + floor($y / 4) - floor($y / 100) + floor($y / 400) + floor((153 * ($mo - 3) + 2) / 5) + $m[4] - 719469")
        set -l ttl 900
        string match -qr '^\d{1,9}$' -- "$AWS_AUTH_MIN_TTL"; and set ttl $AWS_AUTH_MIN_TTL
        set -g __aws_auth_seen $e
        set -g __aws_auth_due (math "$days * 86400 + $m[5] * 3600 + $m[6] * 60 + $m[7] - $ttl")
    end
    set -l now (date +%s)
    test $now -lt $__aws_auth_due; and return 0
    # At most one try a minute, and one line per expiry.
    set -g __aws_auth_due (math "$now + 60")
    set -l out (command aws-auth --profile $__aws_auth_profile $__aws_auth_args --no-prompt --format fish 2>/dev/null | string collect -N)
    set -l rc $pipestatus[1]
    if test $rc -eq 0
        printf '%s\n' $out | source
        __aws_auth_set
        return 0
    end
    test "$__aws_auth_warned" = "$e"; and return 0
    set -g __aws_auth_warned $e
    if test $rc -eq 3
        echo "aws-auth: the credentials of profile $__aws_auth_profile expire at $e, and renewing them needs you (an MFA code, a passphrase): run @NAME@ $__aws_auth_profile" >&2
    else
        echo "aws-auth: the credentials of profile $__aws_auth_profile expire at $e and could not be renewed (aws-auth exited $rc): run @NAME@ $__aws_auth_profile to see why" >&2
    end
end

function __aws_auth_check_server
    test -n "$__aws_auth_server"; or return 0
    kill -0 $__aws_auth_server 2>/dev/null; and return 0
    # Its endpoint is unset only while the shell still points at it.
    if test "$AWS_AUTH_SERVER_PID" = "$__aws_auth_server"
        echo "aws-auth: the server of profile $__aws_auth_profile (pid $__aws_auth_server) has stopped, so its endpoint is unset: run @NAME@ --serve $__aws_auth_profile" >&2
        set -e AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_AUTH_SERVER_PID
    end
    set -g __aws_auth_server ''
    set -g __aws_auth_mode stopped
end

function __aws_auth_first_word
    test (count (commandline -opc)) -eq 1
end

function __aws_auth_serving
    set -l words (commandline -opc)
    test (count $words) -eq 2; and test "$words[2]" = --serve
end

complete -c @NAME@ -f
complete -c @NAME@ -n __aws_auth_first_word -a '(command aws-auth profiles --names 2>/dev/null)'
complete -c @NAME@ -n __aws_auth_first_word -a '--serve --unset -'
complete -c @NAME@ -n __aws_auth_serving -a '(command aws-auth profiles --names 2>/dev/null)'
complete -c @NAME@ -n 'not __aws_auth_first_word; and not __aws_auth_serving' -a '@FLAGS@'
