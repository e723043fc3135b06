BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:name = New-TestStackName 'out'
    $script:stack = New-MetaflowStack -StackName $script:name -BatchType fargate
}
AfterAll { Remove-MetaflowStack $script:name -Confirm:$false -ErrorAction SilentlyContinue }

Describe 'Get-MetaflowStackOutput' {
    It 'returns every output with its Metaflow config key' {
        $outputs = Get-MetaflowStackOutput -StackName $script:name
        $byKey = @{}; $outputs | ForEach-Object { $byKey[$_.OutputKey] = $_ }
        $byKey['MetaflowDataStoreS3Url'].ConfigKey | Should -Be 'METAFLOW_DATASTORE_SYSROOT_S3'
        $byKey['MetaflowDataStoreS3Url'].OutputValue | Should -Match '^s3://[a-z0-9.-]+/metaflow$'
        $byKey['ECSFargateExecutionRoleArn'].ConfigKey | Should -Be 'METAFLOW_ECS_FARGATE_EXECUTION_ROLE'
        $byKey['ApiKeyId'].ConfigKey | Should -Be 'METAFLOW_SERVICE_AUTH_KEY'
        $byKey['VPCId'].ConfigKey | Should -BeNullOrEmpty
        $outputs | ForEach-Object { $_.StackName | Should -Be $script:name; $_.Region | Should -Be 'us-east-1' }
    }

    It 'filters by output key with wildcards' {
        (Get-MetaflowStackOutput $script:name -OutputKey '*RoleArn').OutputKey | Sort-Object |
            Should -Be @('ECSFargateExecutionRoleArn', 'EventBridgeRoleArn', 'StepFunctionsRoleArn')
    }

    It 'gives METAFLOW_* settings with -AsEnvironment, ready for $env: assignments' {
        $env = Get-MetaflowStackOutput $script:name -AsEnvironment
        $env['METAFLOW_DEFAULT_DATASTORE'] | Should -Be 's3'
        $env['METAFLOW_DEFAULT_METADATA'] | Should -Be 'service'
        $env['METAFLOW_BATCH_JOB_QUEUE'] | Should -BeLike 'arn:aws:batch:us-east-1:123456789012:job-queue/*'
        $env['METAFLOW_ECS_FARGATE_EXECUTION_ROLE'] | Should -BeLike 'arn:aws:iam::*'
        $env.Contains('METAFLOW_SERVICE_AUTH_KEY') | Should -BeFalse -Because 'the output is the key id, not the key'
        @($env.Keys) | Should -Be (@($env.Keys) | Sort-Object -CaseSensitive)
    }

    It 'takes the stack from the pipeline (New-MetaflowStack | Get-MetaflowStackOutput)' {
        ($script:stack | Get-MetaflowStackOutput -OutputKey DDBTableName).OutputValue | Should -BeLike "$($script:name)-StepFunctionsStateDDB-*"
    }
}
