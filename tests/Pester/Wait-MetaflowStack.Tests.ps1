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
        Set-SandboxTimeScale 0.01 # a create of several seconds
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

    It 'Ctrl+C stops only the wait: the create goes on in AWS, and the user is told how to re-attach' {
        $name = New-TestStackName 'ctrlc'
        Set-SandboxTimeScale 0.01 # a create of several seconds
        $pwsh = $env:METAFLOWAWS_PWSH -split [char]0x1F
        $psi = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
        foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-Command', "Import-Module '$($env:METAFLOWAWS_MODULE)'; New-MetaflowStack -StackName $name -NoSagemaker")) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
        $p = [Diagnostics.Process]::Start($psi)
        try {
            $stdout = $p.StandardOutput.ReadToEndAsync(); $stderr = $p.StandardError.ReadToEndAsync()
            for ($i = 0; $i -lt 200 -and -not (Get-MetaflowStack -All | Where-Object StackName -eq $name); $i++) { Start-Sleep -Milliseconds 100 }
            Start-Sleep -Milliseconds 800 # well into the wait
            (Get-MetaflowStack $name).Status | Should -Be 'CREATE_IN_PROGRESS'
            & kill -s INT $p.Id # what Ctrl+C sends
            $p.WaitForExit(30000) | Should -BeTrue -Because 'the wait stops at once'
            $output = $stdout.Result + $stderr.Result
            $output | Should -Match "Stopped waiting for stack '$name'\. The stack operation goes on in AWS; re-attach with 'Wait-MetaflowStack -StackName $name'"
            (Get-MetaflowStack $name).Status | Should -Be 'CREATE_IN_PROGRESS' -Because 'stopping the wait does not stop the create'
            (Wait-MetaflowStack -StackName $name).Status | Should -Be 'CREATE_COMPLETE'
        } finally {
            if (-not $p.HasExited) { $p.Kill($true) }
            Reset-SandboxPace
            Wait-MetaflowStack $name -ErrorAction SilentlyContinue | Out-Null
            Remove-MetaflowStack $name -Confirm:$false -ErrorAction SilentlyContinue
        }
    }
}
