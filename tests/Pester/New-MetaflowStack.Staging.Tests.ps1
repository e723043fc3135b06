# Templates over CloudFormation's 51,200-byte inline limit go through an S3 staging bucket.
BeforeDiscovery { $script:haveCli = Test-Path /usr/bin/aws }

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:Cmd = 'MetaflowAws.Cmdlets.Commands.NewMetaflowStack'
    $script:DefaultBucket = 'metaflowaws-templates-123456789012-us-east-1'

    # The small template, padded past the limit with notes in its Metadata (still valid YAML).
    $notes = 1..700 | ForEach-Object { "    - 'note $_ " + ('x' * 80) + "'" }
    $script:BigTemplatePath = Join-Path $script:TestHome 'big.yml'
    Set-Content $script:BigTemplatePath ($script:SmallTemplate.TrimEnd() + "`nMetadata:`n  Notes:`n" + ($notes -join "`n") + "`n")
    (Get-Item $script:BigTemplatePath).Length | Should -BeGreaterThan 51200

    function Get-SandboxBucket([string] $Name) {
        (Invoke-RestMethod "$script:SandboxUrl/_sandbox/s3/buckets") | Where-Object name -eq $Name
    }
    function New-SandboxBucket([string] $Name, [switch] $Foreign) {
        $path = if ($Foreign) { 'foreign-bucket' } else { 'buckets' }
        Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/s3/$path" -Body (@{ name = $Name } | ConvertTo-Json) -ContentType 'application/json' | Out-Null
    }
    function Get-Calls($Log, [string] $Action) { @($Log.entries | Where-Object { "$($_.service):$($_.action)" -eq $Action }) }

    # Start from an account without the staging bucket, whatever ran before.
    Invoke-RestMethod -Method Delete "$script:SandboxUrl/_sandbox/s3/buckets/$script:DefaultBucket" | Out-Null
    $script:Stacks = [System.Collections.Generic.List[string]]::new()
}

AfterAll {
    foreach ($s in $script:Stacks) { Remove-MetaflowStack -StackName $s -Confirm:$false -ErrorAction SilentlyContinue }
}

Describe 'New-MetaflowStack with a template over 51,200 bytes' {
    Context 'the default staging bucket' {
        BeforeAll {
            $script:first = New-TestStackName 'big'
            $script:Stacks.Add($script:first)
            Clear-SandboxLog
            $out = New-MetaflowStack -StackName $script:first -TemplatePath $script:BigTemplatePath -Verbose 4>&1
            $script:stack = $out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
            $script:verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $script:log = Get-SandboxLog
        }

        It 'uploads the template, then creates the stack from its TemplateURL' {
            $script:stack.Status | Should -Be 'CREATE_COMPLETE'
            $put = Get-Calls $script:log 's3:PutObject'
            $put.Count | Should -Be 1
            $put[0].status | Should -Be 200
            $put[0].detail | Should -BeLike "$script:DefaultBucket/templates/$($script:first)/*.yml"
            $create = Get-Calls $script:log 'cloudformation:CreateStack'
            $create.Count | Should -Be 1
            $create[0].detail | Should -Be "TemplateURL=https://$script:DefaultBucket.s3.us-east-1.amazonaws.com/$($put[0].detail.Substring($script:DefaultBucket.Length + 1))"
            $entries = @($script:log.entries)
            [array]::IndexOf($entries, $put[0]) | Should -BeLessThan ([array]::IndexOf($entries, $create[0]))
        }

        It 'creates the default bucket once: SSE-S3, all public access blocked, ACLs disabled, templates expiring' {
            (Get-Calls $script:log 's3:CreateBucket').Count | Should -Be 1
            foreach ($a in 's3:PutBucketEncryption', 's3:PutPublicAccessBlock', 's3:PutBucketLifecycleConfiguration') {
                (Get-Calls $script:log $a).status | Should -Be 200 -Because "$a configures the new bucket"
            }
            $b = Get-SandboxBucket $script:DefaultBucket
            $b.ownerAccount | Should -Be '123456789012'
            $b.encryption | Should -Be 'AES256'
            $b.objectOwnership | Should -Be 'BucketOwnerEnforced'
            $b.publicAccessBlock.PSObject.Properties.Value | Should -Be @($true, $true, $true, $true)
            $b.lifecycle | Should -Match '<Prefix>templates/</Prefix>'
            $b.lifecycle | Should -Match '<Expiration><Days>7</Days></Expiration>'
        }

        It 'the bucket''s settings read back through awscli' -Skip:(-not $script:haveCli) {
            $cli = { param($op) & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 --output json s3api $op --bucket $script:DefaultBucket | ConvertFrom-Json }
            $lc = & $cli get-bucket-lifecycle-configuration
            $lc.Rules[0].Filter.Prefix | Should -Be 'templates/'
            $lc.Rules[0].Expiration.Days | Should -Be 7
            (& $cli get-bucket-encryption).ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm | Should -Be 'AES256'
            $pab = (& $cli get-public-access-block).PublicAccessBlockConfiguration
            @($pab.BlockPublicAcls, $pab.IgnorePublicAcls, $pab.BlockPublicPolicy, $pab.RestrictPublicBuckets) | Should -Be @($true, $true, $true, $true)
            (& $cli get-bucket-ownership-controls).OwnershipControls.Rules[0].ObjectOwnership | Should -Be 'BucketOwnerEnforced'
        }

        It 'says with -Verbose where the template was staged' {
            $script:verbose | Where-Object { $_ -like "Creating the template staging bucket $script:DefaultBucket in us-east-1*" } | Should -Not -BeNullOrEmpty
            $staged = $script:verbose | Where-Object { $_ -like 'Template staged at *' }
            $staged | Should -BeLike "Template staged at s3://$script:DefaultBucket/templates/$($script:first)/*.yml; CloudFormation reads it from https://$script:DefaultBucket.s3.us-east-1.amazonaws.com/templates/*"
        }

        It 'reuses the bucket for the next deploy: no second CreateBucket' {
            $name = New-TestStackName 'big2'
            $script:Stacks.Add($name)
            Clear-SandboxLog
            (New-MetaflowStack -StackName $name -TemplatePath $script:BigTemplatePath).Status | Should -Be 'CREATE_COMPLETE'
            $log = Get-SandboxLog
            (Get-Calls $log 's3:CreateBucket').Count | Should -Be 0
            (Get-Calls $log 's3:HeadBucket').status | Should -Be 200
            (Get-Calls $log 's3:PutObject').detail | Should -BeLike "$script:DefaultBucket/templates/$name/*.yml"
        }

        It 're-deploying the same template reuses the staged object (content-addressed key)' {
            $before = (Get-Calls $script:log 'cloudformation:CreateStack')[0].detail
            Remove-MetaflowStack -StackName $script:first -Confirm:$false | Out-Null
            Clear-SandboxLog
            (New-MetaflowStack -StackName $script:first -TemplatePath $script:BigTemplatePath).Status | Should -Be 'CREATE_COMPLETE'
            $log = Get-SandboxLog
            (Get-Calls $log 's3:PutObject').Count | Should -Be 0
            (Get-Calls $log 's3:HeadObject').status | Should -Be 200
            (Get-Calls $log 'cloudformation:CreateStack')[0].detail | Should -Be $before
        }
    }

    Context '-TemplateBucket' {
        It 'stages in a bucket of the account' {
            $bucket = 'own-' + [guid]::NewGuid().ToString('N').Substring(0, 10)
            New-SandboxBucket $bucket
            $name = New-TestStackName 'own'
            $script:Stacks.Add($name)
            Clear-SandboxLog
            (New-MetaflowStack -StackName $name -TemplatePath $script:BigTemplatePath -TemplateBucket $bucket).Status | Should -Be 'CREATE_COMPLETE'
            $log = Get-SandboxLog
            (Get-Calls $log 's3:CreateBucket').Count | Should -Be 0
            (Get-Calls $log 's3:PutObject').detail | Should -BeLike "$bucket/templates/$name/*.yml"
            (Get-Calls $log 'cloudformation:CreateStack').detail | Should -BeLike "TemplateURL=https://$bucket.s3.us-east-1.amazonaws.com/templates/$name/*"
        }

        It 'refuses a bucket owned by another account: StagingBucketNotOwned, nothing uploaded, no stack' {
            $bucket = 'foreign-' + [guid]::NewGuid().ToString('N').Substring(0, 10)
            New-SandboxBucket $bucket -Foreign
            $name = New-TestStackName 'foreign'
            Clear-SandboxLog
            { New-MetaflowStack -StackName $name -TemplatePath $script:BigTemplatePath -TemplateBucket $bucket -ErrorAction Stop } |
                Should -Throw -ErrorId "StagingBucketNotOwned,$script:Cmd" -ExpectedMessage "*-TemplateBucket '$bucket' is not owned by your account 123456789012*"
            $log = Get-SandboxLog
            (Get-Calls $log 's3:HeadBucket').status | Should -Be 403
            (Get-Calls $log 's3:PutObject').Count | Should -Be 0
            (Get-Calls $log 'cloudformation:CreateStack').Count | Should -Be 0
            (Get-SandboxBucket $bucket).keys | Should -Be 0
        }

        It 'names a -TemplateBucket that does not exist' {
            Clear-SandboxLog
            { New-MetaflowStack -StackName (New-TestStackName 'nob') -TemplatePath $script:BigTemplatePath -TemplateBucket 'no-such-bucket-anywhere' -ErrorAction Stop } |
                Should -Throw -ErrorId "TemplateBucketNotFound,$script:Cmd" -ExpectedMessage "-TemplateBucket 'no-such-bucket-anywhere' does not exist*"
            (Get-Calls (Get-SandboxLog) 'cloudformation:CreateStack').Count | Should -Be 0
        }

        It 'refuses an invalid bucket name before any call' {
            Clear-SandboxLog
            { New-MetaflowStack -StackName (New-TestStackName 'bad') -TemplatePath $script:BigTemplatePath -TemplateBucket 'My_Templates' -ErrorAction Stop } |
                Should -Throw -ErrorId "InvalidTemplateBucket,$script:Cmd" -ExpectedMessage "-TemplateBucket 'My_Templates' is not a valid S3 bucket name*"
            (Get-SandboxLog).total | Should -Be 0
        }
    }

    Context '-WhatIf' {
        It 'says it would upload to the staging bucket, and changes nothing (it only reads whether the stack exists)' {
            Clear-SandboxLog
            $r = Invoke-ChildPwsh "Import-Module '$env:METAFLOWAWS_MODULE'; New-MetaflowStack -StackName whatif-big -TemplatePath '$script:BigTemplatePath' -WhatIf"
            $r.ExitCode | Should -Be 0
            $r.Output | Should -Match 'What if: .*Upload the template \([\d,.]+ bytes, over CloudFormation''s [\d,.]+-byte inline limit\) to s3://metaflowaws-templates-<account>-us-east-1/templates/whatif-big/[0-9a-f]{64}\.yml \(the bucket is created if missing\), then create stack'
            $log = Get-SandboxLog
            $log.mutating | Should -Be 0
            @($log.entries | Where-Object service -ne 'cloudformation') | Should -BeNullOrEmpty -Because 'no STS or S3 call under -WhatIf'
            $log.byAction.PSObject.Properties.Name | Should -Be @('cloudformation:DescribeStacks')
        }
    }
}

Describe 'New-MetaflowStack with a template under the limit' {
    It 'sends the body inline and never touches S3, even with -TemplateBucket' {
        $name = New-TestStackName 'small'
        $script:Stacks.Add($name)
        Clear-SandboxLog
        (New-MetaflowStack -StackName $name -TemplatePath $script:SmallTemplatePath -TemplateBucket 'some-bucket-of-mine').Status | Should -Be 'CREATE_COMPLETE'
        $log = Get-SandboxLog
        @($log.entries | Where-Object service -in 's3', 'sts') | Should -BeNullOrEmpty
        (Get-Calls $log 'cloudformation:CreateStack').detail | Should -Be 'TemplateBody'
    }
}
