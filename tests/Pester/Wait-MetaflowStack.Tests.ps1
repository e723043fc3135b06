BeforeAll { . "$PSScriptRoot/Common.ps1" }

Describe 'Wait-MetaflowStack' {
    It 'attaches to a create in progress and reports progress until it completes' {
        $name = New-TestStackName 'wait'
        Set-SandboxPace 25
        try {
            New-MetaflowStack -StackName $name -NoWait | Out-Null
            $ps = [powershell]::Create()
            $null = $ps.AddCommand('Import-Module').AddArgument($env:METAFLOWAWS_MODULE).AddStatement().AddCommand('Wait-MetaflowStack').AddParameter('StackName', $name)
            $stack = $ps.Invoke() | Select-Object -First 1
            $progress = @($ps.Streams.Progress)
            $ps.Dispose()
            $stack.Status | Should -Be 'CREATE_COMPLETE'
            $last = ($progress | Where-Object RecordType -ne 'Completed')[-1]
            $last.StatusDescription | Should -Match '^Create: (\d+)/\1 resources complete'
        } finally {
            Reset-SandboxPace
            Remove-MetaflowStack $name -Confirm:$false
        }
    }

    It 'returns at once for a stack that is already complete' {
        $name = New-TestStackName 'done'
        New-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath | Out-Null
        try {
            (Wait-MetaflowStack -StackName $name).Status | Should -Be 'CREATE_COMPLETE'
        } finally { Remove-MetaflowStack $name -Confirm:$false }
    }

    It 'reports a stack that already rolled back as an error, never as success' {
        $name = New-TestStackName 'rolled'
        Add-SandboxFault -LogicalId Table -StackName $name -Reason 'Table limit exceeded'
        try {
            New-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath -Parameter @{ Env = 'prod' } -ErrorAction SilentlyContinue | Out-Null
            { Wait-MetaflowStack -StackName $name -ErrorAction Stop } |
                Should -Throw -ErrorId 'StackRolledBack,MetaflowAws.Cmdlets.Commands.WaitMetaflowStack' -ExpectedMessage '*Table (AWS::DynamoDB::Table) CREATE_FAILED: Table limit exceeded*'
        } finally {
            Clear-SandboxFaults
            Remove-MetaflowStack $name -Confirm:$false
        }
    }

    It 'stops at -TimeoutSec with WaitTimedOut and says how to re-attach; the operation goes on' {
        $name = New-TestStackName 'slow'
        Set-SandboxTimeScale 0.02 # a create of about ten seconds: still going when the stop comes, on a busy machine too
        try {
            New-MetaflowStack -StackName $name -NoWait | Out-Null
            { Wait-MetaflowStack -StackName $name -TimeoutSec 1 -ErrorAction Stop } |
                Should -Throw -ErrorId 'WaitTimedOut,MetaflowAws.Cmdlets.Commands.WaitMetaflowStack' -ExpectedMessage "*Wait-MetaflowStack -StackName $name*"
            (Get-MetaflowStack $name).Status | Should -Be 'CREATE_IN_PROGRESS'
        } finally {
            Reset-SandboxPace
            Wait-MetaflowStack $name -ErrorAction SilentlyContinue | Out-Null
            Remove-MetaflowStack $name -Confirm:$false
        }
    }

    It 'a stop ($ps.Stop(), what Ctrl+C does) ends only the wait: the create goes on and the host is told how to re-attach' {
        if (-not ('MetaflowAwsTests.RecordingHost' -as [type])) { Add-Type -Path "$PSScriptRoot/Support/RecordingHost.cs" }
        $name = New-TestStackName 'stop'
        Set-SandboxTimeScale 0.02 # a create of about ten seconds: still going when the stop comes, on a busy machine too
        $testHost = [MetaflowAwsTests.RecordingHost]::new()
        $runspace = [runspacefactory]::CreateRunspace($testHost)
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument($env:METAFLOWAWS_MODULE).AddStatement().
                AddCommand('New-MetaflowStack').AddParameter('StackName', $name).AddParameter('NoSagemaker').AddParameter('Confirm', $false)
            $async = $ps.BeginInvoke()
            # Stop once the cmdlet is in its wait: it has shown progress of the create.
            for ($i = 0; $i -lt 300 -and $ps.Streams.Progress.Count -eq 0 -and -not $async.IsCompleted; $i++) { Start-Sleep -Milliseconds 100 }
            $ps.Streams.Progress.Count | Should -BeGreaterThan 0 -Because 'the create started and is being waited on'
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $testHost.Warnings | Should -Contain "Stopped waiting for stack '$name'. The stack operation goes on in AWS; re-attach with 'Wait-MetaflowStack -StackName $name'."
            (Get-MetaflowStack $name).Status | Should -Be 'CREATE_IN_PROGRESS' -Because 'stopping the wait does not stop the create'
            (Wait-MetaflowStack -StackName $name).Status | Should -Be 'CREATE_COMPLETE'
        } finally {
            $ps.Dispose()
            $runspace.Dispose()
            Reset-SandboxPace
            Wait-MetaflowStack $name -ErrorAction SilentlyContinue | Out-Null
            Remove-MetaflowStack $name -Confirm:$false -ErrorAction SilentlyContinue
        }
    }
}
