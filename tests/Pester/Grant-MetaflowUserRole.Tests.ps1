BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:name = New-TestStackName 'role'
    $script:stack = New-MetaflowStack -StackName $script:name -EnableCustomRole -NoSagemaker
    $script:plain = New-TestStackName 'norole'
    New-MetaflowStack -StackName $script:plain -TemplatePath $script:SmallTemplatePath | Out-Null
    # The role's trust policy as IAM holds it now (the sandbox's view of the stack's UserRole): the effect itself,
    # with no client of ours or awscli in between.
    function Get-TrustPolicy([string] $StackName) {
        $role = Invoke-RestMethod "$script:SandboxUrl/_sandbox/stacks/$StackName/resources/UserRole"
        if ($role.liveDocument) { $role.liveDocument | ConvertFrom-Json } else { $role.properties.AssumeRolePolicyDocument }
    }
}
AfterAll {
    Remove-MetaflowStack $script:name -Confirm:$false -ErrorAction SilentlyContinue
    Remove-MetaflowStack $script:plain -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'Grant-MetaflowUserRole' {
    It 'adds an account, a user and a role to the trust policy, keeping the existing statements' {
        $roleArn = ($script:stack.Outputs | Where-Object OutputKey -eq 'MetaflowUserRoleArn').OutputValue
        $r = $script:stack | Grant-MetaflowUserRole -Principal 210987654321, 'arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:role/ci' -Confirm:$false -PassThru
        $r.RoleArn | Should -Be $roleArn
        $r.Added | Should -Be @('arn:aws:iam::210987654321:root', 'arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:role/ci')
        $policy = Get-TrustPolicy $script:name
        $ours = $policy.Statement | Where-Object Sid -eq 'MetaflowAwsGrantedPrincipals'
        $ours.Principal.AWS | Should -Contain 'arn:aws:iam::123456789012:user/alice'
        $ours.Action | Should -Be 'sts:AssumeRole'
        @($policy.Statement).Count | Should -BeGreaterThan 1 -Because 'the template''s own statement is kept'
    }

    It 'is idempotent: granting again changes nothing and makes no write' {
        Clear-SandboxLog
        $r = Grant-MetaflowUserRole -StackName $script:name -Principal 210987654321 -Confirm:$false -PassThru
        $r.Added | Should -BeNullOrEmpty
        $r.AlreadyTrusted | Should -Be @('arn:aws:iam::210987654321:root')
        (Get-SandboxCalls 'iam:UpdateAssumeRolePolicy').Count | Should -Be 0
    }

    It 'shows the policy it would write with -WhatIf, and writes nothing' {
        Clear-SandboxLog
        Grant-MetaflowUserRole -StackName $script:name -Principal "arn:aws:iam::123456789012:user/bob" -WhatIf
        (Get-SandboxCalls 'iam:UpdateAssumeRolePolicy').Count | Should -Be 0
        (Get-SandboxCalls 'iam:GetRole').Count | Should -Be 1
    }

    It 'refuses a principal that is not an account id or IAM user/role ARN, before calling IAM' {
        Clear-SandboxLog
        { Grant-MetaflowUserRole -StackName $script:name -Principal 'alice' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidPrincipal,MetaflowAws.Cmdlets.Commands.GrantMetaflowUserRole' -ExpectedMessage "*'alice'*12-digit account id*"
        { Grant-MetaflowUserRole -StackName $script:name -Principal 'arn:aws:iam::12345:user/x' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidPrincipal,*'
        (Get-SandboxLog).byAction.PSObject.Properties.Name | Where-Object { $_ -like 'iam:*' } | Should -BeNullOrEmpty
    }

    It 'says clearly that a stack without CustomRole has no user role' {
        { Grant-MetaflowUserRole -StackName $script:plain -Principal 210987654321 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'FeatureNotDeployed,MetaflowAws.Cmdlets.Commands.GrantMetaflowUserRole' -ExpectedMessage '*-EnableCustomRole*'
    }
}
