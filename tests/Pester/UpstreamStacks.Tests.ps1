# Stacks made from the upstream Metaflow template (metaflow-tools) are Metaflow stacks: listed, checked by their own
# template, exported with what they lack said out loud. tests/Fixtures/upstream-interface.yml reproduces their
# interface (description, parameters, output names and conditions) and the resources an upgrade must keep.
BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:fixture = Join-Path $script:RepoRoot 'tests/Fixtures/upstream-interface.yml'
    $script:name = New-TestStackName 'upstream'
    # Made when the upstream template was current: RDS still created its PostgreSQL 16.1 then (it no longer does).
    Set-SandboxToday '2024-06-01'
    try { $script:stack = New-MetaflowStack -StackName $script:name -TemplatePath $script:fixture -Parameter @{ BatchType = 'fargate' } -Force -WarningAction SilentlyContinue }
    finally { Set-SandboxToday $null }
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
        $check.Detail | Should -Be '15 expected outputs present' -Because 'the template declares 19 outputs; MetaflowUserRoleArn, SageMakerNoteBookURL and the two UI outputs are off by their conditions'
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

    It 'complete update values from their own template, and from ours with -UseBundledTemplate' {
        function Complete([string] $Line) { @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText) }
        Complete "Update-MetaflowStack -StackName $($script:name) -SagemakerInstanceType ml.t2." | Should -Be @('ml.t2.large', 'ml.t2.xlarge', 'ml.t2.2xlarge')
        Complete "Update-MetaflowStack -StackName $($script:name) -UseBundledTemplate -SagemakerInstanceType ml.t2." | Should -BeNullOrEmpty -Because 'our template offers ml.t3 types'
        Complete "Update-MetaflowStack -StackName $($script:name) -UseBundledTemplate -SagemakerInstanceType ml.t3.m" | Should -Contain 'ml.t3.medium'
    }

    # The must-show of issue 14: such a stack lives on through our cmdlets and moves to our template in place.
    It 'are API-keyed and pass every check of Test-MetaflowStack' {
        Set-MetaflowApiKey -StackName $script:name -MetaflowHome $script:mfHome
        $checks = Test-MetaflowStack $script:name -MetaflowHome $script:mfHome
        $checks | Where-Object { -not $_.Passed } | ForEach-Object { "$($_.Name): $($_.Detail)" } | Should -BeNullOrEmpty
        $checks.Name | Should -Contain 'MetadataService'
        $checks.Name | Should -Contain 'MetaflowConfig'
    }

    It 'are updated with their own template' {
        $updated = Update-MetaflowStack -StackName $script:name -TemplatePath $script:fixture -Parameter @{ MaxVCPUBatch = '32' } -Confirm:$false -WarningAction SilentlyContinue
        $updated.Status | Should -Be 'UPDATE_COMPLETE'
        $updated.Origin | Should -Be 'metaflow-tools'
        $updated.Parameters['MaxVCPUBatch'] | Should -Be '32'
    }

    Context 'moving to the bundled template' {
        BeforeAll {
            if (-not (Test-Path /usr/bin/aws)) { throw 'These tests put data in the stack with Debian''s awscli (/usr/bin/aws): apt-get install -y awscli (.ci/run does).' }
            function Get-OutputTable([string] $Name) { $t = @{}; foreach ($o in Get-MetaflowStackOutput $Name) { $t[$o.OutputKey] = $o.OutputValue }; $t }
            function Invoke-Aws {
                $out = & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 --output json @args 2>&1 | Out-String
                if ($LASTEXITCODE) { throw "aws $($args -join ' ') failed ($LASTEXITCODE): $out" }
                $out
            }
            $script:before = Get-OutputTable $script:name
            $script:bucket = ([uri]$script:before.MetaflowDataStoreS3Url).Host
            $script:configBefore = Get-Content (Join-Path $script:mfHome 'config.json') -Raw | ConvertFrom-Json -AsHashtable
            Set-Content (Join-Path $script:TestHome 'flow-data.txt') 'flow data'
            Invoke-Aws s3api put-object --bucket $script:bucket --key metaflow/HelloFlow/data/ab/abcdef --body (Join-Path $script:TestHome 'flow-data.txt') | Out-Null
            Invoke-Aws dynamodb put-item --table-name $script:before.DDBTableName --item '{"pathspec": {"S": "HelloFlow/sfn-1/start/1"}, "parent_task_ids_for_foreach_join": {"SS": ["a", "b"]}}' | Out-Null
        }

        It 'refuses an upgrade that would replace the database, before any change set (DataReplacementRefused)' {
            Clear-SandboxLog
            { Update-MetaflowStack -StackName $script:name -UseBundledTemplate -Parameter @{ DBStorageEncrypted = 'true' } -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue } |
                Should -Throw -ErrorId 'DataReplacementRefused,*'
            $actions = (Get-SandboxLog).action
            $actions | Should -Not -Contain 'ExecuteChangeSet'
            $actions | Should -Not -Contain 'CreateChangeSet'
            (Get-MetaflowStack $script:name).Status | Should -Be 'UPDATE_COMPLETE'
        }

        It 'previews the upgrade with no data or identity resource replaced or removed' {
            $changes = Get-MetaflowStackChange -StackName $script:name -UseBundledTemplate -WarningAction SilentlyContinue
            $changes | Should -Not -BeNullOrEmpty
            $changes | Where-Object { $_.Risk -in 'Data', 'Identity' -and ($_.Action -eq 'Remove' -or $_.Replacement -in 'True', 'Conditional') } |
                ForEach-Object { "$($_.LogicalResourceId) $($_.Action) $($_.Replacement)" } | Should -BeNullOrEmpty
        }

        It 'upgrades in place with -UseBundledTemplate: same bucket, table, job queue, roles, service URL and API key' {
            $upgraded = Update-MetaflowStack -StackName $script:name -UseBundledTemplate -Confirm:$false -WarningAction SilentlyContinue
            $upgraded.Status | Should -Be 'UPDATE_COMPLETE'
            $upgraded.Origin | Should -Be 'MetaflowAws'
            $upgraded.Parameters['UpgradedFrom'] | Should -Be 'metaflow-tools'
            $upgraded.Parameters['DBStorageEncrypted'] | Should -Be 'false'
            $after = Get-OutputTable $script:name
            foreach ($key in 'MetaflowDataStoreS3Url', 'DDBTableName', 'BatchJobQueueArn', 'StepFunctionsRoleArn', 'EventBridgeRoleArn', 'ECSJobRoleForBatchJobs',
                'ServiceUrl', 'InternalServiceUrl', 'ApiKeyId', 'RDSSecret', 'VPCId', 'Subnet1Id', 'Subnet2Id') {
                $after[$key] | Should -Be $script:before[$key] -Because "$key names something the upgrade keeps"
            }
            $after.BatchJobQueueArn | Should -Match "job-queue/job-queue-$($script:name)$"
        }

        It 'keeps the objects in the bucket and the items in the table' {
            $object = Invoke-Aws s3api head-object --bucket $script:bucket --key metaflow/HelloFlow/data/ab/abcdef | ConvertFrom-Json
            $object.ContentLength | Should -BeGreaterThan 0
            $item = Invoke-Aws dynamodb get-item --table-name $script:before.DDBTableName --key '{"pathspec": {"S": "HelloFlow/sfn-1/start/1"}}' | ConvertFrom-Json
            $item.Item.parent_task_ids_for_foreach_join.SS | Should -Be @('a', 'b')
        }

        It 'leaves every setting of the Metaflow config as it was; Export adds the execution role, then every check passes' {
            $checks = Test-MetaflowStack $script:name -MetaflowHome $script:mfHome
            @($checks | Where-Object { -not $_.Passed } | ForEach-Object { "$($_.Name): $($_.Detail)" }) |
                Should -Be @("MetaflowConfig: $(Join-Path $script:mfHome 'config.json') differs from the stack in: METAFLOW_ECS_FARGATE_EXECUTION_ROLE, METAFLOW_SFN_STATE_MACHINE_PREFIX; run Export-MetaflowConfig") -Because 'our template adds the execution role and the state machine prefix outputs the upstream one lacks; nothing else differs'
            Export-MetaflowConfig -StackName $script:name -MetaflowHome $script:mfHome
            $configAfter = Get-Content (Join-Path $script:mfHome 'config.json') -Raw | ConvertFrom-Json -AsHashtable
            foreach ($key in $script:configBefore.Keys) {
                $configAfter[$key] | Should -Be $script:configBefore[$key] -Because "$key is a setting the stack had before (the API key included)"
            }
            @($configAfter.Keys | Where-Object { -not $script:configBefore.ContainsKey($_) } | Sort-Object) | Should -Be @('METAFLOW_ECS_FARGATE_EXECUTION_ROLE', 'METAFLOW_SFN_STATE_MACHINE_PREFIX')
            $checks = Test-MetaflowStack $script:name -MetaflowHome $script:mfHome
            $checks | Where-Object { -not $_.Passed } | ForEach-Object { "$($_.Name): $($_.Detail)" } | Should -BeNullOrEmpty
        }

        It 'deploys the kept stage when the API key setting changes afterwards, so the change reaches the clients' {
            $apiId = ([uri](Get-OutputTable $script:name).ServiceUrl).Host.Split('.')[0]
            Update-MetaflowStack -StackName $script:name -DisableApiKey -ApiAllowedCidr 127.0.0.1/32 -WhatIf -WarningVariable w 3>$null
            ($w -join "`n") | Should -Match ([regex]::Escape("deploys them to that stage (API Gateway CreateDeployment on API $apiId)"))
            $stack = Get-MetaflowStack $script:name
            (Invoke-StackApi $stack 'ping').Status | Should -Be 403 -Because 'the key is still required'
            Clear-SandboxLog
            $updated = Update-MetaflowStack -StackName $script:name -DisableApiKey -ApiAllowedCidr 127.0.0.1/32 -Confirm:$false -InformationVariable info -WarningAction SilentlyContinue
            $updated.Parameters['APIBasicAuth'] | Should -Be 'false'
            ($info -join "`n") | Should -Match "Deployed the API to stage 'api'.*APIBasicAuth=false and the allow-list 127\.0\.0\.1/32 now apply"
            @(Get-SandboxCalls 'apigateway:CreateDeployment').Count | Should -Be 1
            (Invoke-StackApi $updated 'ping').Status | Should -Be 200 -Because 'the stage now serves the methods without a key'
        }
    }
}
