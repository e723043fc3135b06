# The Metaflow UI (issue 15): deployed behind a Cognito login on the user's domain, its users invited, its DNS record
# made, its checks, turned off and on, removed. The sandbox's ACM holds the certificate and its Route 53 the zone.
BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:name = New-TestStackName 'ui'
    $script:zone = "z$([guid]::NewGuid().ToString('N').Substring(0, 8)).example.org"
    $script:domain = "metaflow.$script:zone"
    function New-SandboxCertificate([string] $Domain, [string] $Status = 'ISSUED', [string] $Region = 'us-east-1') {
        (Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/acm/certificates" -ContentType 'application/json' `
            -Body (@{ domainName = $Domain; status = $Status; region = $Region } | ConvertTo-Json)).arn
    }
    function Get-ZoneRecords {
        $z = @((Invoke-RestMethod "$script:SandboxUrl/_sandbox/route53/hosted-zones") | Where-Object name -eq "$script:zone.")
        @($z.records | Where-Object { $_.name -eq "$script:domain." })
    }
    $script:certificate = New-SandboxCertificate "*.$script:zone"
    Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/route53/hosted-zones" -ContentType 'application/json' `
        -Body (@{ name = $script:zone } | ConvertTo-Json) | Out-Null
    $script:ui = @{ EnableUI = $true; UiDomainName = $script:domain; CertificateArn = $script:certificate }
}
AfterAll {
    Remove-MetaflowStack $script:name -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'Metaflow UI settings refused before any call' {
    BeforeEach { Clear-SandboxLog }

    It '<why>: <errorId>, nothing sent' -ForEach @(
        @{ why = '-EnableUI without a domain'; errorId = 'UiSettingsIncomplete'; extra = @{ EnableUI = $true; CertificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' } }
        @{ why = '-EnableUI without a certificate'; errorId = 'UiSettingsIncomplete'; extra = @{ EnableUI = $true; UiDomainName = 'metaflow.example.com' } }
        @{ why = 'a domain with a wildcard'; errorId = 'InvalidUiDomain'; extra = @{ EnableUI = $true; UiDomainName = '*.example.com'; CertificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' } }
        @{ why = 'a certificate of another region'; errorId = 'InvalidCertificateArn'; extra = @{ EnableUI = $true; UiDomainName = 'metaflow.example.com'; CertificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' } }
    ) {
        $e = { New-MetaflowStack -StackName (New-TestStackName 'uibad') -NoSagemaker @extra -Confirm:$false } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike "$errorId,*"
        $e.Exception.Message | Should -Match '-(EnableUI|UiDomainName|CertificateArn)'
        @((Get-SandboxLog).entries).Count | Should -Be 0 -Because 'the settings are checked before any request'
    }

    It 'a certificate that does not cover the domain: CertificateNotUsable after one read call, no stack' {
        $other = New-SandboxCertificate 'other.example.net'
        $e = { New-MetaflowStack -StackName (New-TestStackName 'uibad') -NoSagemaker -EnableUI -UiDomainName $script:domain -CertificateArn $other -Confirm:$false } |
            Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'CertificateNotUsable,*'
        $e.Exception.Message | Should -Match 'other\.example\.net'
        Get-SandboxCalls 'acm:DescribeCertificate' | Should -HaveCount 1
        @((Get-SandboxLog).entries | Where-Object mutating) | Should -HaveCount 0
    }

    It 'a certificate still pending validation: CertificateNotUsable' {
        $pending = New-SandboxCertificate $script:domain 'PENDING_VALIDATION'
        { New-MetaflowStack -StackName (New-TestStackName 'uibad') -NoSagemaker -EnableUI -UiDomainName $script:domain -CertificateArn $pending -Confirm:$false } |
            Should -Throw -ErrorId 'CertificateNotUsable,*'
    }
}

Describe 'Publish-MetaflowStack with the Metaflow UI' {
    It 'creates a stack with the UI and, without -CreateDnsRecord, writes the exact record to create' {
        $pub = New-TestStackName 'uipub'
        try {
            $s = Publish-MetaflowStack -StackName $pub -NoSagemaker @script:ui -Confirm:$false -WarningVariable warn -WarningAction SilentlyContinue
            $s.Status | Should -Be 'CREATE_COMPLETE'
            $s.UiUrl | Should -Be "https://$script:domain/"
            $lb = ($s.Outputs | Where-Object OutputKey -eq 'LoadBalancerUIDNSName').OutputValue
            $zone = ($s.Outputs | Where-Object OutputKey -eq 'LoadBalancerUIZoneID').OutputValue
            ($warn | Out-String) | Should -Match "$([regex]::Escape($script:domain))\. A ALIAS $([regex]::Escape($lb)) \(hosted zone $zone\); outside Route 53: $([regex]::Escape($script:domain))\. CNAME $([regex]::Escape($lb))"
            Get-ZoneRecords | Should -HaveCount 0
        } finally { Remove-MetaflowStack $pub -Confirm:$false -ErrorAction SilentlyContinue }
    }
}

Describe 'A stack with the Metaflow UI' {
    It 'deploys with -EnableUI -CreateDnsRecord: staged template, UI outputs, the alias record made' {
        Clear-SandboxLog
        $script:stack = New-MetaflowStack -StackName $script:name -NoSagemaker @script:ui -CreateDnsRecord -InformationVariable info -WarningVariable warn
        $script:stack.Status | Should -Be 'CREATE_COMPLETE'
        $keys = $script:stack.Outputs.OutputKey
        foreach ($k in 'LoadBalancerUIDNSName', 'LoadBalancerUIZoneID', 'MetaflowUIUrl', 'UIUserPoolId') { $keys | Should -Contain $k }
        $script:stack.UiUrl | Should -Be "https://$script:domain/"
        (Get-SandboxCalls 'cloudformation:CreateStack')[0].detail | Should -BeLike 'TemplateURL=*' -Because 'the template is over the 51,200-byte inline limit'
        $records = Get-ZoneRecords
        $records | Should -HaveCount 1
        $records[0].type | Should -Be 'A'
        $lb = ($script:stack.Outputs | Where-Object OutputKey -eq 'LoadBalancerUIDNSName').OutputValue
        "$($records[0].alias.dnsName)".TrimEnd('.') | Should -Be $lb
        ($info | Out-String) | Should -Match "Created $([regex]::Escape($script:domain)) A ALIAS"
        ($info | Out-String) | Should -Match 'Add-MetaflowUiUser'
        $warn | Should -BeNullOrEmpty
    }

    It 'every route of the load balancer logs in first; port 80 only redirects (as deployed, and as Test-MetaflowStack reads it)' {
        $https = (Invoke-RestMethod "$script:SandboxUrl/_sandbox/stacks/$script:name/resources/ListenerUI").properties
        $https.SslPolicy | Should -Be 'ELBSecurityPolicy-TLS13-1-2-2021-06'
        $https.DefaultActions[0].Type | Should -Be 'authenticate-cognito'
        $http = (Invoke-RestMethod "$script:SandboxUrl/_sandbox/stacks/$script:name/resources/ListenerUIRedirect").properties
        @($http.DefaultActions).Type | Should -Be @('redirect')
        Clear-SandboxLog
        $listener = Test-MetaflowStack -StackName $script:name -SkipConfig | Where-Object Name -eq 'UiListener'
        $listener.Passed | Should -BeTrue -Because $listener.Detail
        $listener.Detail | Should -Match '2 HTTPS route\(s\) on 1 listener\(s\) log in with Cognito first; 1 other listener\(s\) redirect'
        Get-SandboxCalls 'elasticloadbalancing:DescribeRules' | Should -Not -BeNullOrEmpty
    }

    It 'Test-MetaflowStack passes the UI checks, and reports the DNS without failing on it' {
        $checks = Test-MetaflowStack -StackName $script:name -SkipConfig
        foreach ($n in 'UiListener', 'UiServices', 'UiDns') {
            $c = $checks | Where-Object Name -eq $n
            $c | Should -Not -BeNullOrEmpty -Because "the $n check runs for a stack with the UI"
            $c.Passed | Should -BeTrue -Because $c.Detail
        }
        ($checks | Where-Object Name -eq 'UiServices').Detail | Should -Match 'healthy target'
        ($checks | Where-Object Name -eq 'UiDns').Detail | Should -Match ([regex]::Escape($script:domain))
    }

    It 'Add-MetaflowUiUser -WhatIf only looks the user up' {
        Clear-SandboxLog
        Add-MetaflowUiUser -StackName $script:name -Email 'ada@example.com' -WhatIf | Should -BeNullOrEmpty
        Get-SandboxCalls 'cognito-idp:AdminCreateUser' | Should -HaveCount 0
        @((Get-SandboxLog).entries | Where-Object mutating) | Should -HaveCount 0
    }

    It 'Add-MetaflowUiUser invites once: Cognito sends the temporary password, a second call changes nothing' {
        Clear-SandboxLog
        Invoke-RestMethod -Method Delete "$script:SandboxUrl/_sandbox/cognito/messages" | Out-Null
        $first = Add-MetaflowUiUser -StackName $script:name -Email 'Ada@Example.com' -Confirm:$false
        $first.Email | Should -Be 'ada@example.com'
        $first.Added | Should -BeTrue
        $first.Status | Should -Be 'FORCE_CHANGE_PASSWORD'
        $again = Add-MetaflowUiUser -StackName $script:name -Email 'ada@example.com' -Confirm:$false -Verbose 4>&1
        $user = $again | Where-Object { $_.PSObject.TypeNames -contains 'MetaflowAws.Engine.Ui.MetaflowUiUser' }
        $user.Added | Should -BeFalse
        $user.Username | Should -Be $first.Username
        ($again | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) -join "`n" | Should -Match 'already a user'
        Get-SandboxCalls 'cognito-idp:AdminCreateUser' | Should -HaveCount 1
        $messages = @(Invoke-RestMethod "$script:SandboxUrl/_sandbox/cognito/messages")
        $messages | Should -HaveCount 1
        $messages[0].to | Should -Be 'ada@example.com'
        $first.PSObject.Properties.Name | Should -Not -Match '(?i)password|secret' -Because 'the temporary password stays between Cognito and the user'
    }

    It 'Add-MetaflowUiUser refuses an address that is not one, before any call' {
        Clear-SandboxLog
        { Add-MetaflowUiUser -StackName $script:name -Email 'not-an-address' -Confirm:$false } | Should -Throw -ErrorId 'InvalidEmail,*'
        @((Get-SandboxLog).entries).Count | Should -Be 0
    }

    It 'Get-MetaflowUiUser lists the users, or the one asked for' {
        Add-MetaflowUiUser -StackName $script:name -Email 'grace@example.com', 'alan@example.com' -Confirm:$false | Out-Null
        $all = Get-MetaflowUiUser -StackName $script:name
        $all.Email | Should -Be @('ada@example.com', 'alan@example.com', 'grace@example.com')
        (Get-MetaflowUiUser -StackName $script:name -Email 'GRACE@example.com').Email | Should -Be 'grace@example.com'
        Get-MetaflowUiUser -StackName $script:name -Email 'nobody@example.com' | Should -BeNullOrEmpty
    }

    It 'Get-MetaflowStack shows the UI address, and Metaflow''s config gets it as METAFLOW_UI_URL' {
        (Get-MetaflowStack -StackName $script:name).UiUrl | Should -Be "https://$script:domain/"
        (Get-MetaflowStackOutput -StackName $script:name -AsEnvironment)['METAFLOW_UI_URL'] | Should -Be "https://$script:domain/"
        (Get-MetaflowStack -StackName $script:name | Format-Table | Out-String -Width 400) | Should -Match ([regex]::Escape("https://$script:domain/"))
    }

    It 'turning the UI off is refused without -AllowDataReplacement: the user pool and its users would go' {
        Clear-SandboxLog
        $e = { Update-MetaflowStack -StackName $script:name -EnableUI:$false -Confirm:$false -WarningAction SilentlyContinue } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'DataReplacementRefused,*'
        $e.Exception.Message | Should -Match 'UserPoolUI'
        Get-SandboxCalls 'cloudformation:CreateChangeSet' | Should -HaveCount 0
    }

    It 'turns off with -AllowDataReplacement: UI outputs gone, the alias record removed' {
        $s = Update-MetaflowStack -StackName $script:name -EnableUI:$false -AllowDataReplacement -Confirm:$false -WarningAction SilentlyContinue -InformationVariable info
        $s.Status | Should -Be 'UPDATE_COMPLETE'
        $s.Outputs.OutputKey | Should -Not -Contain 'UIUserPoolId'
        $s.UiUrl | Should -BeNullOrEmpty
        Get-ZoneRecords | Should -HaveCount 0
        ($info | Out-String) | Should -Match 'Removed the DNS record'
        { Add-MetaflowUiUser -StackName $script:name -Email 'ada@example.com' -Confirm:$false } | Should -Throw -ErrorId 'FeatureNotDeployed,*'
    }

    It 'turns on again with -EnableUI alone (domain and certificate kept): a new, empty user pool; the record to create is printed' {
        $s = Update-MetaflowStack -StackName $script:name -EnableUI -Confirm:$false -WarningVariable warn -WarningAction SilentlyContinue
        $s.Status | Should -Be 'UPDATE_COMPLETE'
        $s.UiUrl | Should -Be "https://$script:domain/"
        Get-MetaflowUiUser -StackName $script:name | Should -BeNullOrEmpty
        $lb = ($s.Outputs | Where-Object OutputKey -eq 'LoadBalancerUIDNSName').OutputValue
        ($warn | Out-String) | Should -Match "$([regex]::Escape($script:domain))\. A ALIAS $([regex]::Escape($lb))"
        Get-ZoneRecords | Should -HaveCount 0 -Because 'no -CreateDnsRecord this time'
        Update-MetaflowStack -StackName $script:name -CreateDnsRecord -Confirm:$false -InformationVariable info | Out-Null
        Get-ZoneRecords | Should -HaveCount 1
    }

    It 'Remove-MetaflowStack -WhatIf sends only read calls and leaves the record' {
        Clear-SandboxLog
        Remove-MetaflowStack $script:name -WhatIf | Out-Null
        @((Get-SandboxLog).entries | Where-Object mutating) | Should -HaveCount 0
        Get-ZoneRecords | Should -HaveCount 1
    }

    It 'Remove-MetaflowStack removes the stack and the alias record that pointed at it' {
        Remove-MetaflowStack $script:name -Confirm:$false -InformationVariable info
        { Get-MetaflowStack -StackName $script:name } | Should -Throw -ErrorId 'StackNotFound,*'
        Get-ZoneRecords | Should -HaveCount 0
        ($info | Out-String) | Should -Match 'Removed the DNS record'
    }
}
