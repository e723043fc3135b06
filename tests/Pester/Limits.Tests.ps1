# Every limit AWS documents for what a cmdlet sends is checked before it is sent, with the limit in the message; switches
# that do nothing without another are refused; a region that lacks what the switches need is refused with what to do.
# Each case: the stable error id, the message, and from the sandbox's request log, no mutating call.
BeforeDiscovery {
    $script:cases = @(
        # CloudFormation's stack tags (botocore: Tags max 50, TagKey 1-128, TagValue 1-256; the tags reach IAM roles).
        @{ Case = 'New: 50 tags beside the module''s own'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -TemplatePath $SmallTemplatePath -Tag $fiftyTags }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowStack'; Message = '*-Tag has 50 tags; a stack takes at most 50*give at most 49*' }
        @{ Case = 'New: a tag without a value'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -TemplatePath $SmallTemplatePath -Tag @{ team = '' } }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowStack'; Message = "*-Tag 'team' has a value of 0 characters; CloudFormation takes 1 to 256*" }
        @{ Case = 'New: a tag IAM cannot take'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -TemplatePath $SmallTemplatePath -Tag @{ 'cost#center' = 'x' } }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowStack'; Message = '*characters IAM does not take in tags*' }
        @{ Case = 'Update: a tag key of AWS''s own'; Run = { Update-MetaflowStack -StackName $mf -Tag @{ 'aws:team' = 'x' } -Confirm:$false }; Id = 'InvalidParameter'; Cmd = 'UpdateMetaflowStack'; Message = "*cannot start with 'aws:'*" }
        @{ Case = 'Update: -Tag @{} cannot clear tags'; Run = { Update-MetaflowStack -StackName $mf -Tag @{} -Confirm:$false }; Id = 'InvalidParameter'; Cmd = 'UpdateMetaflowStack'; Message = '*cannot clear the stack''s tags*' }
        # CloudFormation's template quotas, before staging.
        @{ Case = 'New: a template over 1 MB is not uploaded'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -TemplatePath $hugeTemplate }; Id = 'TemplateInvalid'; Cmd = 'NewMetaflowStack'; Message = '*1 MB (1,000,000 bytes) from S3, so it was not uploaded*' }
        @{ Case = 'New: 501 resources'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -TemplatePath $manyResources }; Id = 'TemplateInvalid'; Cmd = 'NewMetaflowStack'; Message = '*declares 501 resources; CloudFormation takes at most 500*' }
        @{ Case = 'New: a parameter value over 4,096 bytes'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -TemplatePath $freeText -Parameter @{ Note = ('x' * 4097) } }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowStack'; Message = '*4,097 bytes; CloudFormation takes a parameter value of at most 4,096*' }
        # Regions: a typo is not a region; the ARNs' partition is the region's.
        @{ Case = 'Get: a region name with a typo'; Run = { Get-MetaflowStack -Region 'us-esat-1' }; Id = 'InvalidRegion'; Cmd = 'GetMetaflowStack'; Message = "*'us-esat-1' is not an AWS region; did you mean us-east-1*" }
        @{ Case = 'New: -IamPartition of another partition'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -NoSagemaker -IamPartition aws-cn }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowStack'; Message = "*'aws-cn' is not the partition of us-east-1 (aws)*" }
        # What STS AssumeRole takes, before the profile is written.
        @{ Case = 'Profile: a user ARN as the role'; Run = { New-MetaflowAwsProfile -Name limits-user -RoleArn 'arn:aws:iam::123456789012:user/alice' }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowAwsProfile'; Message = '*is not the ARN of an IAM role*' }
        @{ Case = 'Profile: an external id with a line break'; Run = { New-MetaflowAwsProfile -Name limits-user -StackName $mf -ExternalId "abc`ncredential_process = evil" }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowAwsProfile'; Message = '*-ExternalId is not valid: STS takes 2 to 1224 characters*' }
        @{ Case = 'Profile: a one-letter session name'; Run = { New-MetaflowAwsProfile -Name limits-user -StackName $mf -RoleSessionName x }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowAwsProfile'; Message = '*STS takes 2 to 64 characters*' }
        # Images: ECS's 255 characters, and the dated facts' floor.
        @{ Case = 'New: a metadata service image with the update_row injection'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -NoSagemaker -MetadataServiceImage 'netflixoss/metaflow_metadata_service:v2.4.13' }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowStack'; Message = '*is version 2.4.13, below 2.5.1, the lowest the module deploys*SQL injection*' }
        @{ Case = 'New: an image reference over 255 characters'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -NoSagemaker -MetadataServiceImage ('registry.example.com/' + ('a' * 240) + ':v2.5.1') }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowStack'; Message = '*ECS takes an image reference of at most 255*' }
        # Cognito's user name (the address) and IAM's trust policy.
        @{ Case = 'UI user: an address over 128 characters'; Run = { Add-MetaflowUiUser -StackName $mf -Email (('a' * 120) + '@example.com') -Confirm:$false }; Id = 'InvalidEmail'; Cmd = 'AddMetaflowUiUser'; Message = '*Cognito takes a user name (here the address) of at most 128*' }
        @{ Case = 'Grant: a principal of another partition'; Run = { Grant-MetaflowUserRole -StackName $mf -Principal 'arn:aws-cn:iam::210987654321:role/ci' -Confirm:$false }; Id = 'InvalidPrincipal'; Cmd = 'GrantMetaflowUserRole'; Message = '*aws-cn partition, and the role in aws*' }
        @{ Case = 'Grant: a trust policy over IAM''s 2,048 characters'; Run = { Grant-MetaflowUserRole -StackName $mf -Principal $manyRoles -Confirm:$false }; Id = 'InvalidPrincipal'; Cmd = 'GrantMetaflowUserRole'; Message = '*IAM takes 2,048*Nothing was changed*' }
        # Switches that do nothing without another.
        @{ Case = 'New: a notebook type without the notebook'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -NoSagemaker -SagemakerInstanceType ml.t3.large }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowStack'; Message = '*-SagemakerInstanceType (SagemakerInstance) has no effect with -NoSagemaker (EnableSagemaker) ''false''*' }
        @{ Case = 'New: minimum vCPUs with Fargate'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -NoSagemaker -BatchType fargate -MinVCpu 4 }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowStack'; Message = '*-MinVCpu (MinVCPUBatch) has no effect with -BatchType (BatchType) ''fargate''*' }
        @{ Case = 'New: a UI domain without the UI'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -NoSagemaker -UiDomainName metaflow.example.com }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowStack'; Message = '*-UiDomainName (PublicDomainName) has no effect with -EnableUI (EnableUI) ''false''*' }
        @{ Case = 'New: -CreateDnsRecord without the UI'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -NoSagemaker -CreateDnsRecord }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowStack'; Message = '*-CreateDnsRecord*has no UI*' }
        @{ Case = 'New: -TimeoutSec with -NoWait'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -NoSagemaker -NoWait -TimeoutSec 60 }; Id = 'InvalidParameter'; Cmd = 'NewMetaflowStack'; Message = '*-NoWait skips the wait*' }
        @{ Case = 'Get: -SessionToken alone'; Run = { Get-MetaflowStack -SessionToken 'token' }; Id = 'IncompleteCredentials'; Cmd = 'GetMetaflowStack'; Message = '*-SessionToken goes with -AccessKey and -SecretKey*' }
        @{ Case = 'Update: -UseBundledTemplate with -TemplatePath'; Run = { Update-MetaflowStack -StackName $mf -UseBundledTemplate -TemplatePath $SmallTemplatePath -Confirm:$false }; Id = 'InvalidParameter'; Cmd = 'UpdateMetaflowStack'; Message = '*give one of them*' }
        @{ Case = 'Remove: -RetainResource on a stack that is not DELETE_FAILED'; Run = { Remove-MetaflowStack -StackName $mf -RetainResource MetaflowS3Bucket -Confirm:$false }; Id = 'InvalidParameter'; Cmd = 'RemoveMetaflowStack'; Message = '*-RetainResource applies only to a stack in DELETE_FAILED*' }
        # Region fit: what the switches need and the region's CloudFormation lacks.
        @{ Case = 'Region: the UI in China'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -Region cn-north-1 -NoSagemaker -EnableUI -UiDomainName metaflow.example.cn -CertificateArn 'arn:aws-cn:acm:cn-north-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' }; Id = 'ResourceTypeNotInRegion'; Cmd = 'NewMetaflowStack'; Message = '*CloudFormation in cn-north-1 does not offer AWS::Cognito::UserPool*the Metaflow UI''s login (Amazon Cognito)*leave the UI off*' }
        @{ Case = 'Region: the notebook where SageMaker has none'; Run = { New-MetaflowStack -StackName (New-TestStackName 'lim') -Region ap-south-2 }; Id = 'ResourceTypeNotInRegion'; Cmd = 'NewMetaflowStack'; Message = '*CloudFormation in ap-south-2 does not offer AWS::SageMaker::NotebookInstance*-NoSagemaker*deploy to a region of aws that offers them*' }
        @{ Case = 'Region: the notebook in GovCloud (US-East)'; Run = { Publish-MetaflowStack -StackName (New-TestStackName 'lim') -Region us-gov-east-1 -Confirm:$false }; Id = 'ResourceTypeNotInRegion'; Cmd = 'PublishMetaflowStack'; Message = '*us-gov-east-1*us-gov-west-1*' }
    )
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:mf = New-TestStackName 'limits'
    New-MetaflowStack -StackName $script:mf -NoSagemaker -EnableCustomRole | Out-Null
    $script:fiftyTags = @{}; 1..50 | ForEach-Object { $script:fiftyTags["k$_"] = 'v' }
    $script:hugeTemplate = Join-Path $script:TestHome 'limits-huge.yml'
    Set-Content $script:hugeTemplate ($script:SmallTemplate.TrimEnd() + "`nMetadata:`n  Notes:`n" + ((1..11000 | ForEach-Object { "    - 'note $_ " + ('x' * 80) + "'" }) -join "`n") + "`n")
    $script:manyResources = Join-Path $script:TestHome 'limits-many.yml'
    Set-Content $script:manyResources ("Resources:`n" + ((1..501 | ForEach-Object { "  T$($_):`n    Type: AWS::SNS::Topic" }) -join "`n") + "`n")
    $script:freeText = Join-Path $script:TestHome 'limits-free-text.yml'
    Set-Content $script:freeText "Parameters:`n  Note: { Type: String, Default: x }`nResources:`n  T:`n    Type: AWS::SNS::Topic`n"
    $script:manyRoles = 1..60 | ForEach-Object { 'arn:aws:iam::210987654321:role/team-role-{0:d3}' -f $_ }
}
AfterAll { Remove-MetaflowStack $script:mf -Confirm:$false -ErrorAction SilentlyContinue }

Describe 'Documented limits, switches without effect and region fit, before anything is sent' {
    It '<Case>: <Id>, and no mutating call' -ForEach $script:cases {
        $mf = $script:mf; $fiftyTags = $script:fiftyTags; $hugeTemplate = $script:hugeTemplate; $manyResources = $script:manyResources
        $freeText = $script:freeText; $manyRoles = $script:manyRoles; $SmallTemplatePath = $script:SmallTemplatePath
        (Get-Item $hugeTemplate).Length | Should -BeGreaterThan 1000000
        $configBefore = Get-Content $env:AWS_CONFIG_FILE -Raw
        Clear-SandboxLog
        { & $Run -ErrorAction Stop } | Should -Throw -ErrorId "$Id,*$Cmd" -ExpectedMessage $Message
        $log = Get-SandboxLog
        $log.mutating | Should -Be 0 -Because 'a refused input changes nothing in AWS'
        @($log.entries | Where-Object { $_.action -in 'PutObject', 'CreateBucket' }) | Should -BeNullOrEmpty -Because 'nothing is staged'
        Get-Content $env:AWS_CONFIG_FILE -Raw | Should -Be $configBefore -Because 'no profile is written'
        if ($Id -eq 'ResourceTypeNotInRegion' -and $Cmd -eq 'NewMetaflowStack') { $log.total | Should -Be 0 -Because 'the region''s offerings are known without asking' }
    }

    It 'takes -BatchType and -IamPartition in any case, as the template spells them' {
        $name = New-TestStackName 'limcase'
        try {
            $stack = New-MetaflowStack -StackName $name -NoSagemaker -BatchType FARGATE -IamPartition AWS
            $stack.Parameters.BatchType | Should -BeExactly 'fargate'
            $stack.Parameters.IAMPartition | Should -BeExactly 'aws'
        } finally { Remove-MetaflowStack $name -Confirm:$false }
    }

    It 'writes -CredentialSource as AWS spells it (botocore matches it exactly), whatever case it was given in' {
        New-MetaflowAwsProfile -Name limits-source -StackName $script:mf -CredentialSource environment -SkipCheck -Force | Out-Null
        (Get-Content $env:AWS_CONFIG_FILE -Raw) | Should -Match '(?m)^\[profile limits-source\](\r?\n[^\[].*)*\r?\ncredential_source = Environment'
    }

    It 'keeps the module''s own tag when an update gives new tags, so the stack stays a Metaflow stack' {
        $small = New-TestStackName 'limtag'
        try {
            New-MetaflowStack -StackName $small -TemplatePath $script:SmallTemplatePath -Tag @{ team = 'a' } | Out-Null
            $after = Update-MetaflowStack -StackName $small -Parameter @{ Env = 'prod' } -Tag @{ team = 'b' } -Confirm:$false
            $after.Tags.team | Should -Be 'b'
            $after.Tags.'metaflowaws:template' | Should -Be 'small.yml'
            $after.IsMetaflowStack | Should -BeTrue
        } finally { Remove-MetaflowStack $small -Confirm:$false }
    }
}
