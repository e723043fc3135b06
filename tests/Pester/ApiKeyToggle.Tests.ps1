BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:name = New-TestStackName 'tog'
    $script:stack = New-MetaflowStack -StackName $script:name -NoSagemaker
    $script:old = Join-Path $script:RepoRoot 'tests/Fixtures/metaflow-0.1.0.yml'
}
AfterAll {
    Remove-MetaflowStack $script:name -Confirm:$false -ErrorAction SilentlyContinue
    if ($script:oldName) { Remove-MetaflowStack $script:oldName -Confirm:$false -ErrorAction SilentlyContinue }
}

# API Gateway serves a stage's deployment, a snapshot of the methods taken when the deployment was created:
# a method changed later is not what clients see until the stage points at a new deployment.
Describe 'Turning the API key off and on reaches the API' {
    It 'with the key on (the default), the API refuses a call without the key and answers one with it' {
        $script:key = Get-StackApiKey $script:name
        (Invoke-StackApi $script:stack 'ping').Status | Should -Be 403
        $ok = Invoke-StackApi $script:stack 'ping' $script:key
        $ok.Status | Should -Be 200
        $ok.Body | Should -Be 'pong'
    }

    It '-DisableApiKey without -ApiAllowedCidr is refused before anything is sent: the API would be open to the internet' {
        { Update-MetaflowStack -StackName $script:name -DisableApiKey -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidParameter,*' -ExpectedMessage '*open to anyone on the internet*-ApiAllowedCidr*'
        (Get-MetaflowStack $script:name).Parameters['APIBasicAuth'] | Should -Be 'true'
    }

    It '-DisableApiKey with -ApiAllowedCidr opens the API to the allowed sources: the stage moves to a deployment of the open methods' {
        $s = Update-MetaflowStack -StackName $script:name -DisableApiKey -ApiAllowedCidr 127.0.0.1/32 -Confirm:$false
        $s.Outputs.OutputKey | Should -Not -Contain 'ApiKeyId'
        $open = Invoke-StackApi $script:stack 'ping'
        $open.Status | Should -Be 200
        $open.Body | Should -Be 'pong'
        (Invoke-StackApi $script:stack 'db').Status | Should -Be 200
    }

    It 'refuses a caller outside the allow-list, with or without a key: the changed policy reaches the stage' {
        Update-MetaflowStack -StackName $script:name -ApiAllowedCidr 10.9.0.0/16, 192.0.2.0/24 -Confirm:$false | Out-Null
        $refused = Invoke-StackApi $script:stack 'ping'
        $refused.Status | Should -Be 403
        $refused.Body | Should -Match 'not authorized'
        Update-MetaflowStack -StackName $script:name -ApiAllowedCidr 10.9.0.0/16, 127.0.0.0/8 -Confirm:$false | Out-Null
        (Invoke-StackApi $script:stack 'ping').Status | Should -Be 200 -Because '127.0.0.1 is inside 127.0.0.0/8'
    }

    It '-DisableApiKey:$false closes it again, with a new key that works (inside the allow-list)' {
        Update-MetaflowStack -StackName $script:name -DisableApiKey:$false -Confirm:$false | Out-Null
        (Invoke-StackApi $script:stack 'ping').Status | Should -Be 403
        (Invoke-StackApi $script:stack 'ping' $script:key).Status | Should -Be 403 -Because 'the old key was deleted with the stack''s key resources'
        $new = Get-StackApiKey $script:name
        (Invoke-StackApi $script:stack 'ping' $new).Status | Should -Be 200
    }

    It 'with the key on, a caller outside the allow-list is refused even with the key' {
        Update-MetaflowStack -StackName $script:name -ApiAllowedCidr 192.0.2.0/24 -Confirm:$false | Out-Null
        (Invoke-StackApi $script:stack 'ping' (Get-StackApiKey $script:name)).Status | Should -Be 403
    }

    It 'the 0.1.0 template, whose one deployment never changes, stays locked after the key is turned off (the defect the new template fixes)' {
        $script:oldName = New-TestStackName 'togold'
        $s = New-MetaflowStack -StackName $script:oldName -TemplatePath $script:old -Force -NoSagemaker -DatabaseEngineVersion 14 -WarningAction SilentlyContinue
        $key = Get-StackApiKey $script:oldName
        (Invoke-StackApi $s 'ping' $key).Status | Should -Be 200
        # 0.1.0 has no allow-list parameter: its open API is what that template does.
        Update-MetaflowStack -StackName $script:oldName -DisableApiKey -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        (Invoke-StackApi $s 'ping').Status | Should -Be 403 -Because 'the stage still serves the snapshot that requires a key, and the key is gone'
    }
}
