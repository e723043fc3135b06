BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:Old = Join-Path $script:RepoRoot 'tests/Fixtures/metaflow-0.1.0.yml'
    $script:NewId = ',MetaflowAws.Cmdlets.Commands.NewMetaflowStack'
}

Describe 'Test-MetaflowTemplate' {
    It 'finds nothing in the bundled template today' {
        $findings = @(Test-MetaflowTemplate)
        $findings | Should -HaveCount 0 -Because ($findings | Out-String)
    }

    It 'finds the SSL, notebook-platform and image defects (and the rest) in the 0.1.0 template, as objects' {
        $findings = @(Test-MetaflowTemplate $script:Old -Date 2026-12-01)
        $errors = $findings | Where-Object Severity -eq 'Error'
        $warnings = $findings | Where-Object Severity -eq 'Warning'
        # Errors make the deploy or an update fail; warnings weaken it and say the deploy works.
        $errors.Rule | Should -Contain 'DatabaseTlsConfigured'
        $errors.Rule | Should -Contain 'NotebookPlatformSupported'
        $errors.Rule | Should -Contain 'ApiDeploymentFollowsMethods'
        $errors.Rule | Should -Contain 'UnknownAttribute'
        $warnings.Rule | Should -Contain 'MetadataServiceImageCurrent'
        $warnings.Rule | Should -Contain 'EcsCircuitBreaker'
        $errors.Message | ForEach-Object { $_ | Should -Not -BeLike '*the deploy works*' }
        $warnings.Message | ForEach-Object { $_ | Should -BeLike '*work*' }
        $tls = $errors | Where-Object Rule -eq 'DatabaseTlsConfigured'
        $tls.Resource | Should -Be 'MetadataTaskDefinition'
        $tls.Message | Should -Match 'MF_METADATA_DB_SSL_MODE'
        $findings[0].PSObject.Properties.Name | Should -Contain 'Path'
    }

    It 'judges the dated facts on -Date: the bundled template fails once Lambda stops creating its runtime, and warns once its database leaves standard support' {
        $later = @(Test-MetaflowTemplate -Date 2031-03-01)
        ($later | Where-Object Severity -eq 'Error').Rule | Should -Contain 'LambdaRuntimeSupported'
        ($later | Where-Object Severity -eq 'Error').Rule | Should -Not -Contain 'DatabaseVersionSupported'
        ($later | Where-Object Severity -eq 'Warning').Rule | Should -Contain 'DatabaseVersionSupported'
    }

    It 'takes templates from Get-ChildItem by FullName' {
        $copy = Join-Path $script:TestHome 'piped-old.yml'
        Copy-Item $script:Old $copy
        $findings = @(Get-Item $copy | Test-MetaflowTemplate -Date 2026-12-01)
        ($findings | Where-Object Rule -eq 'NotebookPlatformSupported') | Should -Not -BeNullOrEmpty
    }

    It 'says which file is missing, as a non-terminating TemplateNotFound' {
        $r = Test-MetaflowTemplate (Join-Path $script:TestHome 'nope.yml') -ErrorAction SilentlyContinue -ErrorVariable e
        $r | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'TemplateNotFound,MetaflowAws.Cmdlets.Commands.TestMetaflowTemplate'
    }
}

Describe 'New-MetaflowStack -TemplatePath runs the template checks first' {
    It 'refuses the 0.1.0 template with TemplateCheckFailed and sends nothing' {
        Clear-SandboxLog
        { New-MetaflowStack -StackName (New-TestStackName 'old') -TemplatePath $script:Old -ErrorAction Stop } |
            Should -Throw -ErrorId "TemplateCheckFailed$script:NewId"
        (Get-SandboxLog).total | Should -Be 0 -Because "a template that fails its checks sends nothing"
    }

    It 'names each failing check in the error' {
        $err = $null
        try { New-MetaflowStack -StackName (New-TestStackName 'old') -TemplatePath $script:Old -ErrorAction Stop } catch { $err = $_ }
        $err.Exception.Message | Should -Match 'DatabaseTlsConfigured \(MetadataTaskDefinition\)'
        $err.Exception.Message | Should -Match '-Force'
    }

    It 'deploys it anyway with -Force, showing the findings as warnings' {
        $name = New-TestStackName 'oldf'
        try {
            # On PostgreSQL 14: from 15 on, RDS forces TLS, which 0.1.0's metadata service does not use, so its
            # service would never stabilize (Database.Tests.ps1 shows that); 14 lets the create complete.
            $stack = New-MetaflowStack -StackName $name -TemplatePath $script:Old -Force -NoSagemaker -DatabaseEngineVersion 14 -WarningVariable w -WarningAction SilentlyContinue
            $stack.Status | Should -Be 'CREATE_COMPLETE'
            ($w -join "`n") | Should -Match 'NotebookPlatformSupported|DatabaseTlsConfigured'
        } finally {
            Remove-MetaflowStack $name -Confirm:$false -ErrorAction SilentlyContinue
        }
    }
}
