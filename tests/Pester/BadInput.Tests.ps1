# The bad-input suite across every cmdlet: each input gets a clear error with a stable id, and the
# sandbox's request log proves no mutating call was made. (New-MetaflowStack's own 35 cases are in
# New-MetaflowStack.BadInput.Tests.ps1.)
BeforeDiscovery {
    $script:cases = @(
        @{ Case = 'Update: MaxVCpu out of range'; Run = { Update-MetaflowStack -StackName $mf -MaxVCpu 99999 }; Id = 'InvalidParameter'; Cmd = 'UpdateMetaflowStack'; Message = '*-MaxVCpu (MaxVCPUBatch)*at most 4096*' }
        @{ Case = 'Update: MinVCpu above the current MaxVCpu'; Run = { Update-MetaflowStack -StackName $mf -MinVCpu 100 -DesiredVCpu 100 }; Id = 'InvalidParameter'; Cmd = 'UpdateMetaflowStack'; Message = '*-MinVCpu 100 is greater than -MaxVCpu 64*' }
        @{ Case = 'Update: a subnet outside the current VPC'; Run = { Update-MetaflowStack -StackName $mf -SubnetCidr 10.99.0.0/20, 10.20.16.0/20 }; Id = 'InvalidParameter'; Cmd = 'UpdateMetaflowStack'; Message = "*'10.99.0.0/20' is not inside the VPC range 10.20.0.0/16*" }
        @{ Case = 'Update: unknown template parameter'; Run = { Update-MetaflowStack -StackName $mf -Parameter @{ Nope = 1 } }; Id = 'InvalidParameter'; Cmd = 'UpdateMetaflowStack'; Message = '*-Parameter Nope*' }
        @{ Case = 'Update: missing stack'; Run = { Update-MetaflowStack -StackName nosuchstack -MaxVCpu 8 }; Id = 'StackNotFound'; Cmd = 'UpdateMetaflowStack'; Message = "*'nosuchstack' was not found*" }
        @{ Case = 'Update: stack left by a failed create'; Run = { Update-MetaflowStack -StackName $failed -Parameter @{ Env = 'prod' } }; Id = 'StackNotUpdatable'; Cmd = 'UpdateMetaflowStack'; Message = '*ROLLBACK_COMPLETE*-Force*' }
        @{ Case = 'Update: template path missing'; Run = { Update-MetaflowStack -StackName $mf -TemplatePath /nope.yml }; Id = 'TemplateNotFound'; Cmd = 'UpdateMetaflowStack'; Message = "*'/nope.yml' does not exist*" }
        @{ Case = 'Update: template bucket name invalid'; Run = { Update-MetaflowStack -StackName $mf -MaxVCpu 8 -TemplateBucket 'Bad_Bucket' }; Id = 'InvalidTemplateBucket'; Cmd = 'UpdateMetaflowStack'; Message = "*'Bad_Bucket'*" }
        @{ Case = 'Remove: missing stack'; Run = { Remove-MetaflowStack -StackName nosuchstack -Confirm:$false }; Id = 'StackNotFound'; Cmd = 'RemoveMetaflowStack'; Message = '*Get-MetaflowStack*' }
        @{ Case = 'Resume rollback: stack not in UPDATE_ROLLBACK_FAILED'; Run = { Resume-MetaflowStackRollback -StackName $mf -Confirm:$false }; Id = 'StackNotUpdatable'; Cmd = 'ResumeMetaflowStackRollback'; Message = '*only a stack in UPDATE_ROLLBACK_FAILED*' }
        @{ Case = 'Wait: missing stack'; Run = { Wait-MetaflowStack -StackName nosuchstack }; Id = 'StackNotFound'; Cmd = 'WaitMetaflowStack'; Message = '*nosuchstack*' }
        @{ Case = 'Events: missing stack'; Run = { Get-MetaflowStackEvent -StackName nosuchstack }; Id = 'StackNotFound'; Cmd = 'GetMetaflowStackEvent'; Message = '*nosuchstack*' }
        @{ Case = 'Outputs: missing stack'; Run = { Get-MetaflowStackOutput -StackName nosuchstack }; Id = 'StackNotFound'; Cmd = 'GetMetaflowStackOutput'; Message = '*nosuchstack*' }
        @{ Case = 'Get: unknown AWS profile'; Run = { Get-MetaflowStack -ProfileName ghost }; Id = 'ProfileNotFound'; Cmd = 'GetMetaflowStack'; Message = "*'ghost'*known*" }
        @{ Case = 'Get: region that is not a region'; Run = { Get-MetaflowStack -Region 'us-east' }; Id = 'InvalidRegion'; Cmd = 'GetMetaflowStack'; Message = "*'us-east' is not an AWS region*" }
        @{ Case = 'Get: endpoint that is not a URL'; Run = { Get-MetaflowStack -EndpointUrl 'ftp://x' }; Id = 'InvalidEndpoint'; Cmd = 'GetMetaflowStack'; Message = "*'ftp://x'*" }
        @{ Case = 'Get: secret key without access key'; Run = { Get-MetaflowStack -SecretKey 'x' }; Id = 'IncompleteCredentials'; Cmd = 'GetMetaflowStack'; Message = '*-AccessKey and -SecretKey*' }
        @{ Case = 'Export: corrupt config file'; Run = { Export-MetaflowConfig -StackName $mf -MetaflowHome $corruptHome }; Id = 'ConfigFileCorrupt'; Cmd = 'ExportMetaflowConfig'; Message = '*-Force*' }
        @{ Case = 'Export: Metaflow profile name with a slash'; Run = { Export-MetaflowConfig -StackName $mf -MetaflowHome $emptyHome -MetaflowProfile 'a/b' }; Id = 'InvalidMetaflowProfile'; Cmd = 'ExportMetaflowConfig'; Message = "*'a/b'*" }
        @{ Case = 'Export: a stack with nothing Metaflow reads'; Run = { Export-MetaflowConfig -StackName $bare -MetaflowHome $emptyHome }; Id = 'NotAMetaflowStack'; Cmd = 'ExportMetaflowConfig'; Message = '*' }
        @{ Case = 'Get config: no config file'; Run = { Get-MetaflowConfig -MetaflowHome $emptyHome }; Id = 'ConfigNotFound'; Cmd = 'GetMetaflowConfig'; Message = '*Export-MetaflowConfig*' }
        @{ Case = 'Get config: corrupt config file'; Run = { Get-MetaflowConfig -MetaflowHome $corruptHome }; Id = 'ConfigFileCorrupt'; Cmd = 'GetMetaflowConfig'; Message = '*' }
        @{ Case = 'API key: stack deployed without APIBasicAuth'; Run = { Set-MetaflowApiKey -StackName $plain -MetaflowHome $emptyHome }; Id = 'FeatureNotDeployed'; Cmd = 'SetMetaflowApiKey'; Message = '*APIBasicAuth*' }
        @{ Case = 'API key: corrupt config file'; Run = { Set-MetaflowApiKey -StackName $mf -MetaflowHome $corruptHome }; Id = 'ConfigFileCorrupt'; Cmd = 'SetMetaflowApiKey'; Message = '*' }
        @{ Case = 'Grant: principal that is a user name'; Run = { Grant-MetaflowUserRole -StackName $mf -Principal alice -Confirm:$false }; Id = 'FeatureNotDeployed'; Cmd = 'GrantMetaflowUserRole'; Message = '*-EnableCustomRole*' }
        @{ Case = 'Grant: principal that is an S3 ARN'; Run = { Grant-MetaflowUserRole -StackName $withRole -Principal 'arn:aws:s3:::bucket' -Confirm:$false }; Id = 'InvalidPrincipal'; Cmd = 'GrantMetaflowUserRole'; Message = "*'arn:aws:s3:::bucket'*" }
        @{ Case = 'Grant: account id with 11 digits'; Run = { Grant-MetaflowUserRole -StackName $withRole -Principal 12345678901 -Confirm:$false }; Id = 'InvalidPrincipal'; Cmd = 'GrantMetaflowUserRole'; Message = '*12-digit*' }
        @{ Case = 'AWS profile: name with a space'; Run = { New-MetaflowAwsProfile -Name 'my profile' -StackName $withRole }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowAwsProfile'; Message = "*'my profile'*" }
        @{ Case = 'AWS profile: existing profile without -Force'; Run = { New-MetaflowAwsProfile -Name known -StackName $withRole }; Id = 'ProfileExists'; Cmd = 'NewMetaflowAwsProfile'; Message = '*-Force*' }
        @{ Case = 'AWS profile: stack without the custom role'; Run = { New-MetaflowAwsProfile -Name fresh -StackName $mf }; Id = 'FeatureNotDeployed'; Cmd = 'NewMetaflowAwsProfile'; Message = '*CustomRole*' }
        @{ Case = 'Check: missing stack'; Run = { Test-MetaflowStack -StackName nosuchstack }; Id = 'StackNotFound'; Cmd = 'TestMetaflowStack'; Message = '*nosuchstack*' }
        @{ Case = 'Migration: stack without a migration function'; Run = { Invoke-MetaflowDbMigration -StackName $plain -Confirm:$false }; Id = 'FeatureNotDeployed'; Cmd = 'InvokeMetaflowDbMigration'; Message = '*MigrationFunctionName*-UseBundledTemplate*' }
        @{ Case = 'Migration: missing stack'; Run = { Invoke-MetaflowDbMigration -StackName nosuchstack -StatusOnly }; Id = 'StackNotFound'; Cmd = 'InvokeMetaflowDbMigration'; Message = '*nosuchstack*' }
        @{ Case = 'Changes: stack left by a failed create'; Run = { Get-MetaflowStackChange -StackName $failed }; Id = 'StackNotUpdatable'; Cmd = 'GetMetaflowStackChange'; Message = '*' }
    )
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Remove-Item Env:METAFLOW_HOME, Env:METAFLOW_PROFILE -ErrorAction SilentlyContinue
    $script:mf = New-TestStackName 'bad'
    New-MetaflowStack -StackName $script:mf -NoSagemaker | Out-Null
    $script:withRole = New-TestStackName 'badrole'
    New-MetaflowStack -StackName $script:withRole -NoSagemaker -EnableCustomRole | Out-Null
    $script:plain = New-TestStackName 'badplain'
    New-MetaflowStack -StackName $script:plain -TemplatePath $script:SmallTemplatePath | Out-Null
    $script:failed = New-TestStackName 'badfailed'
    Add-SandboxFault -LogicalId Bucket -StackName $script:failed -Reason 'injected'
    New-MetaflowStack -StackName $script:failed -TemplatePath $script:SmallTemplatePath -ErrorAction SilentlyContinue | Out-Null
    Clear-SandboxFaults
    $script:corruptHome = Join-Path $script:TestHome 'corrupt-home'
    New-Item -ItemType Directory -Force $script:corruptHome | Out-Null
    Set-Content (Join-Path $script:corruptHome 'config.json') '{"METAFLOW_X": '
    $script:bare = New-TestStackName 'badbare'
    $bareTemplate = Join-Path $script:TestHome 'bare.yml'
    Set-Content $bareTemplate "Resources:`n  Topic:`n    Type: AWS::SNS::Topic`n"
    New-MetaflowStack -StackName $script:bare -TemplatePath $bareTemplate | Out-Null
}
AfterAll {
    foreach ($n in $script:mf, $script:withRole, $script:plain, $script:failed, $script:bare) { Remove-MetaflowStack $n -Confirm:$false -ErrorAction SilentlyContinue }
}

Describe 'Bad input across the cmdlets' {
    It '<Case>: <Id>, and no mutating call' -ForEach $script:cases {
        $mf = $script:mf; $withRole = $script:withRole; $plain = $script:plain; $failed = $script:failed
        $corruptHome = $script:corruptHome; $bare = $script:bare
        $emptyHome = Join-Path $script:TestHome ('empty-' + [guid]::NewGuid().ToString('N'))
        $configBefore = Get-Content $env:AWS_CONFIG_FILE -Raw
        Clear-SandboxLog
        { & $Run -ErrorAction Stop } | Should -Throw -ErrorId "$Id,MetaflowAws.Cmdlets.Commands.$Cmd" -ExpectedMessage $Message
        (Get-SandboxLog).mutating | Should -Be 0 -Because 'a refused input changes nothing in AWS'
        Get-Content $env:AWS_CONFIG_FILE -Raw | Should -Be $configBefore
        Test-Path $emptyHome | Should -BeFalse -Because 'no Metaflow config is written for a refused input'
    }
}
