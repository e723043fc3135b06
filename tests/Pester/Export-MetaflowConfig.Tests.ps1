BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    # The user's own Metaflow settings must not leak in (or be written to).
    $script:savedEnv = @{ METAFLOW_HOME = $env:METAFLOW_HOME; METAFLOW_PROFILE = $env:METAFLOW_PROFILE }
    Remove-Item Env:METAFLOW_HOME, Env:METAFLOW_PROFILE -ErrorAction SilentlyContinue

    $script:fargateName = New-TestStackName 'cfgf'
    $script:ec2Name = New-TestStackName 'cfge'
    $script:fargate = New-MetaflowStack -StackName $script:fargateName -BatchType fargate
    $script:ec2 = New-MetaflowStack -StackName $script:ec2Name

    $script:Id = ',MetaflowAws.Cmdlets.Commands.ExportMetaflowConfig'

    function New-MetaflowHome { Join-Path $script:TestHome ('mfhome-' + [guid]::NewGuid().ToString('N').Substring(0, 8)) }

    function Read-Config([string] $Path) { Get-Content $Path -Raw | ConvertFrom-Json -AsHashtable }

    # What the stack's outputs say each key should be: read independently through Get-MetaflowStackOutput.
    function Get-ExpectedSettings([string] $StackName) {
        $expected = @{ METAFLOW_DEFAULT_DATASTORE = 's3'; METAFLOW_DEFAULT_METADATA = 'service' }
        Get-MetaflowStackOutput $StackName | Where-Object { $_.ConfigKey -and $_.OutputKey -ne 'ApiKeyId' } |
            ForEach-Object { $expected[$_.ConfigKey] = $_.OutputValue }
        $expected
    }
}
AfterAll {
    foreach ($k in $script:savedEnv.Keys) { [Environment]::SetEnvironmentVariable($k, $script:savedEnv[$k]) }
    Remove-MetaflowStack $script:fargateName -Confirm:$false -ErrorAction SilentlyContinue
    Remove-MetaflowStack $script:ec2Name -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'Export-MetaflowConfig' {
    Context 'what it writes' {
        It 'writes every setting of a piped stack with the stack''s values (New-MetaflowStack | Export-MetaflowConfig)' {
            $h = New-MetaflowHome
            $script:fargate | Export-MetaflowConfig -MetaflowHome $h
            $config = Read-Config (Join-Path $h 'config.json')
            $expected = Get-ExpectedSettings $script:fargateName
            $expected.Count | Should -Be 13
            # Metaflow names state machines <prefix>_<flow>: the only names the stack's Step Functions and EventBridge roles serve.
            $config['METAFLOW_SFN_STATE_MACHINE_PREFIX'] | Should -BeExactly $script:fargateName
            @($config.Keys | Sort-Object) | Should -Be @($expected.Keys | Sort-Object)
            foreach ($key in $expected.Keys) { $config[$key] | Should -BeExactly $expected[$key] -Because $key }
            $config['METAFLOW_BATCH_JOB_QUEUE'] | Should -BeLike "arn:aws:batch:us-east-1:123456789012:job-queue/$($script:fargateName)-*"
            $config.Contains('METAFLOW_SERVICE_AUTH_KEY') | Should -BeFalse -Because 'ApiKeyId is the id of the key, not the key'
        }

        It 'writes sorted keys, 4-space indented, with a trailing newline and no BOM' {
            $h = New-MetaflowHome
            Export-MetaflowConfig -StackName $script:ec2Name -MetaflowHome $h
            $bytes = [IO.File]::ReadAllBytes((Join-Path $h 'config.json'))
            $bytes[0] | Should -Be ([byte][char]'{')
            $bytes[-2..-1] | Should -Be @([byte][char]'}', [byte]10)
            $lines = [Text.Encoding]::UTF8.GetString($bytes).TrimEnd("`n") -split "`n"
            $keys = $lines[1..($lines.Count - 2)] | ForEach-Object { $_ | Should -Match '^    "METAFLOW_[A-Z0-9_]+": "[^"]*",?$'; ($_ -split '"')[1] }
            $keys | Should -Be ([string[]]$keys | Sort-Object -CaseSensitive)
        }

        It 'sets METAFLOW_ECS_FARGATE_EXECUTION_ROLE for a Fargate stack only' {
            $hf = New-MetaflowHome; $he = New-MetaflowHome
            $script:fargate | Export-MetaflowConfig -MetaflowHome $hf
            $script:ec2 | Export-MetaflowConfig -MetaflowHome $he
            $role = (Get-MetaflowStackOutput $script:fargateName -OutputKey ECSFargateExecutionRoleArn).OutputValue
            (Read-Config "$hf/config.json")['METAFLOW_ECS_FARGATE_EXECUTION_ROLE'] | Should -BeExactly $role
            (Read-Config "$he/config.json").Contains('METAFLOW_ECS_FARGATE_EXECUTION_ROLE') | Should -BeFalse
            (Read-Config "$he/config.json").Count | Should -Be 12
        }

        It 'keeps settings it does not set, through a re-export, and changes only what differs' {
            $h = New-MetaflowHome
            New-Item -ItemType Directory $h | Out-Null
            Set-Content "$h/config.json" '{"METAFLOW_CUSTOM_SETTING": "mine", "METAFLOW_BATCH_JOB_QUEUE": "old-queue", "METAFLOW_DEFAULT_DATASTORE": "s3"}' -NoNewline
            $verbose = $script:fargate | Export-MetaflowConfig -MetaflowHome $h -Verbose 4>&1 | ForEach-Object Message
            $verbose | Should -Contain "METAFLOW_BATCH_JOB_QUEUE = $((Get-ExpectedSettings $script:fargateName)['METAFLOW_BATCH_JOB_QUEUE']) (was old-queue)"
            $script:fargate | Export-MetaflowConfig -MetaflowHome $h
            $config = Read-Config "$h/config.json"
            $config['METAFLOW_CUSTOM_SETTING'] | Should -Be 'mine'
            $config['METAFLOW_BATCH_JOB_QUEUE'] | Should -BeLike 'arn:aws:batch:*'
            $config.Count | Should -Be 14
        }

        It 'keeps the previous file as config.json.bak' {
            $h = New-MetaflowHome
            $script:ec2 | Export-MetaflowConfig -MetaflowHome $h
            $first = [IO.File]::ReadAllBytes("$h/config.json")
            $script:fargate | Export-MetaflowConfig -MetaflowHome $h
            [IO.File]::ReadAllBytes("$h/config.json.bak") | Should -Be $first
            (Read-Config "$h/config.json")['METAFLOW_SERVICE_URL'] | Should -Be (Get-ExpectedSettings $script:fargateName)['METAFLOW_SERVICE_URL']
        }

        It 'makes the file and a new METAFLOW_HOME owner-only on Unix' -Skip:$IsWindows {
            $h = New-MetaflowHome
            $script:ec2 | Export-MetaflowConfig -MetaflowHome $h
            (Get-Item "$h/config.json").UnixMode | Should -Be '-rw-------'
            (Get-Item $h).UnixMode | Should -Be 'drwx------'
        }

        It 'returns the config with -PassThru, the auth key masked, and keeps the key in the file' {
            $h = New-MetaflowHome
            New-Item -ItemType Directory $h | Out-Null
            $key = 'FakeApiKeyValue0123456789abcdefWXYZ'
            Set-Content "$h/config.json" "{`"METAFLOW_SERVICE_AUTH_KEY`": `"$key`"}"
            $config = $script:fargate | Export-MetaflowConfig -MetaflowHome $h -PassThru
            $config.Path | Should -Be (Join-Path $h 'config.json')
            $config.Settings.Count | Should -Be 14
            $config.ServiceAuthKey | Should -BeExactly '****WXYZ'
            ($config | Out-String) | Should -Not -Match $key
            (Read-Config "$h/config.json")['METAFLOW_SERVICE_AUTH_KEY'] | Should -BeExactly $key
        }
    }

    Context 'where it writes' {
        It 'writes config_prod.json for -MetaflowProfile prod and leaves config.json alone' {
            $h = New-MetaflowHome
            $script:ec2 | Export-MetaflowConfig -MetaflowHome $h -MetaflowProfile prod
            Test-Path "$h/config_prod.json" | Should -BeTrue
            Test-Path "$h/config.json" | Should -BeFalse
            (Get-MetaflowConfig prod -MetaflowHome $h).Settings['METAFLOW_SERVICE_URL'] | Should -BeLike 'https://*'
        }

        It 'honours METAFLOW_HOME and METAFLOW_PROFILE, and the parameters win over them' {
            $h = New-MetaflowHome; $other = New-MetaflowHome
            try {
                $env:METAFLOW_HOME = $h
                $env:METAFLOW_PROFILE = 'fromenv'
                $script:ec2 | Export-MetaflowConfig
                Test-Path "$h/config_fromenv.json" | Should -BeTrue
                $script:ec2 | Export-MetaflowConfig -MetaflowHome $other -MetaflowProfile param
                Test-Path "$other/config_param.json" | Should -BeTrue
                Test-Path "$h/config_param.json" | Should -BeFalse
            } finally {
                Remove-Item Env:METAFLOW_HOME, Env:METAFLOW_PROFILE -ErrorAction SilentlyContinue
            }
        }

        It 'keeps the AWS profile (-ProfileName) and the Metaflow profile (-MetaflowProfile) apart' {
            $h = New-MetaflowHome
            Export-MetaflowConfig -StackName $script:ec2Name -ProfileName known -MetaflowProfile known -MetaflowHome $h
            Test-Path "$h/config_known.json" | Should -BeTrue
            { Export-MetaflowConfig -StackName $script:ec2Name -ProfileName nope -MetaflowProfile known -MetaflowHome $h -ErrorAction Stop } |
                Should -Throw -ErrorId "ProfileNotFound$script:Id"
        }

        It 'rejects an invalid -MetaflowProfile, naming the parameter and the value, and writes nothing' {
            $h = New-MetaflowHome
            { $script:ec2 | Export-MetaflowConfig -MetaflowHome $h -MetaflowProfile '../escape' -ErrorAction Stop } |
                Should -Throw -ErrorId "InvalidMetaflowProfile$script:Id" -ExpectedMessage "-MetaflowProfile '../escape' is not a valid Metaflow profile name*letters, digits*"
            Test-Path $h | Should -BeFalse
        }
    }

    Context 'stack outputs from the pipeline' {
        It 'writes exactly the settings of the outputs piped in' {
            $h = New-MetaflowHome
            Get-MetaflowStackOutput $script:fargateName -OutputKey MetaflowDataStoreS3Url, MetaflowDataToolsS3Url | Export-MetaflowConfig -MetaflowHome $h
            $config = Read-Config "$h/config.json"
            @($config.Keys | Sort-Object) | Should -Be @('METAFLOW_DATASTORE_SYSROOT_S3', 'METAFLOW_DATATOOLS_S3ROOT', 'METAFLOW_DEFAULT_DATASTORE')
            $config['METAFLOW_DATASTORE_SYSROOT_S3'] | Should -Be (Get-ExpectedSettings $script:fargateName)['METAFLOW_DATASTORE_SYSROOT_S3']
        }

        It 'refuses outputs of two stacks in one config (MultipleStacks)' {
            $h = New-MetaflowHome
            $outputs = @(Get-MetaflowStackOutput $script:fargateName) + @(Get-MetaflowStackOutput $script:ec2Name)
            { $outputs | Export-MetaflowConfig -MetaflowHome $h -ErrorAction Stop } |
                Should -Throw -ErrorId "MultipleStacks$script:Id" -ExpectedMessage "*$($script:fargateName)*$($script:ec2Name)*-MetaflowProfile*"
            Test-Path $h | Should -BeFalse
        }

        It 'writes the first of several piped stacks and reports the next as an error, not a silent overwrite' {
            $h = New-MetaflowHome
            $script:fargate, $script:ec2 | Export-MetaflowConfig -MetaflowHome $h -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be "MultipleStacks$script:Id"
            (Read-Config "$h/config.json")['METAFLOW_SERVICE_URL'] | Should -Be (Get-ExpectedSettings $script:fargateName)['METAFLOW_SERVICE_URL']
        }
    }

    Context '-WhatIf' {
        It 'writes nothing anywhere and makes no mutating AWS call' {
            $h = New-MetaflowHome
            Clear-SandboxLog
            $script:fargate | Export-MetaflowConfig -MetaflowHome $h -WhatIf
            Test-Path $h | Should -BeFalse
            (Get-SandboxLog).mutating | Should -Be 0

            $script:fargate | Export-MetaflowConfig -MetaflowHome $h
            Set-Content "$h/config.json" '{"METAFLOW_BATCH_JOB_QUEUE": "old"}'
            $before = [IO.File]::ReadAllBytes("$h/config.json")
            $script:fargate | Export-MetaflowConfig -MetaflowHome $h -WhatIf
            [IO.File]::ReadAllBytes("$h/config.json") | Should -Be $before
            Test-Path "$h/config.json.bak" | Should -BeFalse
            # (.config.json.lock is the writer lock of the real export above; -WhatIf adds nothing.)
            @(Get-ChildItem $h -Force).Name | Should -Be @('.config.json.lock', 'config.json')
        }

        It 'says what it would write: the file and how many settings change' {
            $h = New-MetaflowHome
            $r = Invoke-ChildPwsh "Import-Module '$($env:METAFLOWAWS_MODULE)'; Export-MetaflowConfig -StackName $($script:ec2Name) -MetaflowHome '$h' -WhatIf"
            $r.Output | Should -Match ([regex]::Escape("Write 12 Metaflow settings (12 new, 0 changed, 0 unchanged) from stack $($script:ec2Name)"))
            $r.Output | Should -Match ([regex]::Escape((Join-Path $h 'config.json')))
            Test-Path $h | Should -BeFalse
        }
    }

    Context 'a config file that is not valid' {
        It 'is an error (ConfigFileCorrupt) naming the file and the position, and is left untouched' {
            $h = New-MetaflowHome
            New-Item -ItemType Directory $h | Out-Null
            Set-Content "$h/config.json" "{`n  `"METAFLOW_X`": `"1`",`n}" -NoNewline
            $before = [IO.File]::ReadAllBytes("$h/config.json")
            { $script:ec2 | Export-MetaflowConfig -MetaflowHome $h -ErrorAction Stop } |
                Should -Throw -ErrorId "ConfigFileCorrupt$script:Id" -ExpectedMessage "*$(Join-Path $h 'config.json')*not valid JSON at line 3*-Force*"
            [IO.File]::ReadAllBytes("$h/config.json") | Should -Be $before
            Test-Path "$h/config.json.bak" | Should -BeFalse
        }

        It 'is replaced with -Force, with a warning, and kept as config.json.bak' {
            $h = New-MetaflowHome
            New-Item -ItemType Directory $h | Out-Null
            Set-Content "$h/config.json" '{"METAFLOW_X": {"nested": true}}'
            $before = [IO.File]::ReadAllBytes("$h/config.json")
            $script:ec2 | Export-MetaflowConfig -MetaflowHome $h -Force -WarningVariable warn 3>$null
            $warn[0].Message | Should -BeLike '*not a valid Metaflow config*config.json.bak*'
            [IO.File]::ReadAllBytes("$h/config.json.bak") | Should -Be $before
            (Read-Config "$h/config.json").Count | Should -Be 12
        }
    }

    It 'reports a stack that does not exist (StackNotFound) and writes nothing' {
        $h = New-MetaflowHome
        { Export-MetaflowConfig -StackName (New-TestStackName 'missing') -MetaflowHome $h -ErrorAction Stop } |
            Should -Throw -ErrorId "StackNotFound$script:Id"
        Test-Path $h | Should -BeFalse
    }
}
