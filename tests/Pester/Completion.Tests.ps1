# Tab completion as a user gets it at the prompt (TabExpansion2), on the built module and the sandbox.
BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    function Complete([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText)
    }
    # A prefix no other test file uses, so the stacks completed here are this file's own.
    $script:prefix = 'cmpl' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:stack = "$($script:prefix)-a"
    New-MetaflowStack -StackName $script:stack -NoSagemaker | Out-Null

    $script:mfHome = Join-Path $script:TestHome ('cmpl-mf-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
    New-Item -ItemType Directory $script:mfHome | Out-Null
    foreach ($n in 'config.json', 'config_prod.json', 'config_preprod.json', 'config_dev.json', 'notes.json') { Set-Content (Join-Path $script:mfHome $n) '{}' }
}
AfterAll {
    Remove-MetaflowStack $script:stack -Confirm:$false -ErrorAction SilentlyContinue
    Remove-MetaflowStack "$($script:prefix)-b" -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'Tab completion' {
    Context '-Region' {
        It 'completes from the AWS SDK''s region list' {
            Complete 'Get-MetaflowStack -Region us-ea' | Should -Be @('us-east-1', 'us-east-2')
        }

        It 'offers every region for an empty word, on every cmdlet that calls AWS' {
            $all = Complete 'New-MetaflowStack -StackName x -Region '
            $all | Should -Contain 'eu-west-1'
            $all | Should -Contain 'ap-southeast-2'
            $all.Count | Should -BeGreaterThan 20
            Complete 'Export-MetaflowConfig -Region eu-c' | Should -Contain 'eu-central-1'
        }
    }

    Context '-CertificateArn and -UiDomainName' {
        BeforeAll {
            $script:certDomain = "cmpl$([guid]::NewGuid().ToString('N').Substring(0, 6)).example.org"
            $script:certArn = (Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/acm/certificates" -ContentType 'application/json' `
                -Body (@{ domainName = "ui.$script:certDomain"; subjectAlternativeNames = @("*.$script:certDomain") } | ConvertTo-Json)).arn
            Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/acm/certificates" -ContentType 'application/json' `
                -Body (@{ domainName = "pending.$script:certDomain"; status = 'PENDING_VALIDATION' } | ConvertTo-Json) | Out-Null
        }

        It 'completes -CertificateArn with the issued certificates that cover -UiDomainName' {
            $arns = Complete "New-MetaflowStack -StackName x -UiDomainName metaflow.$script:certDomain -CertificateArn "
            $arns | Should -Be @($script:certArn) -Because 'the wildcard covers metaflow.<domain>; the pending one is not issued'
            Complete "New-MetaflowStack -StackName x -UiDomainName metaflow.other.example.net -CertificateArn " | Should -BeNullOrEmpty
        }

        It 'completes -UiDomainName with the names a certificate covers, without wildcards' {
            Complete "Update-MetaflowStack -StackName x -CertificateArn $script:certArn -UiDomainName " | Should -Be @("ui.$script:certDomain")
        }
    }

    Context '-ProfileName' {
        It 'completes from the AWS config and credentials files' {
            Complete 'Get-MetaflowStack -ProfileName kn' | Should -Be @('known')
        }

        It 'completes through the parameter''s alias -Profile too' {
            Complete 'Remove-MetaflowStack -Profile kn' | Should -Be @('known')
        }
    }

    Context '-StackName' {
        It 'completes from the account''s Metaflow stacks' {
            Complete "Get-MetaflowStack -StackName $($script:prefix)" | Should -Be @($script:stack)
            Complete "Get-MetaflowStackOutput $($script:prefix)" | Should -Be @($script:stack)
        }

        It 'offers a stack created a moment ago in this session' {
            Complete "Get-MetaflowStack -StackName $($script:prefix)" | Should -Not -BeNullOrEmpty # the list is now cached
            New-MetaflowStack -StackName "$($script:prefix)-b" -NoSagemaker | Out-Null
            Complete "Wait-MetaflowStack $($script:prefix)" | Should -Be @($script:stack, "$($script:prefix)-b")
        }

        It 'caches the list briefly: a second completion makes no DescribeStacks call' {
            Remove-MetaflowStack "$($script:prefix)-b" -Confirm:$false # also drops the cached list
            Clear-SandboxLog
            Complete "Get-MetaflowStack -StackName $($script:prefix)" | Should -Be @($script:stack)
            (Get-SandboxCalls 'cloudformation:DescribeStacks').Count | Should -BeGreaterThan 0
            Clear-SandboxLog
            Complete "Remove-MetaflowStack -StackName $($script:prefix)" | Should -Be @($script:stack)
            Complete "Get-MetaflowStackEvent $($script:prefix)" | Should -Be @($script:stack)
            (Get-SandboxCalls 'cloudformation:DescribeStacks').Count | Should -Be 0
        }

        It 'keeps one list per region: another -Region asks AWS again' {
            Complete "Get-MetaflowStack -StackName $($script:prefix)" | Out-Null
            Clear-SandboxLog
            # (The sandbox keeps one set of stacks for every region, so only the call is checked.)
            Complete "Get-MetaflowStack -Region us-west-2 -StackName $($script:prefix)" | Out-Null
            (Get-SandboxCalls 'cloudformation:DescribeStacks').Count | Should -BeGreaterThan 0
        }

        It 'offers nothing, and throws nothing, when AWS cannot be reached' {
            Complete "Get-MetaflowStack -EndpointUrl http://127.0.0.1:9 -StackName $($script:prefix)" | Should -BeNullOrEmpty
        }

        It 'remembers a failed lookup for a moment, so a second Tab does not ask (and stall) again' {
            # A region of its own, so no cached list answers; every call to the sandbox fails with a 503.
            Set-SandboxTransientFaults @{ serverErrorPercent = 100 } | Out-Null
            try {
                Clear-SandboxLog
                Complete "Get-MetaflowStack -Region ap-south-2 -StackName $($script:prefix)" | Should -BeNullOrEmpty
                @(Get-SandboxCalls | Where-Object service -eq 'cloudformation').Count | Should -BeGreaterThan 0
                Clear-SandboxLog
                Complete "Get-MetaflowStack -Region ap-south-2 -StackName $($script:prefix)" | Should -BeNullOrEmpty
                @(Get-SandboxCalls | Where-Object service -eq 'cloudformation').Count | Should -Be 0
            } finally {
                Set-SandboxTransientFaults @{} | Out-Null
            }
        }
    }

    Context '-MetaflowProfile' {
        It 'completes from the config_*.json files in -MetaflowHome' {
            Complete "Get-MetaflowConfig -MetaflowHome '$($script:mfHome)' -MetaflowProfile " | Should -Be @('dev', 'preprod', 'prod')
            Complete "Export-MetaflowConfig -MetaflowHome '$($script:mfHome)' -MetaflowProfile pr" | Should -Be @('preprod', 'prod')
            Complete "Set-MetaflowApiKey x -MetaflowHome '$($script:mfHome)' -MetaflowProfile d" | Should -Be @('dev')
        }

        It 'resolves a relative -MetaflowHome against the current location, as the cmdlets do' {
            Push-Location $script:TestHome
            try {
                Complete "Get-MetaflowConfig -MetaflowHome ./$(Split-Path $script:mfHome -Leaf) -MetaflowProfile pro" | Should -Be @('prod')
            } finally { Pop-Location }
        }

        It 'completes from METAFLOW_HOME when -MetaflowHome is not given' {
            $saved = $env:METAFLOW_HOME
            try {
                $env:METAFLOW_HOME = $script:mfHome
                Complete 'Get-MetaflowConfig -MetaflowProfile de' | Should -Be @('dev')
            } finally { $env:METAFLOW_HOME = $saved }
        }
    }

    Context 'template values' {
        It 'completes -SagemakerInstanceType from the template''s AllowedValues' {
            # The template's own list (a YAML block list under Parameters.SagemakerInstance.AllowedValues).
            $lines = Get-Content (Join-Path (Get-Module MetaflowAws).ModuleBase 'template/metaflow.yml')
            $at = [array]::IndexOf($lines, '  SagemakerInstance:')
            $at | Should -BeGreaterThan 0
            while ($lines[$at] -notmatch '^\s+AllowedValues:') { $at++ }
            $allowed = @(for ($i = $at + 1; $lines[$i] -match '^\s+-\s+(\S+)'; $i++) { $Matches[1] }) | Where-Object { $_ -like 'ml.t3.*' }
            $allowed | Should -Not -BeNullOrEmpty
            Complete 'New-MetaflowStack -StackName x -SagemakerInstanceType ml.t3.' | Should -Be $allowed
        }

        It 'completes from -TemplatePath when given, relative to the current location' {
            Set-Content (Join-Path $script:mfHome 'own.yml') "Parameters:`n  SagemakerInstance:`n    Type: String`n    AllowedValues: [ml.t3.small, ml.t3.medium, ml.c5.xlarge]`nResources: {}`n"
            Push-Location $script:mfHome
            try {
                Complete 'Update-MetaflowStack x -TemplatePath ./own.yml -SagemakerInstanceType ml.t3.' | Should -Be @('ml.t3.small', 'ml.t3.medium')
            } finally { Pop-Location }
        }

        It 'completes -BatchType with ec2 and fargate' {
            Complete 'New-MetaflowStack -StackName x -BatchType ' | Should -Be @('ec2', 'fargate')
            Complete 'Update-MetaflowStack -StackName x -BatchType f' | Should -Be @('fargate')
        }
    }
}
