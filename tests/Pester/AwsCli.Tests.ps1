# Fidelity: Debian's awscli, an independent client, gets AWS-shaped answers from the sandbox.
BeforeDiscovery { $script:haveCli = Test-Path /usr/bin/aws }

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    function Invoke-Aws {
        $out = & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 --output json @args 2>&1
        if ($LASTEXITCODE) { throw "aws $args failed: $out" }
        if ($out) { ($out | Out-String) | ConvertFrom-Json }
    }
}

Describe 'awscli against the sandbox' -Skip:(-not $script:haveCli) {
    BeforeAll {
        $script:name = New-TestStackName 'cli'
        $script:created = Invoke-Aws cloudformation create-stack --stack-name $script:name --template-body "file://$($script:SmallTemplatePath)" --parameters 'ParameterKey=Env,ParameterValue=prod' --capabilities CAPABILITY_IAM
        Start-Sleep -Milliseconds 500 # the CLI waiter sleeps 30 s after a first IN_PROGRESS answer
        & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 cloudformation wait stack-create-complete --stack-name $script:name
        $script:waitExit = $LASTEXITCODE
    }

    It 'create-stack returns the stack id' {
        $script:created.StackId | Should -BeLike "arn:aws:cloudformation:us-east-1:123456789012:stack/$($script:name)/*"
    }

    It 'the CLI waiter sees CREATE_COMPLETE' { $script:waitExit | Should -Be 0 }

    It 'describe-stacks shows status, parameters and evaluated outputs (Refs, GetAtts, Sub, conditions)' {
        $s = (Invoke-Aws cloudformation describe-stacks --stack-name $script:name).Stacks[0]
        $s.StackStatus | Should -Be 'CREATE_COMPLETE'
        ($s.Parameters | Where-Object ParameterKey -eq 'Env').ParameterValue | Should -Be 'prod'
        $o = @{}; $s.Outputs | ForEach-Object { $o[$_.OutputKey] = $_.OutputValue }
        $o.BucketArn | Should -BeLike "arn:aws:s3:::$($script:name)-bucket-*"
        $o.RoleArn | Should -BeLike "arn:aws:iam::123456789012:role/$($script:name)-Role-*"
        $o.Where | Should -Be ("us-east-1/" + ($o.BucketArn -replace '^arn:aws:s3:::', ''))
        $o.TableName | Should -BeLike "$($script:name)-Table-*"
        $s.Capabilities | Should -Be @('CAPABILITY_IAM')
    }

    It 'describe-stack-events lists per-resource events newest first, with paging' {
        $e = (Invoke-Aws cloudformation describe-stack-events --stack-name $script:name).StackEvents
        $e[0].ResourceStatus | Should -Be 'CREATE_COMPLETE'
        $e[0].LogicalResourceId | Should -Be $script:name
        $e[-1].ResourceStatusReason | Should -Be 'User Initiated'
        # Table depends on Bucket: it starts after the bucket completes.
        $bucketDone = ($e | Where-Object { $_.LogicalResourceId -eq 'Bucket' -and $_.ResourceStatus -eq 'CREATE_COMPLETE' }).Timestamp
        $tableStart = ($e | Where-Object { $_.LogicalResourceId -eq 'Table' -and $_.ResourceStatus -eq 'CREATE_IN_PROGRESS' } | Select-Object -Last 1).Timestamp
        [datetime]$tableStart | Should -BeGreaterOrEqual ([datetime]$bucketDone)
        $page = Invoke-Aws cloudformation describe-stack-events --stack-name $script:name --max-items 2
        $page.StackEvents.Count | Should -Be 2
        $page.NextToken | Should -Not -BeNullOrEmpty
    }

    It 'gives CloudFormation''s errors: ValidationError for a missing stack, AlreadyExistsException, bad parameter values' {
        $out = & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 cloudformation describe-stacks --stack-name nope 2>&1 | Out-String
        $out | Should -Match 'ValidationError.*Stack with id nope does not exist'
        $out = & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 cloudformation create-stack --stack-name $script:name --template-body "file://$($script:SmallTemplatePath)" --capabilities CAPABILITY_IAM 2>&1 | Out-String
        $out | Should -Match "AlreadyExistsException.*Stack \[$($script:name)\] already exists"
        $out = & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 cloudformation create-stack --stack-name x1 --template-body "file://$($script:SmallTemplatePath)" --parameters 'ParameterKey=Env,ParameterValue=qa' --capabilities CAPABILITY_IAM 2>&1 | Out-String
        $out | Should -Match "Parameter 'Env' must be one of AllowedValues"
        $out = & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 cloudformation create-stack --stack-name x2 --template-body "file://$($script:SmallTemplatePath)" 2>&1 | Out-String
        $out | Should -Match 'InsufficientCapabilitiesException.*CAPABILITY_IAM'
    }

    It 'delete-stack removes it; the waiter sees DELETE_COMPLETE' {
        Invoke-Aws cloudformation delete-stack --stack-name $script:name | Out-Null
        Start-Sleep -Milliseconds 500
        & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 cloudformation wait stack-delete-complete --stack-name $script:created.StackId
        $LASTEXITCODE | Should -Be 0
        (Invoke-Aws cloudformation describe-stacks --stack-name $script:created.StackId).Stacks[0].StackStatus | Should -Be 'DELETE_COMPLETE'
    }

    It 'get-caller-identity answers for the sandbox identity (STS)' {
        $id = Invoke-Aws sts get-caller-identity
        $id.Account | Should -Be '123456789012'
        $id.Arn | Should -Be 'arn:aws:iam::123456789012:user/sandbox-admin'
    }
}

# The sandbox's UI services answer an independent client (Debian's awscli, its own botocore) as AWS would.
Describe 'awscli against the sandbox''s UI services (ACM, Route 53, Cognito, ELB)' -Skip:(-not $script:haveCli) {
    BeforeAll {
        $script:uiZone = "cli$([guid]::NewGuid().ToString('N').Substring(0, 8)).example.org"
        $script:uiDomain = "metaflow.$script:uiZone"
        $script:uiCert = (Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/acm/certificates" -ContentType 'application/json' `
            -Body (@{ domainName = $script:uiDomain } | ConvertTo-Json)).arn
        $script:uiZoneId = (Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/route53/hosted-zones" -ContentType 'application/json' `
            -Body (@{ name = $script:uiZone } | ConvertTo-Json)).id
        $script:uiStack = New-MetaflowStack -StackName (New-TestStackName 'cliui') -NoSagemaker -EnableUI -UiDomainName $script:uiDomain -CertificateArn $script:uiCert -WarningAction SilentlyContinue
    }
    AfterAll { if ($script:uiStack) { Remove-MetaflowStack $script:uiStack.StackName -Confirm:$false -ErrorAction SilentlyContinue } }

    It 'acm describe-certificate and list-certificates' {
        $c = (Invoke-Aws acm describe-certificate --certificate-arn $script:uiCert).Certificate
        ($c.DomainName, $c.Status) | Should -Be @($script:uiDomain, 'ISSUED')
        (Invoke-Aws acm list-certificates --certificate-statuses ISSUED).CertificateSummaryList.CertificateArn | Should -Contain $script:uiCert
    }

    It 'route53: the zone by name, an alias record made and listed, a second create refused' {
        (Invoke-Aws route53 list-hosted-zones-by-name --dns-name $script:uiZone --max-items 1).HostedZones[0].Name | Should -Be "$script:uiZone."
        $lb = ($script:uiStack.Outputs | Where-Object OutputKey -eq 'LoadBalancerUIDNSName').OutputValue
        $zone = ($script:uiStack.Outputs | Where-Object OutputKey -eq 'LoadBalancerUIZoneID').OutputValue
        $batch = @{ Changes = @(@{ Action = 'CREATE'; ResourceRecordSet = @{ Name = $script:uiDomain; Type = 'A'; AliasTarget = @{ HostedZoneId = $zone; DNSName = $lb; EvaluateTargetHealth = $false } } }) } | ConvertTo-Json -Depth 6 -Compress
        (Invoke-Aws route53 change-resource-record-sets --hosted-zone-id $script:uiZoneId --change-batch $batch).ChangeInfo.Status | Should -Be 'INSYNC'
        $records = (Invoke-Aws route53 list-resource-record-sets --hosted-zone-id $script:uiZoneId).ResourceRecordSets | Where-Object Name -eq "$script:uiDomain."
        $records.AliasTarget.DNSName.TrimEnd('.') | Should -Be $lb
        $again = & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 route53 change-resource-record-sets --hosted-zone-id $script:uiZoneId --change-batch $batch 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        ($again | Out-String) | Should -Match 'InvalidChangeBatch'
    }

    It 'cognito-idp list-users and elbv2 describe-listeners on the deployed UI' {
        $pool = ($script:uiStack.Outputs | Where-Object OutputKey -eq 'UIUserPoolId').OutputValue
        Add-MetaflowUiUser -StackName $script:uiStack.StackName -Email 'cli@example.com' -Confirm:$false | Out-Null
        (Invoke-Aws cognito-idp list-users --user-pool-id $pool --filter 'email = "cli@example.com"').Users[0].UserStatus | Should -Be 'FORCE_CHANGE_PASSWORD'
        $lbArn = (Invoke-RestMethod "$script:SandboxUrl/_sandbox/stacks/$($script:uiStack.StackName)/resources/LoadBalancerUI").physicalId
        $listeners = (Invoke-Aws elbv2 describe-listeners --load-balancer-arn $lbArn).Listeners
        ($listeners | Where-Object Port -eq 443).DefaultActions[0].Type | Should -Be 'authenticate-cognito'
        ($listeners | Where-Object Port -eq 80).DefaultActions[0].RedirectConfig.Protocol | Should -Be 'HTTPS'
    }
}
