BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:name = New-TestStackName 'upd'
    New-MetaflowStack -StackName $script:name -NoSagemaker | Out-Null
}
AfterAll { Remove-MetaflowStack $script:name -Confirm:$false -ErrorAction SilentlyContinue; Clear-SandboxFaults }

Describe 'Update-MetaflowStack' {
    It 'changes MaxVCpu with one Modify and no replacement; other parameters keep their values' {
        $changes = Get-MetaflowStackChange -StackName $script:name -MaxVCpu 256
        $changes.Count | Should -Be 1
        $changes[0].Action | Should -Be 'Modify'
        $changes[0].LogicalResourceId | Should -Be 'ComputeEnvironment'
        $changes[0].Replacement | Should -Be 'False'
        $changes[0].ChangedProperties | Should -Contain 'ComputeResources'
        $changes[0].CausingEntities | Should -Contain 'MaxVCPUBatch'

        $before = Get-MetaflowStack $script:name
        $after = Update-MetaflowStack -StackName $script:name -MaxVCpu 256
        $after.Status | Should -Be 'UPDATE_COMPLETE'
        $after.Parameters.MaxVCPUBatch | Should -Be '256'
        foreach ($k in $before.Parameters.Keys | Where-Object { $_ -ne 'MaxVCPUBatch' }) {
            $after.Parameters[$k] | Should -Be $before.Parameters[$k] -Because "$k was not given"
        }
        $events = Get-MetaflowStackEvent $script:name -Since $after.LastUpdatedTime.AddSeconds(-30)
        ($events | Where-Object { $_.LogicalResourceId -eq 'ComputeEnvironment' -and $_.ResourceStatus -eq 'UPDATE_COMPLETE' }) | Should -Not -BeNullOrEmpty
    }

    It 'shows the replacements a VpcCidr change causes, and warns before anything runs' {
        $changes = Get-MetaflowStackChange -StackName $script:name -VpcCidr 10.30.0.0/16 -SubnetCidr 10.30.0.0/20, 10.30.16.0/20
        ($changes | Where-Object LogicalResourceId -eq 'VPC').Replacement | Should -Be 'True'
        ($changes | Where-Object LogicalResourceId -eq 'VPC').ReplacementCause | Should -Contain 'CidrBlock'
        ($changes | Where-Object LogicalResourceId -eq 'Subnet1').Replacement | Should -Be 'True'
        $table = $changes | Format-Table | Out-String -Width 250
        $table | Should -Match 'Action\s+LogicalResourceId\s+ResourceType\s+Replacement'

        Clear-SandboxLog
        Update-MetaflowStack -StackName $script:name -VpcCidr 10.30.0.0/16 -SubnetCidr 10.30.0.0/20, 10.30.16.0/20 -WhatIf -WarningVariable warnings 3>$null
        ($warnings -join "`n") | Should -Match 'replaced.*VPC \(True\)'
        (Get-SandboxLog).mutating | Should -Be 0 -Because '-WhatIf shows the plan worked out locally: no change set is made'
        (Get-MetaflowStack $script:name).Parameters.VPCCidr | Should -Be '10.20.0.0/16'
    }

    It 'offers the waiting parameters only on the cmdlets that wait (Get-MetaflowStackChange never does)' {
        foreach ($p in 'TimeoutSec', 'ShowEvents') {
            (Get-Command Get-MetaflowStackChange).Parameters.Keys | Should -Not -Contain $p
            (Get-Command Update-MetaflowStack).Parameters.Keys | Should -Contain $p
        }
        { Get-MetaflowStackChange -StackName $script:name -TimeoutSec 5 } | Should -Throw -ErrorId 'NamedParameterNotFound,*'
    }

    It 'calls out a replacement of the database in a warning before anything runs' {
        $dbTemplate = Join-Path $script:TestHome 'db.yml'
        Set-Content $dbTemplate @'
Parameters:
  DatabaseName: { Type: String, Default: metaflow }
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    DeletionPolicy: Snapshot
    Properties:
      Engine: postgres
      DBInstanceClass: db.t3.small
      DBName: !Ref DatabaseName
      MasterUsername: dbadmin
      ManageMasterUserPassword: true
      StorageEncrypted: true
'@
        $db = New-TestStackName 'db'
        New-MetaflowStack -StackName $db -TemplatePath $dbTemplate | Out-Null
        try {
            Clear-SandboxLog
            Update-MetaflowStack -StackName $db -Parameter @{ DatabaseName = 'flows' } -WhatIf -WarningVariable w 3>$null
            ($w -join "`n") | Should -Match 'Database \(AWS::RDS::DBInstance\) will be REPLACED.*final snapshot.*DBName'
            (Get-SandboxLog).mutating | Should -Be 0
            (Get-MetaflowStack $db).Parameters.DatabaseName | Should -Be 'metaflow'
        } finally { Remove-MetaflowStack $db -Confirm:$false }
    }

    It 'treats "no changes" as success with a message' {
        $r = Update-MetaflowStack -StackName $script:name -MaxVCpu 256 -InformationVariable info
        $r.StackName | Should -Be $script:name
        ($info -join "`n") | Should -Match 'No changes'
        (Get-MetaflowStack $script:name).Status | Should -Be 'UPDATE_COMPLETE'
    }

    It 'reports an update that fails and rolls back as an error naming the resource' {
        Add-SandboxFault -LogicalId ComputeEnvironment -StackName $script:name -Operation Update -Reason 'Maximum vCPUs exceeds the account quota'
        try {
            { Update-MetaflowStack -StackName $script:name -MaxVCpu 512 -ErrorAction Stop } |
                Should -Throw -ErrorId 'StackRolledBack,MetaflowAws.Cmdlets.Commands.UpdateMetaflowStack' -ExpectedMessage '*update failed and was rolled back (UPDATE_ROLLBACK_COMPLETE)*ComputeEnvironment (AWS::Batch::ComputeEnvironment) UPDATE_FAILED: Maximum vCPUs exceeds the account quota*'
            $s = Get-MetaflowStack $script:name
            $s.Status | Should -Be 'UPDATE_ROLLBACK_COMPLETE'
            $s.Parameters.MaxVCPUBatch | Should -Be '256'
        } finally { Clear-SandboxFaults }
    }

    It 'fails fast while another operation is in progress' {
        $busy = New-TestStackName 'busy'
        Set-SandboxPace 40
        try {
            New-MetaflowStack -StackName $busy -NoWait | Out-Null
            { Update-MetaflowStack -StackName $busy -MaxVCpu 32 -ErrorAction Stop } |
                Should -Throw -ErrorId 'StackBusy,MetaflowAws.Cmdlets.Commands.UpdateMetaflowStack' -ExpectedMessage '*Wait-MetaflowStack*'
            { New-MetaflowStack -StackName $busy -ErrorAction Stop } | Should -Throw -ErrorId 'StackBusy,*'
        } finally {
            Reset-SandboxPace
            Wait-MetaflowStack $busy | Out-Null
            Remove-MetaflowStack $busy -Confirm:$false
        }
    }
}

Describe 'Recovery from failed states' {
    It 'replaces a stack in ROLLBACK_COMPLETE with New-MetaflowStack -Force' {
        $name = New-TestStackName 'force'
        Add-SandboxFault -LogicalId Bucket -StackName $name -Reason 'Bucket policy rejected'
        New-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath -ErrorAction SilentlyContinue | Out-Null
        Clear-SandboxFaults
        (Get-MetaflowStack $name).Status | Should -Be 'ROLLBACK_COMPLETE'
        { New-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath -ErrorAction Stop } |
            Should -Throw -ErrorId 'StackAlreadyExists,*' -ExpectedMessage '*-Force*'
        { Update-MetaflowStack -StackName $name -ErrorAction Stop } | Should -Throw -ErrorId 'StackNotUpdatable,*'
        $s = New-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath -Force -Confirm:$false
        $s.Status | Should -Be 'CREATE_COMPLETE'
        Remove-MetaflowStack $name -Confirm:$false
    }

    It 'resumes an UPDATE_ROLLBACK_FAILED stack with Resume-MetaflowStackRollback, skipping the stuck resource' {
        $name = New-TestStackName 'urf'
        New-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath | Out-Null
        Add-SandboxFault -LogicalId Table -StackName $name -Operation Update -Reason 'Table update rejected'
        Add-SandboxFault -LogicalId Role -StackName $name -Operation Rollback -Reason 'Role is in use and cannot be changed back'
        try {
            $template2 = Join-Path $script:TestHome 'small2.yml'
            ($script:SmallTemplate -replace 'Statement: \[\]', 'Statement: [{ Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com }, Action: "sts:AssumeRole" }]') +
                "`n  Extra:`n    Type: AWS::SNS::Topic`n" -replace '(?m)^Outputs:', "  Extra2:`n    Type: AWS::SNS::Topic`nOutputs:" | Set-Content $template2
            { Update-MetaflowStack -StackName $name -TemplatePath $template2 -Parameter @{ Env = 'prod' } -ErrorAction Stop } |
                Should -Throw -ErrorId 'StackOperationFailed,MetaflowAws.Cmdlets.Commands.UpdateMetaflowStack' -ExpectedMessage '*UPDATE_ROLLBACK_FAILED*Resume-MetaflowStackRollback*'
            (Get-MetaflowStack $name).Status | Should -Be 'UPDATE_ROLLBACK_FAILED'
            { Update-MetaflowStack -StackName $name -ErrorAction Stop } |
                Should -Throw -ErrorId 'StackNotUpdatable,MetaflowAws.Cmdlets.Commands.UpdateMetaflowStack' -ExpectedMessage '*Resume-MetaflowStackRollback*'
            $s = Resume-MetaflowStackRollback -StackName $name -SkipResource Role -Confirm:$false
            $s.Status | Should -Be 'UPDATE_ROLLBACK_COMPLETE'
            (Get-MetaflowStackEvent $name -First 10 | Where-Object LogicalResourceId -eq 'Role').ResourceStatusReason | Should -Contain 'Resource skipped during rollback'
        } finally {
            Clear-SandboxFaults
            Remove-MetaflowStack $name -Confirm:$false
        }
    }
}

Describe 'Publish-MetaflowStack' {
    It 'creates when absent, updates when present, and is a no-op when nothing changed' {
        $name = New-TestStackName 'pub'
        try {
            (Publish-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath).Status | Should -Be 'CREATE_COMPLETE'
            (Publish-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath -Parameter @{ Env = 'prod' }).Status | Should -Be 'UPDATE_COMPLETE'
            Clear-SandboxLog
            (Publish-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath -Parameter @{ Env = 'prod' }).Outputs.OutputKey | Should -Contain 'TableName'
            (Get-SandboxCalls 'cloudformation:ExecuteChangeSet').Count | Should -Be 0
        } finally { Remove-MetaflowStack $name -Confirm:$false }
    }
}
