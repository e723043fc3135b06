BeforeAll { . "$PSScriptRoot/Common.ps1" }

Describe 'Sandbox signature checks' {
    It 'rejects an unsigned request with 403 MissingAuthenticationToken' {
        $r = Invoke-WebRequest -Method Post -Uri $script:SandboxUrl -Body 'Action=DescribeStacks&Version=2010-05-15' -ContentType 'application/x-www-form-urlencoded' -SkipHttpErrorCheck
        $r.StatusCode | Should -Be 403
        ([xml]$r.Content).ErrorResponse.Error.Code | Should -Be 'MissingAuthenticationToken'
    }

    It 'rejects a tampered signature with 403 SignatureDoesNotMatch' {
        $date = (Get-Date).ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'")
        $auth = "AWS4-HMAC-SHA256 Credential=AKIAMETAFLOWSANDBOX1/$($date.Substring(0, 8))/us-east-1/cloudformation/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + ('0' * 64)
        $r = Invoke-WebRequest -Method Post -Uri $script:SandboxUrl -Body 'Action=DescribeStacks&Version=2010-05-15' -ContentType 'application/x-www-form-urlencoded' `
            -Headers @{ Authorization = $auth; 'X-Amz-Date' = $date } -SkipHttpErrorCheck -SkipHeaderValidation
        $r.StatusCode | Should -Be 403
        ([xml]$r.Content).ErrorResponse.Error.Code | Should -Be 'SignatureDoesNotMatch'
    }

    It 'rejects an unknown access key with InvalidClientTokenId' {
        { Get-MetaflowStack -AccessKey AKIAUNKNOWNKEY000000 -SecretKey x -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidCredentials,*' -ExpectedMessage '*InvalidClientTokenId*'
    }

    It 'accepted every request the module sent in a full create, read and delete' {
        Clear-SandboxLog
        $name = New-TestStackName 'sig'
        New-MetaflowStack -StackName $name | Get-MetaflowStackOutput | Out-Null
        Get-MetaflowStackEvent $name -First 5 | Out-Null
        Remove-MetaflowStack $name -Confirm:$false
        $log = Get-SandboxLog
        $log.total | Should -BeGreaterThan 4
        $log.rejected | Should -Be 0
        $log.byAction.'cloudformation:CreateStack' | Should -Be 1
        $log.byAction.'cloudformation:DeleteStack' | Should -Be 1
    }
}
