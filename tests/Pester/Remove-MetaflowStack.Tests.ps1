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
        ($events | Where-Object LogicalResourceId -eq 'DataBucket').ResourceStatus | Should -Contain 'DELETE_SKIPPED'
        ($events | Where-Object LogicalResourceId -eq 'Vpc').ResourceStatus | Should -Contain 'DELETE_COMPLETE'
        { Get-MetaflowStack $name -ErrorAction Stop } | Should -Throw -ErrorId 'StackNotFound,*'
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
            Set-SandboxPace 5
            Wait-MetaflowStack $name | Out-Null
            Remove-MetaflowStack $name -Confirm:$false
        }
    }
}
