BeforeDiscovery { $script:haveCli = Test-Path /usr/bin/aws }
BeforeAll { . "$PSScriptRoot/Common.ps1" }

Describe 'Remove-MetaflowStack' {
    It 'is ConfirmImpact High' {
        (Get-Command Remove-MetaflowStack).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false).ConfirmImpact |
            Should -Be 'High'
    }

    It 'deletes the stack and waits until it is gone; the data bucket is retained' {
        $name = New-TestStackName 'rm'
        New-MetaflowStack -StackName $name -NoSagemaker | Out-Null
        $gone = Remove-MetaflowStack -StackName $name -Confirm:$false -PassThru
        $gone.Status | Should -Be 'DELETE_COMPLETE'
        $events = Get-MetaflowStackEvent -StackName $gone.StackId
        ($events | Where-Object LogicalResourceId -eq 'MetaflowS3Bucket').ResourceStatus | Should -Contain 'DELETE_SKIPPED'
        ($events | Where-Object LogicalResourceId -eq 'VPC').ResourceStatus | Should -Contain 'DELETE_COMPLETE'
        { Get-MetaflowStack $name -ErrorAction Stop } | Should -Throw -ErrorId 'StackNotFound,*'
    }

    It 'turns deletion protection off first (an update of that one value), says so before, and sends nothing with -WhatIf' {
        $name = New-TestStackName 'rmprot'
        New-MetaflowStack -StackName $name -NoSagemaker | Out-Null
        (Get-MetaflowStack $name).Parameters['DeletionProtection'] | Should -Be 'true'
        Clear-SandboxLog
        $said = (Invoke-ChildPwsh "Import-Module '$($env:METAFLOWAWS_MODULE)'; Remove-MetaflowStack -StackName $name -WhatIf").Output -replace '\s+', ' '
        $said | Should -Match "Turn off the stack's deletion protection \(RDSMasterInstance\) with an update that changes nothing else, then Delete stack"
        (Get-SandboxLog).mutating | Should -Be 0
        $gone = Remove-MetaflowStack -StackName $name -Confirm:$false -PassThru
        $gone.Status | Should -Be 'DELETE_COMPLETE'
        $calls = @(Get-SandboxCalls | ForEach-Object { "$($_.service):$($_.action)" } | Where-Object { $_ -in 'cloudformation:CreateChangeSet', 'cloudformation:ExecuteChangeSet', 'cloudformation:DeleteStack' })
        $calls | Should -Be @('cloudformation:CreateChangeSet', 'cloudformation:ExecuteChangeSet', 'cloudformation:DeleteStack')
        $events = Get-MetaflowStackEvent -StackName $gone.StackId
        ($events | Where-Object { $_.LogicalResourceId -eq 'RDSMasterInstance' -and $_.ResourceStatus -eq 'UPDATE_COMPLETE' }) | Should -Not -BeNullOrEmpty
        ($events | Where-Object LogicalResourceId -eq 'RDSMasterInstance').ResourceStatus | Should -Contain 'DELETE_COMPLETE'
    }

    It 'leaves protection alone for a stack deployed with -NoDeletionProtection: a plain delete' {
        $name = New-TestStackName 'rmnoprot'
        New-MetaflowStack -StackName $name -NoSagemaker -NoDeletionProtection | Out-Null
        Clear-SandboxLog
        (Remove-MetaflowStack -StackName $name -Confirm:$false -PassThru).Status | Should -Be 'DELETE_COMPLETE'
        (Get-SandboxCalls 'cloudformation:CreateChangeSet').Count | Should -Be 0
    }

    # Debian's awscli deletes the stack as a user would without the module (CI installs it; without it the test is skipped, said so).
    It 'a protected database refuses a delete that did not turn protection off (the sandbox as RDS does)' -Skip:(-not $script:haveCli) {
        $name = New-TestStackName 'rmraw'
        $s = New-MetaflowStack -StackName $name -NoSagemaker
        & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 cloudformation delete-stack --stack-name $name 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        Wait-MetaflowStack -StackName $s.StackId -ErrorAction SilentlyContinue | Out-Null
        $after = Get-MetaflowStack $s.StackId
        $after.Status | Should -Be 'DELETE_FAILED'
        (Get-MetaflowStackEvent -StackName $s.StackId | Where-Object { $_.LogicalResourceId -eq 'RDSMasterInstance' -and $_.ResourceStatus -eq 'DELETE_FAILED' }).ResourceStatusReason |
            Should -Match 'Cannot delete protected DB Instance'
        (Remove-MetaflowStack -StackName $s.StackId -RetainResource RDSMasterInstance -Confirm:$false -PassThru).Status | Should -Be 'DELETE_COMPLETE'
    }

    It 'changes nothing with -WhatIf' {
        $name = New-TestStackName 'rmwi'
        New-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath | Out-Null
        try {
            Clear-SandboxLog
            Remove-MetaflowStack -StackName $name -WhatIf
            (Get-SandboxLog).mutating | Should -Be 0
            (Get-MetaflowStack $name).Status | Should -Be 'CREATE_COMPLETE'
        } finally { Remove-MetaflowStack $name -Confirm:$false }
    }

    It 'says DELETE_FAILED with the resource and reason, and -RetainResource gets past it' {
        $name = New-TestStackName 'rmfail'
        New-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath | Out-Null
        Add-SandboxFault -LogicalId Role -StackName $name -Operation Delete -Reason 'Cannot delete entity, must detach all policies first.'
        try {
            { Remove-MetaflowStack -StackName $name -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'StackOperationFailed,MetaflowAws.Cmdlets.Commands.RemoveMetaflowStack' -ExpectedMessage '*Role (AWS::IAM::Role) DELETE_FAILED: Cannot delete entity*-RetainResource*'
            (Get-MetaflowStack $name).Status | Should -Be 'DELETE_FAILED'
            (Remove-MetaflowStack -StackName $name -RetainResource Role -Confirm:$false -PassThru).Status | Should -Be 'DELETE_COMPLETE'
        } finally { Clear-SandboxFaults }
    }

    It 'fails fast on a stack whose operation is still in progress' {
        $name = New-TestStackName 'rmbusy'
        Set-SandboxPace 40
        try {
            New-MetaflowStack -StackName $name -NoWait | Out-Null
            { Remove-MetaflowStack -StackName $name -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'StackBusy,MetaflowAws.Cmdlets.Commands.RemoveMetaflowStack' -ExpectedMessage '*Wait-MetaflowStack*'
        } finally {
            Reset-SandboxPace
            Wait-MetaflowStack $name | Out-Null
            Remove-MetaflowStack $name -Confirm:$false
        }
    }
}

Describe 'Remove-MetaflowStack and the data bucket' {
    BeforeAll {
        function Get-Bucket([string] $Name) { (Invoke-RestMethod "$script:SandboxUrl/_sandbox/s3/buckets") | Where-Object name -eq $Name }
        function New-StackWithData([string] $Prefix) {
            $name = New-TestStackName $Prefix
            $stack = New-MetaflowStack -StackName $name -NoSagemaker
            $bucket = ($stack.Outputs | Where-Object OutputKey -eq 'MetaflowS3BucketName').OutputValue
            # 834 keys x (2 versions + 1 delete marker) = 2,502 entries to delete.
            $seed = Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/s3/seed" -ContentType 'application/json' -Body (@{ bucket = $bucket; keys = 834; versionsPerKey = 2; deleteMarkers = $true } | ConvertTo-Json)
            $seed.added | Should -Be 2502
            [pscustomobject]@{ Name = $name; Bucket = $bucket }
        }
    }

    It 'keeps the bucket and its objects without -DeleteData, and says so before deleting' {
        $s = New-StackWithData 'keep'
        Remove-MetaflowStack -StackName $s.Name -Confirm:$false -WhatIf 6>&1 | Out-Null
        Remove-MetaflowStack -StackName $s.Name -Confirm:$false
        { Get-MetaflowStack $s.Name -ErrorAction Stop } | Should -Throw -ErrorId 'StackNotFound,*'
        $b = Get-Bucket $s.Bucket
        $b | Should -Not -BeNullOrEmpty
        $b.versions | Should -Be 2502
        Invoke-RestMethod -Method Delete "$script:SandboxUrl/_sandbox/s3/buckets/$($s.Bucket)" | Out-Null
    }

    It 'empties every version and delete marker in batches of 1,000 with progress, then removes the bucket, with -DeleteData' {
        $s = New-StackWithData 'wipe'
        Clear-SandboxLog
        $ps = [powershell]::Create()
        $null = $ps.AddCommand('Import-Module').AddArgument($env:METAFLOWAWS_MODULE).AddStatement().
            AddCommand('Remove-MetaflowStack').AddParameter('StackName', $s.Name).AddParameter('DeleteData').AddParameter('Confirm', $false)
        $ps.Invoke() | Out-Null
        $progress = @($ps.Streams.Progress | Where-Object Activity -eq "Emptying s3://$($s.Bucket)")
        $errors = @($ps.Streams.Error)
        $ps.Dispose()
        $errors | Should -BeNullOrEmpty
        (Get-SandboxCalls 's3:DeleteObjects').Count | Should -Be 3
        (Get-SandboxCalls 's3:DeleteBucket').Count | Should -Be 1
        ($progress | Where-Object RecordType -ne 'Completed').StatusDescription | Should -Be @(
            '1,000 object versions and delete markers deleted in 1 batch(es) of up to 1,000',
            '2,000 object versions and delete markers deleted in 2 batch(es) of up to 1,000',
            '2,502 object versions and delete markers deleted in 3 batch(es) of up to 1,000')
        Get-Bucket $s.Bucket | Should -BeNullOrEmpty
        { Get-MetaflowStack $s.Name -ErrorAction Stop } | Should -Throw -ErrorId 'StackNotFound,*'
    }

    It 'fails DELETE_FAILED for a non-empty bucket the template does not retain, naming it' {
        $t = Join-Path $script:TestHome 'plainbucket.yml'
        Set-Content $t "Resources:`n  Data:`n    Type: AWS::S3::Bucket`n"
        $name = New-TestStackName 'nonempty'
        $stack = New-MetaflowStack -StackName $name -TemplatePath $t
        $bucket = (Get-MetaflowStackEvent $name | Where-Object { $_.LogicalResourceId -eq 'Data' -and $_.PhysicalResourceId }).PhysicalResourceId | Select-Object -First 1
        Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/s3/seed" -ContentType 'application/json' -Body (@{ bucket = $bucket; keys = 3 } | ConvertTo-Json) | Out-Null
        { Remove-MetaflowStack -StackName $name -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'StackOperationFailed,*' -ExpectedMessage '*Data (AWS::S3::Bucket) DELETE_FAILED*'
        (Remove-MetaflowStack -StackName $name -DeleteData -Confirm:$false -PassThru).Status | Should -Be 'DELETE_COMPLETE'
        Get-Bucket $bucket | Should -BeNullOrEmpty
    }
}
