BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Remove-Item Env:METAFLOW_HOME, Env:METAFLOW_PROFILE -ErrorAction SilentlyContinue
    $script:name = New-TestStackName 'e2e'
    $script:mfHome = Join-Path $script:TestHome "mf-$($script:name)"
}
AfterAll { Remove-MetaflowStack $script:name -Confirm:$false -ErrorAction SilentlyContinue }

Describe 'From deploy to a checked, configured Metaflow (end to end)' {
    It 'deploys and configures through the pipeline' {
        New-MetaflowStack -StackName $script:name -EnableCustomRole -NoSagemaker | Export-MetaflowConfig -MetaflowHome $script:mfHome
        Get-MetaflowStack $script:name | Set-MetaflowApiKey -MetaflowHome $script:mfHome
        (Get-MetaflowConfig -MetaflowHome $script:mfHome).Settings.Keys | Should -Contain 'METAFLOW_SERVICE_AUTH_KEY'
    }

    It 'passes every check' {
        $checks = Get-MetaflowStack $script:name | Test-MetaflowStack -MetaflowHome $script:mfHome
        $checks.Name | Should -Be @('StackStatus', 'Outputs', 'DataBucket', 'JobQueue', 'StateTable', 'MetadataService', 'MetaflowConfig')
        $checks.Passed | Should -Not -Contain $false
        ($checks | Where-Object Name -eq 'MetadataService').Detail | Should -Match 'answered pong'
        ($checks | Where-Object Name -eq 'JobQueue').Detail | Should -Match 'ENABLED/VALID'
        $checks.StackName | Select-Object -Unique | Should -Be $script:name
    }

    It 'reads DynamoDB answers that carry x-amz-crc32, as DynamoDB sends them' {
        Clear-SandboxLog
        $check = Test-MetaflowStack $script:name -MetaflowHome $script:mfHome | Where-Object Name -eq 'StateTable'
        $check.Passed | Should -BeTrue
        $answers = @(Get-SandboxCalls 'dynamodb:DescribeTable')
        $answers.Count | Should -BeGreaterThan 0
        $answers.detail | Should -Match '^x-amz-crc32: \d+$' -Because 'the sandbox sent the checksum and the client verified it'
    }

    It 'a probe that fails (a damaged DynamoDB answer) fails its own check only; every other check still runs' {
        Set-SandboxTransientFaults @{ service = 'dynamodb'; badCrcPercent = 100 } | Out-Null
        try { $checks = Test-MetaflowStack $script:name -MetaflowHome $script:mfHome }
        finally { Set-SandboxTransientFaults @{} | Out-Null }
        $checks.Name | Should -Be @('StackStatus', 'Outputs', 'DataBucket', 'JobQueue', 'StateTable', 'MetadataService', 'MetaflowConfig')
        $table = $checks | Where-Object Name -eq 'StateTable'
        $table.Passed | Should -BeFalse
        $table.Detail | Should -Match 'CRC'
        @($checks | Where-Object { $_.Name -ne 'StateTable' -and -not $_.Passed }).Name | Should -BeNullOrEmpty
    }

    It 'a service answering 503 fails its own check with the reason; every other check still runs' {
        Set-SandboxTransientFaults @{ service = 'batch'; serverErrorPercent = 100 } | Out-Null
        try { $checks = Test-MetaflowStack $script:name -MetaflowHome $script:mfHome }
        finally { Set-SandboxTransientFaults @{} | Out-Null }
        $checks.Count | Should -Be 7
        $queue = $checks | Where-Object Name -eq 'JobQueue'
        $queue.Passed | Should -BeFalse
        $queue.Detail | Should -Match 'ServiceUnavailable'
        @($checks | Where-Object { $_.Name -ne 'JobQueue' -and -not $_.Passed }).Name | Should -BeNullOrEmpty
    }

    It 'fails the metadata check with a useful detail when the API key is wrong' {
        $path = Join-Path $script:mfHome 'config.json'
        $saved = Get-Content $path -Raw
        try {
            $json = $saved | ConvertFrom-Json -AsHashtable
            $json.METAFLOW_SERVICE_AUTH_KEY = 'not-the-key'
            $json | ConvertTo-Json | Set-Content $path
            $check = Test-MetaflowStack $script:name -MetaflowHome $script:mfHome | Where-Object Name -eq 'MetadataService'
            $check.Passed | Should -BeFalse
            $check.Detail | Should -Match '403 Forbidden: the API key in the Metaflow config was refused; run Set-MetaflowApiKey again'
            $check.Detail | Should -Not -Match 'not-the-key'
        } finally { Set-Content $path $saved -NoNewline }
    }

    It 'fails the config check, naming the keys, when the config no longer matches the stack' {
        $other = Join-Path $script:TestHome "mf-other-$($script:name)"
        New-Item -ItemType Directory $other | Out-Null
        '{ "METAFLOW_DEFAULT_DATASTORE": "local" }' | Set-Content (Join-Path $other 'config.json')
        $check = Test-MetaflowStack $script:name -MetaflowHome $other | Where-Object Name -eq 'MetaflowConfig'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match 'differs from the stack in: .*METAFLOW_BATCH_JOB_QUEUE.*METAFLOW_DEFAULT_DATASTORE.*run Export-MetaflowConfig'
        $check = Test-MetaflowStack $script:name -MetaflowHome (Join-Path $script:TestHome 'nowhere') | Where-Object Name -eq 'MetaflowConfig'
        $check.Detail | Should -Match 'does not exist; run Export-MetaflowConfig'
    }

    It 'fails the bucket check when the data bucket is gone' {
        $bucket = (Get-MetaflowStackOutput $script:name -OutputKey MetaflowS3BucketName).OutputValue
        Invoke-RestMethod -Method Delete "$script:SandboxUrl/_sandbox/s3/buckets/$bucket" | Out-Null
        $check = Test-MetaflowStack $script:name -SkipConfig | Where-Object Name -eq 'DataBucket'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match 'NoSuchBucket|does not exist'
    }

    It 'reports a stack that is not complete as a failed status check' {
        $failed = New-TestStackName 'e2efail'
        Add-SandboxFault -LogicalId JobQueue -StackName $failed -Reason 'Compute environment is INVALID'
        try {
            New-MetaflowStack -StackName $failed -NoSagemaker -ErrorAction SilentlyContinue | Out-Null
            $checks = Test-MetaflowStack $failed -SkipConfig
            ($checks | Where-Object Name -eq 'StackStatus').Detail | Should -Match 'ROLLBACK_COMPLETE.*expected CREATE_COMPLETE'
            ($checks | Where-Object Name -eq 'Outputs').Passed | Should -BeFalse
        } finally {
            Clear-SandboxFaults
            Remove-MetaflowStack $failed -Confirm:$false
        }
    }
}
