BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:name = New-TestStackName 'prof'
    $script:stack = New-MetaflowStack -StackName $script:name -EnableCustomRole -NoSagemaker
    $script:roleArn = ($script:stack.Outputs | Where-Object OutputKey -eq 'MetaflowUserRoleArn').OutputValue
    # Alice is a user of another account: the role does not trust her until she is granted.
    $script:alice = @{ AccessKey = 'AKIAALICE0000000001'; SecretKey = 'alice-secret-key' }
    Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/identities" -ContentType 'application/json' -Body (@{
        accessKeyId = $script:alice.AccessKey; secretAccessKey = $script:alice.SecretKey; arn = 'arn:aws:iam::210987654321:user/alice' } | ConvertTo-Json) | Out-Null
    $script:configBefore = Get-Content $env:AWS_CONFIG_FILE -Raw
    Add-Content $env:AWS_CONFIG_FILE "# team profiles below`n[profile other]`nregion = eu-west-1 ; keep me`n"
}
AfterAll {
    Set-Content $env:AWS_CONFIG_FILE $script:configBefore -NoNewline
    Remove-MetaflowStack $script:name -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'New-MetaflowAwsProfile' {
    It 'writes the profile, then says clearly when the role does not trust the caller yet' {
        { New-MetaflowAwsProfile -Name mf-alice -RoleArn $script:roleArn @script:alice -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProfileCheckFailed,MetaflowAws.Cmdlets.Commands.NewMetaflowAwsProfile' -ExpectedMessage '*AccessDenied*Grant-MetaflowUserRole*'
        $text = Get-Content $env:AWS_CONFIG_FILE -Raw
        $text | Should -Match "(?m)^\[profile mf-alice\]\r?\nrole_arn = $([regex]::Escape($script:roleArn))\r?\ncredential_source = Environment\r?\nregion = us-east-1"
    }

    It 'works after Grant-MetaflowUserRole: assumes the role and proves who it is; other profiles and comments are kept' {
        Grant-MetaflowUserRole -StackName $script:name -Principal 'arn:aws:iam::210987654321:user/alice' -Confirm:$false
        $p = New-MetaflowAwsProfile -Name mf-alice -RoleArn $script:roleArn @script:alice -Force -ExternalId 'not-required'
        $p.VerifiedArn | Should -BeLike "arn:aws:sts::123456789012:assumed-role/$($script:name)-MetaflowUserRole/metaflowaws-profile-check"
        $p.ConfigPath | Should -Be $env:AWS_CONFIG_FILE
        Test-Path $p.BackupPath | Should -BeTrue
        $text = Get-Content $env:AWS_CONFIG_FILE -Raw
        $text | Should -Match '# team profiles below'
        $text | Should -Match '(?m)^\[profile other\]\r?\nregion = eu-west-1 ; keep me'
        $text | Should -Match '(?m)^\[profile known\]'
        ([regex]::Matches($text, '\[profile mf-alice\]')).Count | Should -Be 1
        $text | Should -Match '(?m)^external_id = not-required'
        (Get-Item $env:AWS_CONFIG_FILE).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
    }

    It 'says that a person of the account needs MFA for the user role (UserRoleRequireMfa, the default)' {
        { Get-MetaflowStack $script:name | New-MetaflowAwsProfile -Name mf-known -ProfileName known -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProfileCheckFailed,*' -ExpectedMessage '*AccessDenied*-MfaSerial and -MfaTokenCode*'
        { Get-MetaflowStack $script:name | New-MetaflowAwsProfile -Name mf-known -ProfileName known -Force -MfaSerial 'arn:aws:iam::123456789012:mfa/known' -MfaTokenCode '000000' -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProfileCheckFailed,*' -ExpectedMessage '*invalid MFA one time pass code*'
    }

    It 'writes mfa_serial and, without a code, says the profile was not checked' {
        $p = Get-MetaflowStack $script:name | New-MetaflowAwsProfile -Name mf-mfa -ProfileName known -MfaSerial 'arn:aws:iam::123456789012:mfa/known' -WarningVariable w 3>$null
        $p.VerifiedArn | Should -BeNullOrEmpty
        $p.MfaSerial | Should -Be 'arn:aws:iam::123456789012:mfa/known'
        ($w -join "`n") | Should -Match "not checked: it needs a code from arn:aws:iam::123456789012:mfa/known"
        Get-Content $env:AWS_CONFIG_FILE -Raw | Should -Match '(?m)^\[profile mf-mfa\](\r?\n[^\[].*)*\r?\nmfa_serial = arn:aws:iam::123456789012:mfa/known'
        { New-MetaflowAwsProfile -Name x -RoleArn $script:roleArn -MfaTokenCode 123456 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidParameter,*' -ExpectedMessage '*-MfaTokenCode needs -MfaSerial*'
        { New-MetaflowAwsProfile -Name x -RoleArn $script:roleArn -MfaSerial 'arn:aws:iam::123456789012:mfa/known' -MfaTokenCode 12345 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidParameter,*' -ExpectedMessage '*six digits*'
        { New-MetaflowAwsProfile -Name x -RoleArn $script:roleArn -MfaSerial 'short' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidParameter,*' -ExpectedMessage "*-MfaSerial 'short'*"
    }

    It 'takes the role from the stack, and the source profile from the session (with an MFA code)' {
        $p = Get-MetaflowStack $script:name | New-MetaflowAwsProfile -Name mf-known -ProfileName known -Force -MfaSerial 'arn:aws:iam::123456789012:mfa/known' -MfaTokenCode '123456'
        $p.RoleArn | Should -Be $script:roleArn
        $p.SourceProfile | Should -Be 'known'
        $p.CredentialSource | Should -BeNullOrEmpty
        $p.VerifiedArn | Should -BeLike '*:assumed-role/*'
        Get-Content $env:AWS_CONFIG_FILE -Raw | Should -Match '(?m)^\[profile mf-known\]\r?\nrole_arn = .*\r?\nsource_profile = known'
    }

    It 'refuses to overwrite an existing profile without -Force' {
        $before = Get-Content $env:AWS_CONFIG_FILE -Raw
        { New-MetaflowAwsProfile -Name other -RoleArn $script:roleArn -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProfileExists,MetaflowAws.Cmdlets.Commands.NewMetaflowAwsProfile' -ExpectedMessage '*-Force*'
        Get-Content $env:AWS_CONFIG_FILE -Raw | Should -Be $before
    }

    It 'refuses bad names and a role that is not an IAM role ARN, writing nothing' {
        $before = Get-Content $env:AWS_CONFIG_FILE -Raw
        { New-MetaflowAwsProfile -Name 'bad name' -RoleArn $script:roleArn -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidParameter,*'
        { New-MetaflowAwsProfile -Name ok -RoleArn 'arn:aws:s3:::bucket' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidParameter,*' -ExpectedMessage '*is not the ARN of an IAM role*'
        { New-MetaflowAwsProfile -Name ok -RoleArn $script:roleArn -SourceProfile known -CredentialSource Environment -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidParameter,*'
        Get-Content $env:AWS_CONFIG_FILE -Raw | Should -Be $before
    }

    It 'changes nothing with -WhatIf' {
        $before = Get-Content $env:AWS_CONFIG_FILE -Raw
        New-MetaflowAwsProfile -Name whatif -RoleArn $script:roleArn -WhatIf
        Get-Content $env:AWS_CONFIG_FILE -Raw | Should -Be $before
    }
}
