BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:savedEnv = @{ METAFLOW_HOME = $env:METAFLOW_HOME; METAFLOW_PROFILE = $env:METAFLOW_PROFILE }
    Remove-Item Env:METAFLOW_HOME, Env:METAFLOW_PROFILE -ErrorAction SilentlyContinue

    $script:Id = ',MetaflowAws.Cmdlets.Commands.GetMetaflowConfig'
    $script:AuthKey = 'FakeApiKey-0123456789-abcdefghij-LAST'
    # Written by hand, as a user (or Metaflow's own `metaflow configure`) would: unsorted, a number, an auth key.
    $script:MfHome = Join-Path $script:TestHome ('mfget-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $script:MfHome | Out-Null
    Set-Content (Join-Path $script:MfHome 'config.json') @"
{
  "METAFLOW_SERVICE_URL": "https://abc.execute-api.us-east-1.amazonaws.com/api/",
  "METAFLOW_SERVICE_AUTH_KEY": "$($script:AuthKey)",
  "METAFLOW_DATASTORE_SYSROOT_S3": "s3://bucket/metaflow",
  "METAFLOW_BATCH_EMIT_TAGS": true,
  "METAFLOW_DEFAULT_METADATA": "service"
}
"@
    Set-Content (Join-Path $script:MfHome 'config_prod.json') '{"METAFLOW_SERVICE_URL": "https://prod/api/"}'
    Set-Content (Join-Path $script:MfHome 'config_dev.json') '{"METAFLOW_SERVICE_URL": "https://dev/api/"}'
}
AfterAll {
    foreach ($k in $script:savedEnv.Keys) { [Environment]::SetEnvironmentVariable($k, $script:savedEnv[$k]) }
}

Describe 'Get-MetaflowConfig' {
    It 'reads the default profile into an object with its settings sorted by key' {
        $config = Get-MetaflowConfig -MetaflowHome $script:MfHome
        $config.Path | Should -Be (Join-Path $script:MfHome 'config.json')
        $config.MetaflowProfile | Should -BeNullOrEmpty
        @($config.Settings.Keys) | Should -Be @('METAFLOW_BATCH_EMIT_TAGS', 'METAFLOW_DATASTORE_SYSROOT_S3', 'METAFLOW_DEFAULT_METADATA', 'METAFLOW_SERVICE_AUTH_KEY', 'METAFLOW_SERVICE_URL')
        $config.ServiceUrl | Should -Be 'https://abc.execute-api.us-east-1.amazonaws.com/api/'
        $config.DataStoreRoot | Should -Be 's3://bucket/metaflow'
        $config.Settings['METAFLOW_BATCH_EMIT_TAGS'] | Should -BeExactly 'true'
    }

    It 'masks the auth key, in the object and on screen' {
        $config = Get-MetaflowConfig -MetaflowHome $script:MfHome
        $config.ServiceAuthKey | Should -BeExactly '****LAST'
        $config.Settings['METAFLOW_SERVICE_AUTH_KEY'] | Should -BeExactly '****LAST'
        $config.SecretsMasked | Should -BeTrue
        $shown = $config | Out-String -Width 300
        $shown | Should -Not -Match $script:AuthKey
        $shown | Should -Match 'METAFLOW_SERVICE_URL\s+= https://abc\.execute-api'
        ($config | ConvertTo-Json -Depth 3) | Should -Not -Match $script:AuthKey
    }

    It 'shows the auth key with -ShowSecrets' {
        $config = Get-MetaflowConfig -MetaflowHome $script:MfHome -ShowSecrets
        $config.ServiceAuthKey | Should -BeExactly $script:AuthKey
        $config.SecretsMasked | Should -BeFalse
    }

    It 'reads a named profile given by position' {
        $config = Get-MetaflowConfig prod -MetaflowHome $script:MfHome
        $config.MetaflowProfile | Should -Be 'prod'
        $config.ServiceUrl | Should -Be 'https://prod/api/'
    }

    It 'honours METAFLOW_HOME and METAFLOW_PROFILE' {
        try {
            $env:METAFLOW_HOME = $script:MfHome
            $env:METAFLOW_PROFILE = 'dev'
            (Get-MetaflowConfig).ServiceUrl | Should -Be 'https://dev/api/'
            (Get-MetaflowConfig prod).ServiceUrl | Should -Be 'https://prod/api/'
        } finally {
            Remove-Item Env:METAFLOW_HOME, Env:METAFLOW_PROFILE -ErrorAction SilentlyContinue
        }
    }

    It 'says a missing profile is not there (ConfigNotFound), how to write it and which profiles exist' {
        { Get-MetaflowConfig staging -MetaflowHome $script:MfHome -ErrorAction Stop } |
            Should -Throw -ErrorId "ConfigNotFound$script:Id" -ExpectedMessage "*config_staging.json*Export-MetaflowConfig -MetaflowProfile staging*(default), dev, prod*"
    }

    It 'reports a corrupt file (ConfigFileCorrupt) with its path and the position' {
        $h = Join-Path $script:TestHome ('mfbad-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory $h | Out-Null
        Set-Content "$h/config.json" '{"METAFLOW_X": "1" "METAFLOW_Y": "2"}'
        { Get-MetaflowConfig -MetaflowHome $h -ErrorAction Stop } |
            Should -Throw -ErrorId "ConfigFileCorrupt$script:Id" -ExpectedMessage "*$(Join-Path $h 'config.json')*not valid JSON at line 1, position 20*"
    }

    It 'rejects an invalid profile name from METAFLOW_PROFILE, naming the variable' {
        try {
            $env:METAFLOW_PROFILE = 'has space'
            { Get-MetaflowConfig -MetaflowHome $script:MfHome -ErrorAction Stop } |
                Should -Throw -ErrorId "InvalidMetaflowProfile$script:Id" -ExpectedMessage "METAFLOW_PROFILE 'has space' is not a valid Metaflow profile name*"
        } finally {
            Remove-Item Env:METAFLOW_PROFILE -ErrorAction SilentlyContinue
        }
    }

    It 'completes -MetaflowProfile from the config_*.json files' {
        $line = "Get-MetaflowConfig -MetaflowHome '$($script:MfHome)' -MetaflowProfile "
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Be @('dev', 'prod')
        $line = "Export-MetaflowConfig -MetaflowHome '$($script:MfHome)' -MetaflowProfile p"
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Be @('prod')
    }
}
