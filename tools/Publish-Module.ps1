#Requires -Version 7.4
<#
.SYNOPSIS
    Publishes a packaged MetaflowAws module (out/MetaflowAws/<version>) with PSResourceGet.
.DESCRIPTION
    To -Repository, a registered PSResourceGet repository; or, given -LocalPath, to a file repository in that folder,
    registered (trusted) under -Repository's name first. A version already in a local repository is replaced (a
    rebuilt package); a remote repository refuses a version it has. Used by build.ps1 Publish and by the install test.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleDir,
    [Parameter(Mandatory)] [string] $Repository,
    [string] $LocalPath,
    [string] $ApiKey
)
$ErrorActionPreference = 'Stop'
$manifest = Test-ModuleManifest (Join-Path $ModuleDir 'MetaflowAws.psd1')
if ($LocalPath) {
    $dir = (New-Item -ItemType Directory -Force $LocalPath).FullName
    $known = Get-PSResourceRepository -Name $Repository -ErrorAction SilentlyContinue
    if (-not $known -or $known.Uri.LocalPath.TrimEnd('/', '\') -ne $dir.TrimEnd('/', '\')) {
        Register-PSResourceRepository -Name $Repository -Uri $dir -Trusted -Force
    }
    Get-ChildItem $dir -Filter "MetaflowAws.$($manifest.Version).nupkg" | Remove-Item
}
$publish = @{ Path = $ModuleDir; Repository = $Repository }
if ($ApiKey) { $publish.ApiKey = $ApiKey }
Publish-PSResource @publish
$found = Find-PSResource -Name MetaflowAws -Version $manifest.Version.ToString() -Repository $Repository
"MetaflowAws $($found.Version) published to $Repository ($(if ($LocalPath) { $LocalPath } else { $found.RepositorySourceLocation }))"
