BeforeAll { . "$PSScriptRoot/Common.ps1" }

Describe 'New-MetaflowStack' {
    Context 'the real Metaflow template' {
        BeforeAll {
            $script:name = New-TestStackName 'mf'
            Set-SandboxTimeScale 0.005 # a create of a few seconds: several progress updates
            $script:progress = [System.Collections.Generic.List[object]]::new()
            $script:info = $null
            $ps = [powershell]::Create()
            $null = $ps.AddCommand('Import-Module').AddArgument($env:METAFLOWAWS_MODULE).AddStatement()
            $null = $ps.AddCommand('New-MetaflowStack').AddParameter('StackName', $script:name).AddParameter('ShowEvents')
            $script:stack = $ps.Invoke() | Select-Object -First 1
            $script:progress = @($ps.Streams.Progress)
            $script:info = @($ps.Streams.Information)
            $script:errors = @($ps.Streams.Error)
            $ps.Dispose()
            Reset-SandboxPace
        }
        AfterAll { Remove-MetaflowStack -StackName $script:name -Confirm:$false -ErrorAction SilentlyContinue }

        It 'creates the stack and returns it complete, with outputs' {
            $script:errors | Should -BeNullOrEmpty
            $script:stack.StackName | Should -Be $script:name
            $script:stack.Status | Should -Be 'CREATE_COMPLETE'
            $script:stack.IsMetaflowStack | Should -BeTrue
            ($script:stack.Outputs | Where-Object OutputKey -eq 'BatchJobQueueArn').ConfigKey | Should -Be 'METAFLOW_BATCH_JOB_QUEUE'
            $script:stack.Parameters['BatchType'] | Should -Be 'ec2'
        }

        It 'reports progress: resources done out of the total, the resource in progress, elapsed time' {
            $updates = $script:progress | Where-Object RecordType -ne 'Completed'
            $updates.Count | Should -BeGreaterThan 1
            $updates[0].Activity | Should -Be "Stack $($script:name)"
            $last = $updates[-1]
            $last.StatusDescription | Should -Match '^Create: (\d+)/(\d+) resources complete, \d\d:\d\d elapsed$'
            $null = $last.StatusDescription -match '(\d+)/(\d+)'
            [int]$Matches[1] | Should -Be ([int]$Matches[2])
            [int]$Matches[2] | Should -BeGreaterThan 40
            $last.PercentComplete | Should -Be 100
            ($updates | Where-Object { $_.CurrentOperation -match '^\w+ CREATE_IN_PROGRESS$' }) | Should -Not -BeNullOrEmpty
            $script:progress[-1].RecordType | Should -Be 'Completed'
        }

        It 'streams the stack events to the information stream with -ShowEvents' {
            $events = $script:info | Where-Object { $_.Tags -contains 'MetaflowStackEvent' } | ForEach-Object MessageData
            $events.Count | Should -BeGreaterThan 80
            $events[-1].ResourceStatus | Should -Be 'CREATE_COMPLETE'
            $events[-1].LogicalResourceId | Should -Be $script:name
            ($events | Where-Object LogicalResourceId -eq 'MetaflowS3Bucket').ResourceStatus | Should -Contain 'CREATE_COMPLETE'
        }

        It 'pipes into Get-MetaflowStackOutput by property name' {
            $outputs = Get-MetaflowStack $script:name | Get-MetaflowStackOutput
            ($outputs | Where-Object OutputKey -eq 'ServiceUrl').ConfigKey | Should -Be 'METAFLOW_SERVICE_URL'
            $outputs.StackName | Select-Object -Unique | Should -Be $script:name
        }

        It 'refuses a second stack with the same name, naming what to do' {
            { New-MetaflowStack -StackName $script:name -ErrorAction Stop } |
                Should -Throw -ErrorId 'StackAlreadyExists,MetaflowAws.Cmdlets.Commands.NewMetaflowStack' -ExpectedMessage '*Update-MetaflowStack*'
        }
    }

    Context 'an injected resource failure' {
        BeforeAll {
            $script:failName = New-TestStackName 'fail'
            Add-SandboxFault -LogicalId 'RDSMasterInstance' -StackName $script:failName -Reason 'Resource handler returned message: "DB subnet group does not cover enough AZs" (HandlerErrorCode: InvalidRequest)'
        }
        AfterAll {
            Clear-SandboxFaults
            Remove-MetaflowStack -StackName $script:failName -Confirm:$false -ErrorAction SilentlyContinue
        }

        It 'fails with an ErrorRecord naming the failed resource and its reason, and never reports the rollback as success' {
            $result = New-MetaflowStack -StackName $script:failName -ErrorVariable err -ErrorAction SilentlyContinue
            $result | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'StackRolledBack,MetaflowAws.Cmdlets.Commands.NewMetaflowStack'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
            $err[0].TargetObject | Should -Be $script:failName
            $err[0].Exception.Message | Should -BeLike "*Stack '$($script:failName)' creation failed and was rolled back (ROLLBACK_COMPLETE)*"
            $err[0].Exception.Message | Should -BeLike '*RDSMasterInstance (AWS::RDS::DBInstance) CREATE_FAILED: Resource handler returned message: "DB subnet group does not cover enough AZs"*'
            $err[0].Exception.Message | Should -BeLike '*Remove-MetaflowStack*'
            $err[0].Exception.FailedResources[0].LogicalResourceId | Should -Be 'RDSMasterInstance'
            (Get-MetaflowStack $script:failName).Status | Should -Be 'ROLLBACK_COMPLETE'
        }
    }

    Context 'another template with typed parameters and -Parameter' {
        It 'deploys -TemplatePath with -Parameter values and evaluates conditions' {
            $name = New-TestStackName 'small'
            try {
                $stack = New-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath -Parameter @{ Env = 'prod' }
                $stack.Status | Should -Be 'CREATE_COMPLETE'
                $stack.Outputs.OutputKey | Should -Be @('BucketArn', 'RoleArn', 'Where', 'TableName')
                ($stack.Outputs | Where-Object OutputKey -eq 'RoleArn').ConfigKey | Should -Be 'METAFLOW_ECS_S3_ACCESS_IAM_ROLE'
                ($stack.Outputs | Where-Object OutputKey -eq 'Where').OutputValue | Should -BeLike "us-east-1/$name-bucket-*"
            } finally { Remove-MetaflowStack $name -Confirm:$false }
        }

        It 'passes the typed parameters under the template names' {
            $name = New-TestStackName 'typed'
            try {
                $stack = New-MetaflowStack -StackName $name -BatchType ec2 -MaxVCpu 128 -DisableApiKey -ApiAllowedCidr 10.0.0.0/8, 127.0.0.1/32 -EnableCustomRole -NoSagemaker -InstanceType c6i.large, m6i
                $stack.Parameters.BatchType | Should -Be 'ec2'
                $stack.Parameters.MaxVCPUBatch | Should -Be '128'
                $stack.Parameters.APIBasicAuth | Should -Be 'false'
                $stack.Parameters.CustomRole | Should -Be 'true'
                $stack.Parameters.ApiAllowedCidrs | Should -Be '10.0.0.0/8,127.0.0.1/32'
                $stack.Parameters.EnableSagemaker | Should -Be 'false'
                $stack.Parameters.ComputeEnvInstanceTypes | Should -Be 'c6i.large,m6i'
                $stack.Outputs.OutputKey | Should -Contain 'MetaflowUserRoleArn'
                $stack.Outputs.OutputKey | Should -Not -Contain 'ApiKeyId'
                $stack.Outputs.OutputKey | Should -Not -Contain 'SageMakerNoteBookURL'
            } finally { Remove-MetaflowStack $name -Confirm:$false }
        }
    }

    Context '-WhatIf and -NoWait' {
        It 'changes nothing with -WhatIf (it only reads whether the stack exists)' {
            Clear-SandboxLog
            $name = New-TestStackName 'whatif'
            New-MetaflowStack -StackName $name -WhatIf
            (Get-SandboxLog).mutating | Should -Be 0
            (Get-SandboxCalls 'cloudformation:CreateStack').Count | Should -Be 0
            { Get-MetaflowStack $name -ErrorAction Stop } | Should -Throw -ErrorId 'StackNotFound,*'
        }

        It 'returns at once with -NoWait; Wait-MetaflowStack attaches and finishes the wait' {
            $name = New-TestStackName 'nowait'
            Set-SandboxPace 30
            try {
                $started = New-MetaflowStack -StackName $name -NoWait
                $started.Status | Should -Be 'CREATE_IN_PROGRESS'
                $done = Wait-MetaflowStack -StackName $name
                $done.Status | Should -Be 'CREATE_COMPLETE'
                $done.Outputs.Count | Should -BeGreaterThan 10
            } finally {
                Reset-SandboxPace
                Remove-MetaflowStack $name -Confirm:$false
            }
        }
    }
}
