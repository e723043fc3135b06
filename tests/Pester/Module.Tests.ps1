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
}
