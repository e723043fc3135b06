BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Remove-Item Env:METAFLOW_HOME, Env:METAFLOW_PROFILE -ErrorAction SilentlyContinue
    $script:name = New-TestStackName 'key'
    $script:stack = New-MetaflowStack -StackName $script:name -NoSagemaker
    $script:mfHome = Join-Path $script:TestHome "mfhome-$($script:name)"
    $script:keyId = ($script:stack.Outputs | Where-Object OutputKey -eq 'ApiKeyId').OutputValue
}
AfterAll { Remove-MetaflowStack $script:name -Confirm:$false -ErrorAction SilentlyContinue }

Describe 'Set-MetaflowApiKey' {
    It 'stores the key from API Gateway as METAFLOW_SERVICE_AUTH_KEY, next to the exported settings' {
        $script:stack | Export-MetaflowConfig -MetaflowHome $script:mfHome
        Get-MetaflowStack $script:name | Set-MetaflowApiKey -MetaflowHome $script:mfHome
        $config = Get-Content (Join-Path $script:mfHome 'config.json') -Raw | ConvertFrom-Json -AsHashtable
        $config.METAFLOW_SERVICE_AUTH_KEY | Should -Match '^[A-Za-z0-9]{40}$'
        $config.METAFLOW_SERVICE_URL | Should -Not -BeNullOrEmpty -Because 'the other settings are kept'
        # The stored value is the stack's key: the stack's API answers with it, and refuses without it.
        (Invoke-StackApi $script:stack 'ping' $config.METAFLOW_SERVICE_AUTH_KEY).Status | Should -Be 200
        (Invoke-StackApi $script:stack 'ping').Status | Should -Be 403
    }

    It 'never shows the key: not in output, verbose, debug or a transcript' {
        $config = Get-Content (Join-Path $script:mfHome 'config.json') -Raw | ConvertFrom-Json -AsHashtable
        $key = $config.METAFLOW_SERVICE_AUTH_KEY
        $transcript = Join-Path $script:TestHome "transcript-$($script:name).txt"
        $r = Invoke-ChildPwsh @"
`$env:AWS_ENDPOINT_URL = '$($script:SandboxUrl)'
Import-Module '$($env:METAFLOWAWS_MODULE)'
Start-Transcript -Path '$transcript' | Out-Null
`$VerbosePreference = 'Continue'; `$DebugPreference = 'Continue'; `$InformationPreference = 'Continue'
Set-MetaflowApiKey -StackName $($script:name) -MetaflowHome '$($script:mfHome)' -Verbose -Debug *>&1 | Out-String
Get-MetaflowConfig -MetaflowHome '$($script:mfHome)' | Format-List * | Out-String
Stop-Transcript | Out-Null
"@
        $r.ExitCode | Should -Be 0
        $r.Output | Should -Match 'Stored API key|already holds API key'
        $r.Output | Should -Not -Match ([regex]::Escape($key))
        Get-Content $transcript -Raw | Should -Not -Match ([regex]::Escape($key))
        Get-Content $transcript -Raw | Should -Match ([regex]::Escape($script:keyId)) -Because 'the key id is not secret, and the transcript did record the run'
    }

    It 'returns the key as a SecureString with -PassThru' {
        $secure = Set-MetaflowApiKey -StackName $script:name -MetaflowHome $script:mfHome -PassThru
        $secure | Should -BeOfType [securestring]
        $config = Get-Content (Join-Path $script:mfHome 'config.json') -Raw | ConvertFrom-Json -AsHashtable
        [Net.NetworkCredential]::new('', $secure).Password | Should -Be $config.METAFLOW_SERVICE_AUTH_KEY
    }

    It 'writes to config_<profile>.json with -MetaflowProfile' {
        Set-MetaflowApiKey -StackName $script:name -MetaflowHome $script:mfHome -MetaflowProfile prod
        (Get-Content (Join-Path $script:mfHome 'config_prod.json') -Raw | ConvertFrom-Json).METAFLOW_SERVICE_AUTH_KEY | Should -Match '^[A-Za-z0-9]{40}$'
    }

    It 'changes nothing with -WhatIf and never fetches the key' {
        $other = Join-Path $script:TestHome "whatif-$($script:name)"
        Clear-SandboxLog
        Set-MetaflowApiKey -StackName $script:name -MetaflowHome $other -WhatIf
        Test-Path $other | Should -BeFalse
        (Get-SandboxCalls 'apigateway:GetApiKey').Count | Should -Be 0
    }

    It 'says clearly that a stack deployed without APIBasicAuth has no key' {
        $plain = New-TestStackName 'nokey'
        New-MetaflowStack -StackName $plain -DisableApiKey -ApiAllowedCidr 127.0.0.1/32 -NoSagemaker | Out-Null
        try {
            { Set-MetaflowApiKey -StackName $plain -MetaflowHome $script:mfHome -ErrorAction Stop } |
                Should -Throw -ErrorId 'FeatureNotDeployed,MetaflowAws.Cmdlets.Commands.SetMetaflowApiKey' -ExpectedMessage '*without APIBasicAuth*'
        } finally { Remove-MetaflowStack $plain -Confirm:$false }
    }

    It 'refuses to overwrite a corrupt config without -Force' {
        $bad = Join-Path $script:TestHome "corrupt-$($script:name)"
        New-Item -ItemType Directory $bad | Out-Null
        Set-Content (Join-Path $bad 'config.json') '{ not json'
        Clear-SandboxLog
        { Set-MetaflowApiKey -StackName $script:name -MetaflowHome $bad -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigFileCorrupt,*'
        Get-Content (Join-Path $bad 'config.json') -Raw | Should -Be "{ not json$([Environment]::NewLine)"
        (Get-SandboxCalls 'apigateway:GetApiKey').Count | Should -Be 0
    }
}
