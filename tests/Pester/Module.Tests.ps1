BeforeAll { . "$PSScriptRoot/Common.ps1" }

Describe 'MetaflowAws module' {
    It 'exports the cmdlets of the manifest, each from its own class' {
        $module = Get-Module MetaflowAws
        $module.Version | Should -Be ([version](Import-PowerShellDataFile $env:METAFLOWAWS_MODULE).ModuleVersion)
        $module.ExportedCmdlets.Keys | Should -Contain 'New-MetaflowStack'
        $module.ExportedCmdlets.Keys | Should -Contain 'Get-MetaflowStackOutput'
        foreach ($c in $module.ExportedCmdlets.Values) {
            $c.ImplementingType.Name | Should -Be ($c.Name -replace '-', '')
        }
    }

    It 'loads the engine and AWSSDK into their own load context, not the default one' {
        Get-MetaflowStack -All | Out-Null
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'MetaflowAws.Engine' }
        $ctx = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine[0])
        $ctx.Name | Should -Be 'MetaflowAws.Dependencies'
        $sdk = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AWSSDK.Core' -and $_.GetName().Version.Major -eq 4 }
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($sdk[0]).Name | Should -Be 'MetaflowAws.Dependencies'
    }

    It 'works in a session that already loaded a different AWSSDK.Core (3.7)' {
        $old = Join-Path ((dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim() 'awssdk.core/3.7.402/lib/netcoreapp3.1/AWSSDK.Core.dll'
        Test-Path $old | Should -BeTrue
        $name = New-TestStackName 'alc'
        $r = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$old'
'preloaded ' + [Amazon.Runtime.AWSCredentials].Assembly.GetName().Version
Import-Module '$($env:METAFLOWAWS_MODULE)'
`$s = New-MetaflowStack -StackName $name -TemplatePath '$($script:SmallTemplatePath)'
'status ' + `$s.Status
Remove-MetaflowStack $name -Confirm:`$false
'default-context AWSSDK.Core ' + [Amazon.Runtime.AWSCredentials].Assembly.GetName().Version
"@
        $r.Output | Should -Match 'preloaded 3\.3\.0\.0'
        $r.Output | Should -Match 'status CREATE_COMPLETE'
        $r.Output | Should -Match 'default-context AWSSDK.Core 3\.3\.0\.0'
        $r.ExitCode | Should -Be 0
    }

    It 'does not load the engine at import (it loads on first use)' {
        $r = Invoke-ChildPwsh @"
Import-Module '$($env:METAFLOWAWS_MODULE)'
'engine loaded: ' + [bool]([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'MetaflowAws.Engine' })
"@
        $r.Output | Should -Match 'engine loaded: False'
    }

    It 'is found and autoloaded from $env:PSModulePath without Import-Module (the manifest names every cmdlet)' {
        # PowerShell finds commands of a module it has not imported from the manifest's CmdletsToExport;
        # with a wildcard or no list it would have to load the assembly, which cannot resolve the engine then.
        # A copy in a folder of its own, as a user installs it (out/ may hold other copies, e.g. the bench's).
        $modules = Join-Path $TestDrive 'modules'
        $versionDir = Split-Path $env:METAFLOWAWS_MODULE
        New-Item -ItemType Directory -Force "$modules/MetaflowAws" | Out-Null
        Copy-Item $versionDir "$modules/MetaflowAws/$(Split-Path $versionDir -Leaf)" -Recurse
        $home_ = Join-Path $TestDrive 'autoload-home'
        $r = Invoke-ChildPwsh @"
`$env:PSModulePath = '$modules'
`$env:PSModuleAnalysisCachePath = '$(Join-Path $TestDrive 'autoload-analysis-cache')'
'listed: ' + (Get-Module -ListAvailable MetaflowAws).ExportedCmdlets.Count
'imported before use: ' + [bool](Get-Module MetaflowAws)
try { Get-MetaflowConfig -MetaflowHome '$home_' -ErrorAction Stop } catch { 'ran: ' + `$_.FullyQualifiedErrorId }
'imported after use: ' + [bool](Get-Module MetaflowAws)
'found in: ' + (Get-Command New-MetaflowStack -ErrorAction Stop).Source
"@
        $r.Output | Should -Match 'imported before use: False'
        $r.Output | Should -Match 'ran: ConfigNotFound,MetaflowAws.Cmdlets.Commands.GetMetaflowConfig'
        $r.Output | Should -Match 'imported after use: True'
        $r.Output | Should -Match 'found in: MetaflowAws'
        $all = (Get-Module MetaflowAws).ExportedCmdlets.Count
        $r.Output | Should -Match "listed: $all\b"
    }
}
