# aws-auth's shell integration for PowerShell 7, from `aws-auth init powershell`.
# In $PROFILE:   aws-auth init powershell | Out-String | Invoke-Expression
#
#   @NAME@ PROFILE [FLAGS]    credentials of PROFILE in this shell (FLAGS: the main command's)
#   @NAME@ --serve PROFILE    an endpoint that refreshes itself, served for this shell
#   @NAME@ -                  back to what the shell had before (the server stopped)
#   @NAME@                    what is active (aws-auth status)
#
# Before each prompt a hook checks the expiry (no process started); within the last
# AWS_AUTH_MIN_TTL seconds (900) it refreshes from aws-auth's cache, never asking: when a
# code would be needed it says so once and leaves the variables as they are.

$global:__AwsAuthVars = @('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
    'AWS_SECURITY_TOKEN', 'AWS_SESSION_EXPIRATION', 'AWS_CREDENTIAL_EXPIRATION', 'AWS_REGION',
    'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_AUTH_PROFILE',
    'AWS_AUTH_SERVER_PID', 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')

function global:@NAME@ {
    $first = if ($args.Count -gt 0) { [string]$args[0] } else { '' }
    switch -casesensitive ($first) {
        '' { & (__AwsAuthExe) status; return }
        { $_ -in '-', '--unset' } { __AwsAuthRestore; return }
        '--serve' { __AwsAuthSwitch 'serve' ($args | Select-Object -Skip 1); return }
        { $_ -in '-h', '--help' } {
            'usage: @NAME@ PROFILE [FLAGS] | @NAME@ --serve PROFILE [FLAGS] | @NAME@ - | @NAME@'
            return
        }
        { $_.StartsWith('-') } {
            [Console]::Error.WriteLine("@NAME@: $first is not an option of @NAME@; the profile comes first (@NAME@ --help)")
            $global:LASTEXITCODE = 2
            return
        }
    }
    __AwsAuthSwitch 'keys' $args
}

function global:__AwsAuthExe {
    (Get-Command aws-auth -CommandType Application -ErrorAction Stop)[0].Source
}

# keys|serve PROFILE [FLAGS]: runs aws-auth, and only when it succeeded changes the shell.
function global:__AwsAuthSwitch([string]$Mode, [string[]]$Rest) {
    if (-not $Rest -or $Rest[0].StartsWith('-')) {
        [Console]::Error.WriteLine('@NAME@: name a profile first (@NAME@ --help)')
        $global:LASTEXITCODE = 2
        return
    }
    if ($Mode -eq 'serve') {
        # Started as a process of its own; its stdout read to the end: serve prints the
        # endpoint, then lets go of stdout. Nothing printed means it failed.
        $start = [System.Diagnostics.ProcessStartInfo]::new((__AwsAuthExe))
        foreach ($a in @('serve', '--profile') + $Rest + @('--until-exit', "$PID", '--format', 'powershell')) {
            $start.ArgumentList.Add($a)
        }
        $start.RedirectStandardOutput = $true
        $start.UseShellExecute = $false
        $out = [System.Diagnostics.Process]::Start($start).StandardOutput.ReadToEnd()
        if (-not $out) { $global:LASTEXITCODE = 1; return }
    } else {
        $out = & (__AwsAuthExe) --profile @Rest --format powershell | Out-String
        if ($LASTEXITCODE -ne 0) { return }
    }
    __AwsAuthStopServer
    if (-not $global:__AwsAuthMode) { __AwsAuthSave }
    # What one mode set, the other must not leave behind.
    foreach ($name in 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_AUTH_SERVER_PID') {
        Remove-Item "Env:$name" -ErrorAction SilentlyContinue
    }
    Invoke-Expression $out
    $global:__AwsAuthMode = $Mode
    $global:__AwsAuthProfile = $Rest[0]
    __AwsAuthSet
    $global:__AwsAuthSeen = ''
    $global:__AwsAuthWarned = ''
    # A code works once, and the hook never asks: neither goes into a refresh.
    $kept = [System.Collections.Generic.List[string]]::new()
    $skip = $false
    foreach ($a in ($Rest | Select-Object -Skip 1)) {
        if ($skip) { $skip = $false; continue }
        if ($a -ceq '--token-code') { $skip = $true; continue }
        if ($a.StartsWith('--token-code=') -or $a -ceq '--no-prompt') { continue }
        $kept.Add($a)
    }
    $global:__AwsAuthArgs = $kept.ToArray()
    $global:LASTEXITCODE = 0
}

# The shell's own values of every variable aws-auth may change, before the first switch.
function global:__AwsAuthSave {
    $global:__AwsAuthSaved = @{}
    foreach ($name in $global:__AwsAuthVars) {
        $value = [Environment]::GetEnvironmentVariable($name)
        if ($null -ne $value) { $global:__AwsAuthSaved[$name] = $value }
    }
}

# Stops the server, and puts back what the shell had before the first switch. Without a
# switch of this shell's, it removes aws-auth's own variables only.
function global:__AwsAuthRestore {
    __AwsAuthStopServer
    if ($global:__AwsAuthMode) {
        foreach ($name in $global:__AwsAuthVars) {
            if ($global:__AwsAuthSaved.ContainsKey($name)) {
                Set-Item "Env:$name" $global:__AwsAuthSaved[$name]
            } else {
                Remove-Item "Env:$name" -ErrorAction SilentlyContinue
            }
        }
    } else {
        foreach ($name in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
            'AWS_SESSION_EXPIRATION', 'AWS_AUTH_PROFILE', 'AWS_AUTH_SERVER_PID',
            'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN') {
            Remove-Item "Env:$name" -ErrorAction SilentlyContinue
        }
    }
    $global:__AwsAuthMode = $null
    $global:__AwsAuthSaved = $null
    $global:__AwsAuthArgs = $null
    $global:__AwsAuthKey = $null
    $global:__AwsAuthServer = $null
}

# What this shell's switch set, to tell it from what came later (a plain eval of another
# profile, a server started elsewhere): only what this shell set is renewed or stopped.
function global:__AwsAuthSet {
    $global:__AwsAuthKey = $env:AWS_ACCESS_KEY_ID
    $global:__AwsAuthServer = $env:AWS_AUTH_SERVER_PID
}

# Stops the server this shell started, and no other: a pid inherited in the environment
# (a child shell, another tab) is another shell's server, or by now another process.
function global:__AwsAuthStopServer {
    if ($global:__AwsAuthServer) {
        Stop-Process -Id ([int]$global:__AwsAuthServer) -ErrorAction SilentlyContinue
        $global:__AwsAuthServer = $null
    }
}

function global:__AwsAuthHook {
    if ($global:__AwsAuthMode -eq 'keys') { __AwsAuthCheckKeys }
    elseif ($global:__AwsAuthMode -eq 'serve') { __AwsAuthCheckServer }
}

function global:__AwsAuthCheckKeys {
    if ($env:AWS_ACCESS_KEY_ID -cne $global:__AwsAuthKey -or $env:AWS_AUTH_PROFILE -cne $global:__AwsAuthProfile) {
        # Set since the switch by something else (a plain eval): not ours to renew.
        $global:__AwsAuthMode = 'stopped'
        return
    }
    $e = $env:AWS_SESSION_EXPIRATION
    if (-not $e -or $e -cnotmatch '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$') { return }
    if ($e -ne $global:__AwsAuthSeen) {
        $ttl = if ($env:AWS_AUTH_MIN_TTL -cmatch '^\d{1,9}$') { [long]$env:AWS_AUTH_MIN_TTL } else { 900 }
        $global:__AwsAuthSeen = $e
        $global:__AwsAuthDue = [DateTimeOffset]::Parse($e).ToUnixTimeSeconds() - $ttl
    }
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    if ($now -lt $global:__AwsAuthDue) { return }
    # At most one try a minute, and one line per expiry.
    $global:__AwsAuthDue = $now + 60
    $out = & (__AwsAuthExe) --profile $global:__AwsAuthProfile @global:__AwsAuthArgs --no-prompt --format powershell 2>$null | Out-String
    $rc = $LASTEXITCODE
    if ($rc -eq 0) { Invoke-Expression $out; __AwsAuthSet; return }
    if ($global:__AwsAuthWarned -eq $e) { return }
    $global:__AwsAuthWarned = $e
    $p = $global:__AwsAuthProfile
    if ($rc -eq 3) {
        [Console]::Error.WriteLine("aws-auth: the credentials of profile $p expire at $e, and renewing them needs you (an MFA code, a passphrase): run @NAME@ $p")
    } else {
        [Console]::Error.WriteLine("aws-auth: the credentials of profile $p expire at $e and could not be renewed (aws-auth exited $rc): run @NAME@ $p to see why")
    }
}

function global:__AwsAuthCheckServer {
    $server = $global:__AwsAuthServer
    if (-not $server) { return }
    if (Get-Process -Id ([int]$server) -ErrorAction SilentlyContinue) { return }
    # Its endpoint is unset only while the shell still points at it.
    if ($env:AWS_AUTH_SERVER_PID -ceq $server) {
        $p = $global:__AwsAuthProfile
        [Console]::Error.WriteLine("aws-auth: the server of profile $p (pid $server) has stopped, so its endpoint is unset: run @NAME@ --serve $p")
        foreach ($name in 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_AUTH_SERVER_PID') {
            Remove-Item "Env:$name" -ErrorAction SilentlyContinue
        }
    }
    $global:__AwsAuthServer = $null
    $global:__AwsAuthMode = 'stopped'
}

if (-not $global:__AwsAuthPrompt) {
    $global:__AwsAuthPrompt = $function:prompt
    function global:prompt {
        $last = $global:LASTEXITCODE
        __AwsAuthHook
        $global:LASTEXITCODE = $last
        & $global:__AwsAuthPrompt
    }
}

Register-ArgumentCompleter -Native -CommandName @NAME@ -ScriptBlock {
    param($word, $ast, $cursor)
    $words = @($ast.CommandElements | ForEach-Object { $_.ToString() })
    $before = if ($word) { $words.Count - 1 } else { $words.Count }
    $names = & (__AwsAuthExe) profiles --names 2>$null
    $choices = if ($before -eq 1) { @($names) + @('--serve', '--unset', '-') }
        elseif ($before -eq 2 -and $words[1] -eq '--serve') { @($names) }
        else { '@FLAGS@'.Split(' ') }
    $choices | Where-Object { $_ -like "$word*" } |
        ForEach-Object { [System.Management.Automation.CompletionResult]::new($_) }
}
