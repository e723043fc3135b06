# A Metaflow cmdlet never acts on a stack that is not a Metaflow stack: another team's stack beside ours (made with
# another tool, no MetaflowAws tag, its own description) is refused by name with NotAMetaflowStack before anything is
# sent that could change it, and is still there afterwards. Proved by the sandbox's request log.
BeforeDiscovery {
    $script:cases = @(
        @{ Cmd = 'RemoveMetaflowStack'; Run = { Remove-MetaflowStack -StackName $foreign -Confirm:$false } }
        @{ Cmd = 'RemoveMetaflowStack'; Run = { Get-MetaflowStack -All | Where-Object StackName -EQ $foreign | Remove-MetaflowStack -DeleteData -Confirm:$false }; Case = 'piped from Get-MetaflowStack -All' }
        @{ Cmd = 'UpdateMetaflowStack'; Run = { Update-MetaflowStack -StackName $foreign -UseBundledTemplate -Confirm:$false } }
        @{ Cmd = 'GetMetaflowStackChange'; Run = { Get-MetaflowStackChange -StackName $foreign -UseBundledTemplate } }
        @{ Cmd = 'PublishMetaflowStack'; Run = { Publish-MetaflowStack -StackName $foreign -Confirm:$false } }
        @{ Cmd = 'SetMetaflowApiKey'; Run = { Set-MetaflowApiKey -StackName $foreign -MetaflowHome $mfHome } }
        @{ Cmd = 'InvokeMetaflowDbMigration'; Run = { Invoke-MetaflowDbMigration -StackName $foreign -Confirm:$false } }
        @{ Cmd = 'GrantMetaflowUserRole'; Run = { Grant-MetaflowUserRole -StackName $foreign -Principal 210987654321 -Confirm:$false } }
        @{ Cmd = 'NewMetaflowAwsProfile'; Run = { New-MetaflowAwsProfile -Name foreign-user -StackName $foreign } }
        @{ Cmd = 'ExportMetaflowConfig'; Run = { Export-MetaflowConfig -StackName $foreign -MetaflowHome $mfHome } }
        @{ Cmd = 'TestMetaflowStack'; Run = { Test-MetaflowStack -StackName $foreign -SkipConfig } }
        @{ Cmd = 'AddMetaflowUiUser'; Run = { Add-MetaflowUiUser -StackName $foreign -Email ada@example.com -Confirm:$false } }
        @{ Cmd = 'GetMetaflowUiUser'; Run = { Get-MetaflowUiUser -StackName $foreign } }
        @{ Cmd = 'ResumeMetaflowStackRollback'; Run = { Resume-MetaflowStackRollback -StackName $foreign -Confirm:$false } }
    )
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:foreign = New-TestStackName 'shared-vpc'
    $body = "Description: Shared network of the data platform team`nResources:`n  Topic:`n    Type: AWS::SNS::Topic`nOutputs:`n  TopicArn:`n    Value: !Ref Topic`n    Description: Where alarms go [METAFLOW_BATCH_JOB_QUEUE]`n"
    New-ForeignStack $script:foreign $body | Out-Null
    $script:mfHome = Join-Path $script:TestHome "foreign-home-$($script:foreign)"
}

Describe 'Another team''s stack' {
    It 'is listed with -All only, as not a Metaflow stack' {
        (Get-MetaflowStack).StackName | Should -Not -Contain $foreign
        $s = Get-MetaflowStack -All | Where-Object StackName -EQ $foreign
        $s.IsMetaflowStack | Should -BeFalse
        $s.Origin | Should -BeNullOrEmpty
    }

    It '<Cmd><Case>: NotAMetaflowStack names the stack and what it is, and nothing is sent that changes it' -ForEach $script:cases {
        $foreign = $script:foreign; $mfHome = $script:mfHome
        $configBefore = Get-Content $env:AWS_CONFIG_FILE -Raw
        Clear-SandboxLog
        { & $Run -ErrorAction Stop } | Should -Throw -ErrorId "NotAMetaflowStack,MetaflowAws.Cmdlets.Commands.$Cmd" `
            -ExpectedMessage "*Stack '$foreign' in us-east-1 is not a Metaflow stack (description `"Shared network of the data platform team`"*sent nothing*"
        $log = Get-SandboxLog
        $log.mutating | Should -Be 0 -Because 'a foreign stack is read, never changed'
        @($log.entries | Where-Object { $_.service -ne 'cloudformation' }) | Should -BeNullOrEmpty -Because 'nothing but the stack itself is read'
        Get-Content $env:AWS_CONFIG_FILE -Raw | Should -Be $configBefore
        Test-Path $mfHome | Should -BeFalse
        (Get-MetaflowStack -StackName $foreign).Status | Should -Be 'CREATE_COMPLETE'
    }

    It 'New-MetaflowStack with its name says it is taken by a stack that is not a Metaflow stack, even with -Force' {
        Clear-SandboxLog
        { New-MetaflowStack -StackName $foreign -NoSagemaker -Force -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'StackAlreadyExists,MetaflowAws.Cmdlets.Commands.NewMetaflowStack' -ExpectedMessage '*not a Metaflow stack*Choose another -StackName*'
        (Get-SandboxLog).mutating | Should -Be 0
    }

    It 'can still be read and watched: Get-MetaflowStack, its events and outputs' {
        (Get-MetaflowStack -StackName $foreign).IsMetaflowStack | Should -BeFalse
        @(Get-MetaflowStackEvent -StackName $foreign).Count | Should -BeGreaterThan 0
        (Get-MetaflowStackOutput -StackName $foreign).OutputKey | Should -Contain 'TopicArn'
    }
}
