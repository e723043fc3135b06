# Transient faults: throttling, 5xx, slow answers, dropped connections, expiring credentials.
BeforeAll { . "$PSScriptRoot/Common.ps1" }
AfterAll { Clear-SandboxFaults; Reset-SandboxPace }

Describe 'Deploy, update and remove under transient faults' {
    It 'succeed with 30% throttling and 10% 5xx, with retries that back off; the retries are counted' {
        $name = New-TestStackName 'flaky'
        Set-SandboxTransientFaults @{ throttlePercent = 30; serverErrorPercent = 10; seed = 7 } | Out-Null
        try {
            $created = New-MetaflowStack -StackName $name -NoSagemaker
            $created.Status | Should -Be 'CREATE_COMPLETE'
            $updated = Update-MetaflowStack -StackName $name -MaxVCpu 96
            $updated.Status | Should -Be 'UPDATE_COMPLETE'
            $updated.Parameters.MaxVCPUBatch | Should -Be '96'
            $gone = Remove-MetaflowStack -StackName $name -Confirm:$false -PassThru
            $gone.Status | Should -Be 'DELETE_COMPLETE'
            $injected = Get-SandboxTransientFaults
            $injected.Throttle | Should -BeGreaterThan 5 -Because 'about 30% of the calls were throttled and retried'
            $injected.ServerError | Should -BeGreaterThan 0
            Write-Host "    retries: $($injected.Throttle) after throttling, $($injected.ServerError) after 5xx"
        } finally {
            Clear-SandboxFaults
            Remove-MetaflowStack $name -Confirm:$false -ErrorAction SilentlyContinue
        }
    }

    It 'succeed with slow answers and dropped connections' {
        $name = New-TestStackName 'drops'
        Set-SandboxTransientFaults @{ slowPercent = 20; slowMs = 300; dropPercent = 10; seed = 3 } | Out-Null
        try {
            (New-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath).Status | Should -Be 'CREATE_COMPLETE'
            (Get-MetaflowStackOutput $name).Count | Should -Be 3
            (Remove-MetaflowStack -StackName $name -Confirm:$false -PassThru).Status | Should -Be 'DELETE_COMPLETE'
            $injected = Get-SandboxTransientFaults
            $injected.Drop | Should -BeGreaterThan 0
            $injected.Slow | Should -BeGreaterThan 0
        } finally {
            Clear-SandboxFaults
            Remove-MetaflowStack $name -Confirm:$false -ErrorAction SilentlyContinue
        }
    }

    It 'keep waiting through an outage: every call failing for seconds in the middle of a wait' {
        $name = New-TestStackName 'outage'
        Set-SandboxPace 60
        try {
            New-MetaflowStack -StackName $name -NoWait | Out-Null
            $job = Start-ThreadJob {
                Start-Sleep -Milliseconds 1200
                Invoke-RestMethod -Method Post "$using:SandboxUrl/_sandbox/faults/transient" -ContentType 'application/json' -Body '{"serverErrorPercent": 100, "seed": 1}' | Out-Null
                Start-Sleep -Seconds 3
                Invoke-RestMethod -Method Delete "$using:SandboxUrl/_sandbox/faults" | Out-Null
            }
            $stack = Wait-MetaflowStack -StackName $name
            $job | Wait-Job | Remove-Job
            $stack.Status | Should -Be 'CREATE_COMPLETE'
            @((Get-SandboxLog).entries | Where-Object action -eq '(injected ServerError)').Count | Should -BeGreaterThan 1
        } finally {
            Clear-SandboxFaults
            Reset-SandboxPace
            Remove-MetaflowStack $name -Confirm:$false -ErrorAction SilentlyContinue
        }
    }
}

Describe 'A long wait with credentials that expire' {
    It 'survives its assume-role session expiring mid-wait: new credentials, then the wait goes on' {
        # The profile assumes the user role with the sandbox's own user: no MFA for that (the test is about the refresh).
        New-MetaflowStack -StackName refreshrole -EnableCustomRole -UserRoleWithoutMfa -NoSagemaker -ErrorAction SilentlyContinue | Out-Null
        (Get-MetaflowStack refreshrole).Status | Should -Be 'CREATE_COMPLETE'
        $name = New-TestStackName 'longwait'
        Set-SandboxTimeScale 0.01 # a create of several seconds, outliving the 2 s the session is given
        $savedKey, $savedSecret = $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY
        try {
            Remove-Item Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY
            Clear-SandboxLog
            $job = Start-ThreadJob { Start-Sleep -Milliseconds 2000; Invoke-RestMethod -Method Post "$using:SandboxUrl/_sandbox/sessions/expire" }
            $stack = New-MetaflowStack -StackName $name -ProfileName assumer -NoSagemaker
            ($job | Wait-Job | Receive-Job).expired | Should -BeGreaterThan 0 -Because 'the session in use was ended during the wait'
            $job | Remove-Job
            $stack.Status | Should -Be 'CREATE_COMPLETE'
            $stack.ProfileName | Should -Be 'assumer'
            (Get-SandboxCalls 'sts:AssumeRole').Count | Should -BeGreaterThan 1 -Because 'new credentials were fetched after the old ones expired'
            @((Get-SandboxLog).entries | Where-Object errorCode -eq 'ExpiredToken').Count | Should -BeGreaterThan 0 -Because 'AWS refused the expired session once'
        } finally {
            $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY = $savedKey, $savedSecret
            Reset-SandboxPace
            Remove-MetaflowStack $name -Confirm:$false -ErrorAction SilentlyContinue
            Remove-MetaflowStack refreshrole -Confirm:$false -ErrorAction SilentlyContinue
        }
    }
}
