BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:name = New-TestStackName 'get'
    $script:other = New-TestStackName 'other'
    New-MetaflowStack -StackName $script:name -NoSagemaker | Out-Null
    New-MetaflowStack -StackName $script:other -TemplatePath $script:SmallTemplatePath | Out-Null
}
AfterAll {
    Remove-MetaflowStack $script:name -Confirm:$false -ErrorAction SilentlyContinue
    Remove-MetaflowStack $script:other -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'Get-MetaflowStack' {
    It 'gets one stack by name, with what it was reached with' {
        $s = Get-MetaflowStack -StackName $script:name
        $s.StackName | Should -Be $script:name
        $s.StackId | Should -BeLike "arn:aws:cloudformation:us-east-1:123456789012:stack/$($script:name)/*"
        $s.Region | Should -Be 'us-east-1'
        $s.EndpointUrl | Should -Be $script:SandboxUrl
        $s.CreationTime | Should -BeOfType [datetime]
        $s.Parameters['EnableSagemaker'] | Should -Be 'false'
    }

    It 'lists the Metaflow stacks of the region, and every stack with -All' {
        $metaflow = Get-MetaflowStack
        $metaflow.StackName | Should -Contain $script:name
        $all = Get-MetaflowStack -All
        $all.StackName | Should -Contain $script:name
        $all.StackName | Should -Contain $script:other
    }

    It 'marks only stacks of the Metaflow template as Metaflow stacks' {
        (Get-MetaflowStack $script:name).IsMetaflowStack | Should -BeTrue
        (Get-MetaflowStack -All | Where-Object StackName -eq $script:other).Description | Should -BeNullOrEmpty
    }

    It 'writes a non-terminating StackNotFound error per missing name and goes on' {
        $found = Get-MetaflowStack -StackName 'no-such-stack', $script:name -ErrorVariable err -ErrorAction SilentlyContinue
        $found.StackName | Should -Be $script:name
        $err[0].FullyQualifiedErrorId | Should -Be 'StackNotFound,MetaflowAws.Cmdlets.Commands.GetMetaflowStack'
        $err[0].TargetObject | Should -Be 'no-such-stack'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'takes stack names from the pipeline' {
        ($script:name, $script:other | Get-MetaflowStack).StackName | Should -Be @($script:name, $script:other)
    }

    It 'rejects a wrong secret with InvalidCredentials' {
        { Get-MetaflowStack -StackName $script:name -AccessKey AKIAMETAFLOWSANDBOX1 -SecretKey 'wrong' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidCredentials,MetaflowAws.Cmdlets.Commands.GetMetaflowStack' -ExpectedMessage '*SignatureDoesNotMatch*'
    }

    It 'names the missing region and how to give one' {
        $saved = $env:AWS_REGION
        try {
            Remove-Item Env:AWS_REGION
            { Get-MetaflowStack -ErrorAction Stop } | Should -Throw -ErrorId 'NoRegion,MetaflowAws.Cmdlets.Commands.GetMetaflowStack' -ExpectedMessage '*-Region*AWS_REGION*'
        } finally { $env:AWS_REGION = $saved }
    }

    It 'names an unknown profile and lists the known ones' {
        { Get-MetaflowStack -ProfileName nope -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProfileNotFound,MetaflowAws.Cmdlets.Commands.GetMetaflowStack' -ExpectedMessage "*'nope'*known*"
    }

    It 'reaches the stack with a profile from the shared files, and says so on the object' {
        $saved = $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY
        try {
            Remove-Item Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY
            $s = Get-MetaflowStack -StackName $script:name -ProfileName known
            $s.ProfileName | Should -Be 'known'
        } finally { $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY = $saved }
    }
}
