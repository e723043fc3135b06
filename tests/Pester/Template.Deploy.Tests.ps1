# The real template deploys with its defaults and with each feature switched; outputs appear exactly as the conditions say.
BeforeDiscovery {
    $script:variants = @(
        @{ Variant = 'defaults'; Params = @{}; Present = @('ApiKeyId', 'SageMakerNoteBookURL', 'ECSFargateExecutionRoleArn'); Absent = @('MetaflowUserRoleArn') }
        @{ Variant = 'BatchType=fargate'; Params = @{ BatchType = 'fargate' }; Present = @('ECSFargateExecutionRoleArn', 'ApiKeyId'); Absent = @('MetaflowUserRoleArn') }
        @{ Variant = 'EnableSagemaker=false'; Params = @{ NoSagemaker = $true }; Present = @('ApiKeyId'); Absent = @('SageMakerNoteBookURL') }
        @{ Variant = 'APIBasicAuth=false'; Params = @{ DisableApiKey = $true; ApiAllowedCidr = '127.0.0.1/32' }; Present = @('SageMakerNoteBookURL'); Absent = @('ApiKeyId') }
        @{ Variant = 'CustomRole=true'; Params = @{ EnableCustomRole = $true }; Present = @('MetaflowUserRoleArn', 'ApiKeyId'); Absent = @() }
    )
}

BeforeAll { . "$PSScriptRoot/Common.ps1" }

Describe 'The Metaflow template on the sandbox' {
    It 'deploys to CREATE_COMPLETE with <Variant>, outputs present and absent as its conditions say' -ForEach $script:variants {
        $name = New-TestStackName 'var'
        try {
            $stack = New-MetaflowStack -StackName $name @Params
            $stack.Status | Should -Be 'CREATE_COMPLETE'
            $keys = $stack.Outputs.OutputKey
            foreach ($k in 'MetaflowDataStoreS3Url', 'MetaflowDataToolsS3Url', 'BatchJobQueueArn', 'ECSJobRoleForBatchJobs', 'ServiceUrl',
                'InternalServiceUrl', 'StepFunctionsRoleArn', 'EventBridgeRoleArn', 'DDBTableName', 'VPCId', 'Subnet1Id', 'Subnet2Id') {
                $keys | Should -Contain $k
            }
            foreach ($k in $Present) { $keys | Should -Contain $k }
            foreach ($k in $Absent) { $keys | Should -Not -Contain $k }
            $resources = (Get-MetaflowStackEvent $name | Where-Object { $_.ResourceStatus -eq 'CREATE_COMPLETE' -and -not $_.IsStackEvent }).LogicalResourceId
            if ($Params.NoSagemaker) { $resources | Should -Not -Contain 'Notebook' } else { $resources | Should -Contain 'Notebook' }
            if ($Params.DisableApiKey) { $resources | Should -Not -Contain 'ApiKey' } else { $resources | Should -Contain 'ApiKey' }
            if ($Params.BatchType -eq 'fargate') { $resources | Should -Not -Contain 'BatchInstanceProfile' } else { $resources | Should -Contain 'BatchInstanceProfile' }
            if ($Params.EnableCustomRole) { $resources | Should -Contain 'UserRole' } else { $resources | Should -Not -Contain 'UserRole' }
            $stack.Outputs | Where-Object ConfigKey | ForEach-Object { $_.Description | Should -Match "\[$($_.ConfigKey)\]$" }
        } finally { Remove-MetaflowStack $name -Confirm:$false }
    }

    It 'gives the notebook a name within SageMaker''s 63 characters for the longest stack name allowed (47)' {
        $name = 'l' + (New-TestStackName 'x').Replace('-', '') 
        $name = $name + ('a' * (47 - $name.Length))
        $name.Length | Should -Be 47
        try {
            $stack = New-MetaflowStack -StackName $name
            $stack.Status | Should -Be 'CREATE_COMPLETE'
        } finally { Remove-MetaflowStack $name -Confirm:$false }
    }

    It 'fails as AWS would when a name derived from a too-long stack name exceeds a service limit (awscli bypasses our check)' -Skip:(-not (Test-Path /usr/bin/aws)) {
        $name = 'l' + ('b' * 59)
        # The template is over the 51,200-byte --template-body limit: awscli puts it in S3 and passes its URL.
        $bucket = 'awscli-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
        & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 s3api create-bucket --bucket $bucket | Out-Null
        & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 s3 cp "$($script:RepoRoot)/template/metaflow.yml" "s3://$bucket/metaflow.yml" | Out-Null
        $LASTEXITCODE | Should -Be 0
        & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 cloudformation create-stack --stack-name $name `
            --template-url "https://$bucket.s3.us-east-1.amazonaws.com/metaflow.yml" --capabilities CAPABILITY_NAMED_IAM | Out-Null
        $LASTEXITCODE | Should -Be 0
        try {
            { Wait-MetaflowStack -StackName $name -ErrorAction Stop } |
                Should -Throw -ErrorId 'StackRolledBack,*' -ExpectedMessage '*Member must have length less than or equal to 6*'
        } finally { Remove-MetaflowStack $name -Confirm:$false }
    }
}
