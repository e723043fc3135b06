# -WhatIf stops at the plan: every cmdlet that supports it sends only read calls, also with a template over
# CloudFormation's 51,200-byte inline limit (which a real run stages in S3 first). Proved by the sandbox's
# request log: no mutating call answered, no staging bucket, no change set, no upload.
BeforeDiscovery {
    $script:cases = @(
        @{ Name = 'New-MetaflowStack, oversize template'; Run = { New-MetaflowStack -StackName 'whatif-new' -TemplatePath $big -WhatIf } }
        @{ Name = 'Update-MetaflowStack, oversize template'; Run = { Update-MetaflowStack -StackName $small -TemplatePath $big -WhatIf } }
        @{ Name = 'Update-MetaflowStack, a parameter'; Run = { Update-MetaflowStack -StackName $mf -MaxVCpu 128 -WhatIf } }
        @{ Name = 'Publish-MetaflowStack, oversize template'; Run = { Publish-MetaflowStack -StackName $small -TemplatePath $big -WhatIf } }
        @{ Name = 'Get-MetaflowStackChange, oversize template (a Get)'; Run = { Get-MetaflowStackChange -StackName $small -TemplatePath $big | Out-Null } }
        @{ Name = 'Remove-MetaflowStack'; Run = { Remove-MetaflowStack -StackName $mf -DeleteData -WhatIf } }
        @{ Name = 'Export-MetaflowConfig'; Run = { Export-MetaflowConfig -StackName $mf -MetaflowHome $mfHome -WhatIf } }
        @{ Name = 'Set-MetaflowApiKey'; Run = { Set-MetaflowApiKey -StackName $mf -MetaflowHome $mfHome -WhatIf } }
        @{ Name = 'Grant-MetaflowUserRole'; Run = { Grant-MetaflowUserRole -StackName $mf -Principal 123456789012 -WhatIf } }
        @{ Name = 'New-MetaflowAwsProfile'; Run = { New-MetaflowAwsProfile -Name whatif-profile -StackName $mf -WhatIf } }
        @{ Name = 'Invoke-MetaflowDbMigration'; Run = { Invoke-MetaflowDbMigration -StackName $mf -WhatIf } }
        @{ Name = 'Resume-MetaflowStackRollback (refused: not UPDATE_ROLLBACK_FAILED)'; Run = { Resume-MetaflowStackRollback -StackName $mf -WhatIf -ErrorAction SilentlyContinue } }
    )
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:mf = New-TestStackName 'whatif'
    New-MetaflowStack -StackName $script:mf -NoSagemaker -EnableCustomRole | Out-Null
    $script:small = New-TestStackName 'whatifsmall'
    New-MetaflowStack -StackName $script:small -TemplatePath $script:SmallTemplatePath | Out-Null
    $notes = 1..700 | ForEach-Object { "    - 'note $_ " + ('x' * 80) + "'" }
    $script:big = Join-Path $script:TestHome 'whatif-big.yml'
    Set-Content $script:big ($script:SmallTemplate.TrimEnd() + "`nMetadata:`n  Notes:`n" + ($notes -join "`n") + "`n")
    $script:mfHome = Join-Path $script:TestHome "whatif-home-$($script:mf)"
    # No staging bucket yet: a -WhatIf that made one would show in the log and in S3.
    Invoke-RestMethod -Method Delete "$script:SandboxUrl/_sandbox/s3/buckets/metaflowaws-templates-123456789012-us-east-1" | Out-Null
}
AfterAll {
    Remove-MetaflowStack $script:mf -Confirm:$false -ErrorAction SilentlyContinue
    Remove-MetaflowStack $script:small -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'Every -WhatIf (and every Get) sends only read calls' {
    It '<Name>' -ForEach $script:cases {
        (Get-Item $big).Length | Should -BeGreaterThan 51200
        Clear-SandboxLog
        & $Run
        $log = Get-SandboxLog
        $log.total | Should -BeGreaterThan 0 -Because 'the plan reads the stack first'
        @($log.entries | Where-Object { $_.mutating -and $_.status -lt 400 } | ForEach-Object { "$($_.service):$($_.action)" }) | Should -BeNullOrEmpty
        @($log.entries | Where-Object { $_.action -in 'CreateChangeSet', 'DeleteChangeSet', 'CreateBucket', 'PutObject' }) | Should -BeNullOrEmpty
        Test-Path (Join-Path $mfHome 'config.json') | Should -BeFalse
    }
}
