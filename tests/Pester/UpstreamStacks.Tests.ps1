# Stacks made from the upstream Metaflow template (metaflow-tools) are Metaflow stacks: listed, checked by their own
# template, exported with what they lack said out loud. tests/Fixtures/upstream-interface.yml reproduces their
# interface (description, parameters, output names and conditions).
BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:fixture = Join-Path $script:RepoRoot 'tests/Fixtures/upstream-interface.yml'
    $script:name = New-TestStackName 'upstream'
    $script:stack = New-MetaflowStack -StackName $script:name -TemplatePath $script:fixture -Parameter @{ BatchType = 'fargate' } -Force -WarningAction SilentlyContinue
    $script:mfHome = Join-Path $script:TestHome "upstream-$($script:name)"
}
AfterAll { Remove-MetaflowStack $script:name -Confirm:$false -ErrorAction SilentlyContinue }

Describe 'Stacks of the upstream template' {
    It 'are Metaflow stacks, listed without -All, and say which template they came from' {
        $script:stack.IsMetaflowStack | Should -BeTrue
        $script:stack.Origin | Should -Be 'metaflow-tools'
        $listed = Get-MetaflowStack | Where-Object StackName -eq $script:name
        $listed | Should -Not -BeNullOrEmpty
        $listed.Origin | Should -Be 'metaflow-tools'
        (Get-MetaflowStack | Format-Table | Out-String -Width 200) | Should -Match 'Template'
    }

    It 'pass the Outputs check by their own template (no ECSFargateExecutionRoleArn expected)' {
        $check = Test-MetaflowStack $script:name -SkipConfig | Where-Object Name -eq 'Outputs'
        $check.Passed | Should -BeTrue
        $check.Detail | Should -Be '12 expected outputs present' -Because 'the template declares 14 outputs; MetaflowUserRoleArn and SageMakerNoteBookURL are off by their conditions'
    }

    It 'export their settings, and warn that the Fargate execution role has no output, saying what to do' {
        Export-MetaflowConfig -StackName $script:name -MetaflowHome $script:mfHome -WarningVariable w -WarningAction SilentlyContinue
        ($w -join "`n") | Should -Match 'no ECSFargateExecutionRoleArn output.*METAFLOW_ECS_FARGATE_EXECUTION_ROLE.*-UseBundledTemplate'
        $config = Get-Content (Join-Path $script:mfHome 'config.json') -Raw | ConvertFrom-Json -AsHashtable
        $config.METAFLOW_DATASTORE_SYSROOT_S3 | Should -Match '^s3://.+/metaflow$'
        $config.METAFLOW_SFN_DYNAMO_DB_TABLE | Should -Not -BeNullOrEmpty
        $config.Keys | Should -Not -Contain 'METAFLOW_ECS_FARGATE_EXECUTION_ROLE'
    }

    It 'take their users'' own output objects through the pipeline (pscustomobject, AWS.Tools Output shape)' {
        $h = Join-Path $script:TestHome "upstream-piped-$($script:name)"
        @(
            [pscustomobject]@{ OutputKey = 'MetaflowDataStoreS3Url'; OutputValue = 's3://their-bucket/metaflow'; Description = 'Amazon S3 URL for Metaflow DataStore [METAFLOW_DATASTORE_SYSROOT_S3]' }
            [pscustomobject]@{ OutputKey = 'DDBTableName'; OutputValue = 'their-table' }
        ) | Export-MetaflowConfig -MetaflowHome $h
        $config = Get-Content (Join-Path $h 'config.json') -Raw | ConvertFrom-Json -AsHashtable
        $config.METAFLOW_DATASTORE_SYSROOT_S3 | Should -Be 's3://their-bucket/metaflow'
        $config.METAFLOW_SFN_DYNAMO_DB_TABLE | Should -Be 'their-table'
    }
}
