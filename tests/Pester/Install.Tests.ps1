# Installing the module as PowerShell users do: the packaged module published with PSResourceGet (the script
# build.ps1 Publish runs) to a local file repository, installed with Install-PSResource into an empty user module
# path, used by name in a new session (no Import-Module, no path), then uninstalled. Every child session gets its
# own HOME (and XDG_DATA_HOME below it): the repository registration and the CurrentUser module folder live
# there, not in the machine's profile.
BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:isolated = Join-Path $script:TestHome ('install-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $script:dataHome = New-Item -ItemType Directory -Force (Join-Path $script:isolated '.local/share')
    $script:repo = Join-Path $script:isolated 'psrepo'
    $script:moduleDir = Split-Path $env:METAFLOWAWS_MODULE
    $script:version = (Import-PowerShellDataFile $env:METAFLOWAWS_MODULE).ModuleVersion
    # The user module folder of PowerShell and PSResourceGet on Linux and macOS (CurrentUser scope).
    $script:userModules = Join-Path $script:dataHome 'powershell/Modules'

    # A child pwsh with an empty PSModulePath (PowerShell adds the user, shared and $PSHOME folders itself) and
    # the isolated home; the sandbox's credentials and AWS config files come from this process's environment.
    function Invoke-Isolated([string] $Command) {
        $saved = @{ HOME = $env:HOME; XDG_DATA_HOME = $env:XDG_DATA_HOME; PSModulePath = $env:PSModulePath }
        try {
            $env:HOME = $script:isolated
            $env:XDG_DATA_HOME = $script:dataHome.FullName
            $env:PSModulePath = ''
            # In the isolated folder too: PSResourceGet's NuGet client writes a NuGet/NuGet.Config relative to it.
            Push-Location $script:isolated
            Invoke-ChildPwsh ("`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'`n" + $Command)
        } finally {
            Pop-Location
            $env:HOME = $saved.HOME
            $env:XDG_DATA_HOME = $saved.XDG_DATA_HOME
            $env:PSModulePath = $saved.PSModulePath
        }
    }
}

Describe 'Installing MetaflowAws with PSResourceGet' {
    It 'publishes the packaged module to a local repository (the manifest passes Test-ModuleManifest)' {
        $r = Invoke-Isolated "& '$($script:RepoRoot)/tools/Publish-Module.ps1' -ModuleDir '$($script:moduleDir)' -Repository MetaflowAwsTest -LocalPath '$($script:repo)'"
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match "MetaflowAws $([regex]::Escape($script:version)) published to MetaflowAwsTest"
        Test-Path (Join-Path $script:repo "MetaflowAws.$($script:version).nupkg") | Should -BeTrue
    }

    It 'installs it with Install-PSResource -Scope CurrentUser into the user module folder' {
        $r = Invoke-Isolated "Install-PSResource MetaflowAws -Repository MetaflowAwsTest -Scope CurrentUser -TrustRepository; (Get-InstalledPSResource MetaflowAws).InstalledLocation"
        $r.ExitCode | Should -Be 0 -Because $r.Output
        Test-Path (Join-Path $script:userModules "MetaflowAws/$($script:version)/MetaflowAws.psd1") | Should -BeTrue -Because $r.Output
    }

    It 'is found by name in a new session: every cmdlet listed without Import-Module, help with examples' {
        $expected = (Import-PowerShellDataFile $env:METAFLOWAWS_MODULE).CmdletsToExport
        $r = Invoke-Isolated @'
(Get-Module MetaflowAws) -eq $null
(Get-Command -Module MetaflowAws | Sort-Object Name).Name -join ','
(Get-Command New-MetaflowStack).Source
(Get-Help New-MetaflowStack -Examples | Out-String -Width 200) -match 'EXAMPLE 1'
'@
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $lines = $r.Output.Trim() -split '\r?\n'
        $lines[0] | Should -Be 'True' -Because 'nothing imported the module before Get-Command'
        $lines[1] | Should -Be (($expected | Sort-Object) -join ',')
        $lines[2] | Should -Be 'MetaflowAws'
        $lines[3] | Should -Be 'True' -Because 'the external help ships in the package'
    }

    It 'runs the demo flow from the installed copy against the sandbox' {
        $name = New-TestStackName 'inst'
        $mfHome = Join-Path $script:isolated 'metaflow'
        $r = Invoke-Isolated @"
`$stack = New-MetaflowStack -StackName $name -NoSagemaker -Confirm:`$false
`$stack.Status
`$stack | Export-MetaflowConfig -MetaflowHome '$mfHome'
`$stack | Set-MetaflowApiKey -MetaflowHome '$mfHome'
`$failed = @(`$stack | Test-MetaflowStack -MetaflowHome '$mfHome' | Where-Object { -not `$_.Passed })
'failed checks: ' + `$failed.Count
(Get-Module MetaflowAws).ModuleBase
Remove-MetaflowStack $name -Confirm:`$false
"@
        try {
            $r.ExitCode | Should -Be 0 -Because $r.Output
            $r.Output | Should -Match 'CREATE_COMPLETE'
            $r.Output | Should -Match 'failed checks: 0'
            $r.Output | Should -Match ([regex]::Escape((Join-Path $script:userModules 'MetaflowAws')))
            Test-Path (Join-Path $mfHome 'config.json') | Should -BeTrue
        } finally {
            Remove-MetaflowStack $name -Confirm:$false -ErrorAction SilentlyContinue
        }
    }

    It 'is removed by Uninstall-PSResource' {
        $r = Invoke-Isolated "Uninstall-PSResource MetaflowAws -Scope CurrentUser; @(Get-Module -ListAvailable MetaflowAws).Count"
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output.Trim() | Should -Be '0'
        Test-Path (Join-Path $script:userModules "MetaflowAws/$($script:version)") | Should -BeFalse
    }
}
