BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    # v2.3.11 carries the schema up to migration 20220503175500; v2.4.0 and later (v2.5.1) add 20230118020300
    # (metaflow-service migration_files at those tags). The sandbox's migration service answers from that.
    $script:oldImage = 'netflixoss/metaflow_metadata_service:v2.3.11'
    $script:newImage = 'netflixoss/metaflow_metadata_service:v2.5.1'
    $script:name = New-TestStackName 'mig'
    # Made before the module refused images below the dated facts' floor (2.5.1), as users' older stacks were.
    $script:stack = New-ForeignStack $script:name (Get-Content (Join-Path $script:RepoRoot 'template/metaflow.yml') -Raw) @{ EnableSagemaker = 'false'; MetadataServiceImage = $script:oldImage }
    $script:function = ($script:stack.Outputs | Where-Object OutputKey -eq 'MigrationFunctionName').OutputValue
}
AfterAll {
    Clear-SandboxFaults
    Remove-MetaflowStack $script:name -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'Invoke-MetaflowDbMigration' {
    It 'reads the schema with -StatusOnly: one Lambda Invoke, nothing else changed' {
        $script:function | Should -Not -BeNullOrEmpty
        Clear-SandboxLog
        $r = Invoke-MetaflowDbMigration -StackName $script:name -StatusOnly
        $r.Action | Should -Be 'Status'
        $r.FunctionName | Should -Be $script:function
        $r.IsUpToDate | Should -BeTrue -Because 'the first start of v2.3.11 migrated the empty database to its own newest schema'
        $r.Before.CurrentVersion | Should -Be 20220503175500
        $r.After | Should -BeNullOrEmpty
        $calls = Get-SandboxCalls
        @($calls | Where-Object { $_.service -eq 'lambda' }).action | Should -Be @('Invoke')
        @($calls | Where-Object { $_.mutating -and $_.service -ne 'lambda' }) | Should -BeNullOrEmpty
    }

    It 'sends nothing but reads with -WhatIf' {
        Clear-SandboxLog
        $r = Invoke-MetaflowDbMigration -StackName $script:name -WhatIf
        $r | Should -BeNullOrEmpty
        @(Get-SandboxCalls | Where-Object mutating) | Should -BeNullOrEmpty
        @(Get-SandboxCalls 'lambda:Invoke') | Should -BeNullOrEmpty
    }

    It 'Update-MetaflowStack to a newer image upgrades the schema once the update completes' {
        # Before the update, the public API's read-only route reports the schema of the running image.
        $key = Get-StackApiKey $script:name
        (Invoke-StackApi $script:stack 'db' $key).Body | ConvertFrom-Json | ForEach-Object { $_.is_up_to_date | Should -BeTrue }
        Clear-SandboxLog
        $updated = Update-MetaflowStack -StackName $script:name -MetadataServiceImage $script:newImage -Confirm:$false -InformationVariable info
        $updated.Status | Should -Be 'UPDATE_COMPLETE'
        $all = @(Get-SandboxCalls | ForEach-Object { "$($_.service):$($_.action)" })
        @($all | Where-Object { $_ -eq 'lambda:Invoke' }).Count | Should -Be 1
        $all | Should -Contain 'cloudformation:ExecuteChangeSet'
        [array]::IndexOf($all, 'lambda:Invoke') | Should -BeGreaterThan ([array]::IndexOf($all, 'cloudformation:ExecuteChangeSet')) -Because 'the upgrade runs once the new image is deployed'
        ($info | Out-String) | Should -Match 'up to date \(version 20230118020300\)'
        $status = Invoke-MetaflowDbMigration -StackName $script:name -StatusOnly
        $status.Before.CurrentVersion | Should -Be 20230118020300
        $status.IsUpToDate | Should -BeTrue
        $db = (Invoke-StackApi $script:stack 'db' $key).Body | ConvertFrom-Json
        $db.current_version | Should -Be 20230118020300
        $db.unapplied_migrations | Should -BeNullOrEmpty
    }

    It 'an update that keeps the image does not invoke the function' {
        Clear-SandboxLog
        Update-MetaflowStack -StackName $script:name -LogRetentionDays 14 -Confirm:$false | Out-Null
        @(Get-SandboxCalls 'lambda:Invoke') | Should -BeNullOrEmpty
    }

    It 'a failed upgrade is an error with the MigrationFailed id and what the migration service said' {
        Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/faults/migration" -Body (@{ functionName = $script:function } | ConvertTo-Json) -ContentType 'application/json' | Out-Null
        try {
            $r = Invoke-MetaflowDbMigration -StackName $script:name -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e
            $r | Should -BeNullOrEmpty
            $e.Count | Should -Be 1
            $e[0].FullyQualifiedErrorId | Should -BeLike 'MigrationFailed,*'
            $e[0].Exception.Message | Should -Match "500 'upgrade failed'"
            $e[0].Exception.Message | Should -Match "Invoke-MetaflowDbMigration -StackName $($script:name)"
        }
        finally { Clear-SandboxFaults }
    }

    It 'an upgrade when the schema is current succeeds and changes nothing' {
        $r = Invoke-MetaflowDbMigration -StackName $script:name -Confirm:$false
        $r.Action | Should -Be 'Upgrade'
        $r.Before.CurrentVersion | Should -Be 20230118020300
        $r.After.CurrentVersion | Should -Be 20230118020300
        $r.IsUpToDate | Should -BeTrue
    }

    It '-SkipDbMigration leaves the schema and says how to upgrade it' {
        Clear-SandboxLog
        Update-MetaflowStack -StackName $script:name -MetadataServiceImage 'netflixoss/metaflow_metadata_service:v2.5.2' -SkipDbMigration -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue | Out-Null
        @(Get-SandboxCalls 'lambda:Invoke') | Should -BeNullOrEmpty
        ($w | Out-String) | Should -Match "Invoke-MetaflowDbMigration -StackName $($script:name)"
    }

    It 'a stack that does not exist: StackNotFound, and no Invoke' {
        Clear-SandboxLog
        Invoke-MetaflowDbMigration -StackName 'no-such-stack-mig' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e
        $e[0].FullyQualifiedErrorId | Should -BeLike 'StackNotFound,*'
        @(Get-SandboxCalls 'lambda:Invoke') | Should -BeNullOrEmpty
    }
}
