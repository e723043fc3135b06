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

    It '-DisableApiKey on the stack opens the API: the stage moves to a deployment of the open methods' {
        $s = Update-MetaflowStack -StackName $script:name -DisableApiKey -Confirm:$false
        $s.Outputs.OutputKey | Should -Not -Contain 'ApiKeyId'
        $open = Invoke-StackApi $script:stack 'ping'
        $open.Status | Should -Be 200
        $open.Body | Should -Be 'pong'
        (Invoke-StackApi $script:stack 'db').Status | Should -Be 200
    }

    It '-DisableApiKey:$false closes it again, with a new key that works' {
        Update-MetaflowStack -StackName $script:name -DisableApiKey:$false -Confirm:$false | Out-Null
        (Invoke-StackApi $script:stack 'ping').Status | Should -Be 403
        (Invoke-StackApi $script:stack 'ping' $script:key).Status | Should -Be 403 -Because 'the old key was deleted with the stack''s key resources'
        $new = Get-StackApiKey $script:name
        (Invoke-StackApi $script:stack 'ping' $new).Status | Should -Be 200
    }

    It 'the 0.1.0 template, whose one deployment never changes, stays locked after the key is turned off (the defect the new template fixes)' {
        $script:oldName = New-TestStackName 'togold'
        $s = New-MetaflowStack -StackName $script:oldName -TemplatePath $script:old -Force -NoSagemaker -DatabaseEngineVersion 14 -WarningAction SilentlyContinue
        $key = Get-StackApiKey $script:oldName
        (Invoke-StackApi $s 'ping' $key).Status | Should -Be 200
        Update-MetaflowStack -StackName $script:oldName -DisableApiKey -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        (Invoke-StackApi $s 'ping').Status | Should -Be 403 -Because 'the stage still serves the snapshot that requires a key, and the key is gone'
    }
}
