#Requires -Version 7.4
<#
.SYNOPSIS
    Build, test, package, demo and benchmark MetaflowAws.
.DESCRIPTION
    Tasks:
      Build    compile every project (Release)
      Package  Build, then lay out out/MetaflowAws/<version>/ (manifest, cmdlets, Dependencies/, template,
               en-US help generated from docs/*.md by tools/New-Help.ps1)
      Test     Package, run the xunit suite and the Pester suite (against a local sandbox), print "N passed, N failed"
      Demo     Package, start the sandbox, deploy the real template, configure Metaflow in a temp folder
      Bench    Package, then measure side by side: import time, completion latency vs the awscli waiter,
               calls per second while waiting, event pages per poll
      Publish  Package, then publish the module with PSResourceGet to -Repository (default: a local file
               repository under out/psrepo, registered as MetaflowAwsLocal), for Install-PSResource
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Package', 'Test', 'Demo', 'Bench', 'Publish')]
    [string] $Task = 'Test',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # Pester only: run the test files whose names match (e.g. 'New-MetaflowStack').
    [string] $Filter,

    # Publish only: a registered PSResourceGet repository (default: the local file repository out/psrepo).
    [string] $Repository,
    # Publish only: the API key of -Repository (a NuGet feed such as the PowerShell Gallery).
    [string] $ApiKey,

    # Bench only: deploys per waiter, runs per import measurement, sandbox pace.
    [int] $BenchRounds = 10,
    [int] $ImportRuns = 20,
    [int] $BenchResourceDelayMs = 200,
    # Bench only: the duration model's scale (0.02: a 10-minute database takes 12 s) and its deploys.
    [double] $BenchTimeScale = 0.02,
    [int] $BenchModelRounds = 5
)

$ErrorActionPreference = 'Stop'
$env:POWERSHELL_TELEMETRY_OPTOUT = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:AWS_EC2_METADATA_DISABLED = 'true'

$Root = $PSScriptRoot
$Version = ([xml](Get-Content "$Root/Directory.Build.props")).Project.PropertyGroup.MetaflowAwsVersion
$ModuleDir = Join-Path $Root "out/MetaflowAws/$Version"
$ResultsDir = Join-Path $Root 'out/test-results'

# pwsh runs as a dotnet tool here: a child PowerShell is 'dotnet pwsh.dll'.
$script:Pwsh = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') {
    @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll'))
} else { @([Environment]::ProcessPath) }

function Invoke-Step([string] $Name, [scriptblock] $Command) {
    Write-Host "==> $Name" -ForegroundColor Cyan
    & $Command
    if ($LASTEXITCODE) { throw "$Name failed (exit code $LASTEXITCODE)." }
}

function Invoke-Build {
    Invoke-Step 'restore tools (Pester)' { dotnet restore "$Root/tests/Tools/Tools.csproj" --nologo -v q }
    if (-not (Test-Path "$Root/node_modules/@aws-cdk/aws-service-spec/db.json.gz")) {
        # The CloudFormation resource specification the template is validated against (pinned in package-lock.json).
        Invoke-Step 'npm ci (resource specification)' { npm ci --no-audit --no-fund --prefix $Root }
    }
    Invoke-Step 'build' { dotnet build "$Root/MetaflowAws.slnx" -c $Configuration --nologo -v q -clp:NoSummary }
}

function Invoke-Package {
    Invoke-Build
    Write-Host "==> package $ModuleDir" -ForegroundColor Cyan
    if (Test-Path $ModuleDir) { Remove-Item $ModuleDir -Recurse -Force }
    $deps = New-Item -ItemType Directory -Force (Join-Path $ModuleDir 'Dependencies')
    $publish = Join-Path $Root 'out/publish/engine'
    Invoke-Step 'publish engine' { dotnet publish "$Root/src/MetaflowAws.Engine/MetaflowAws.Engine.csproj" -c $Configuration -o $publish --nologo -v q -clp:NoSummary }
    Copy-Item "$publish/*.dll" $deps
    $cmdlets = "$Root/src/MetaflowAws.Cmdlets/bin/$Configuration/net10.0"
    Copy-Item "$cmdlets/MetaflowAws.Cmdlets.dll", "$cmdlets/MetaflowAws.Cmdlets.xml" $ModuleDir
    Copy-Item "$Root/module/MetaflowAws.format.ps1xml" $ModuleDir
    New-Item -ItemType Directory -Force (Join-Path $ModuleDir 'template') | Out-Null
    Copy-Item "$Root/template/metaflow.yml", "$Root/template/aws-facts.yml", "$Root/template/regions.yml", "$Root/template/README.md" (Join-Path $ModuleDir 'template')
    # Test-MetaflowTemplate checks any template against the CloudFormation resource specification: ship it.
    Copy-Item "$Root/node_modules/@aws-cdk/aws-service-spec/db.json.gz" (Join-Path $deps 'cfn-resource-spec.json.gz')

    # One version source (Directory.Build.props); cmdlets found from their [Cmdlet] attributes.
    $names = Get-ChildItem "$Root/src/MetaflowAws.Cmdlets/Commands/*.cs" | ForEach-Object {
        $m = [regex]::Match((Get-Content $_ -Raw), '\[Cmdlet\(Verbs\w+\.(\w+),\s*"(\w+)"')
        if ($m.Success) { "$($m.Groups[1].Value)-$($m.Groups[2].Value)" }
    } | Sort-Object
    $manifest = (Get-Content "$Root/module/MetaflowAws.psd1" -Raw).
        Replace('{{ModuleVersion}}', $Version).
        Replace('{{CmdletsToExport}}', (($names | ForEach-Object { "'$_'" }) -join ', ')).
        Replace('{{ReleaseNotes}}', (Get-ReleaseNotes $Version).Replace("'", "''"))
    Copy-Item "$Root/LICENSE", "$Root/CHANGELOG.md" $ModuleDir
    Set-Content (Join-Path $ModuleDir 'MetaflowAws.psd1') $manifest -Encoding utf8NoBOM
    Write-Host "    $($names.Count) cmdlets: $($names -join ', ')"

    # Help (en-US/MetaflowAws.Cmdlets.dll-Help.xml) from docs/*.md and the packaged cmdlets, in a fresh
    # session so the metadata is that of the module just laid out. Fails on any missing help.
    Invoke-Step 'help (docs/*.md -> MAML)' {
        & $script:Pwsh[0] @($script:Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File "$Root/tools/New-Help.ps1" `
            -ModuleManifest (Join-Path $ModuleDir 'MetaflowAws.psd1') -DocsPath "$Root/docs"
    }
}

# The CHANGELOG.md entry of a version (its '## <version>' section): the package's release notes. A version
# without an entry is not released.
function Get-ReleaseNotes([string] $Of) {
    $text = Get-Content "$Root/CHANGELOG.md" -Raw
    $m = [regex]::Match($text, "(?ms)^## $([regex]::Escape($Of))[ \t]*\r?\n(.*?)(?=^## |\z)")
    if (-not $m.Success) { throw "CHANGELOG.md has no '## $Of' entry: add one for the version in Directory.Build.props." }
    $m.Groups[1].Value.Trim()
}

# build.ps1 Publish: the packaged module through PSResourceGet (tools/Publish-Module.ps1: Publish-PSResource checks
# the manifest as the gallery does), to -Repository or to the local file repository out/psrepo (MetaflowAwsLocal).
function Invoke-Publish {
    Invoke-Package
    $target = if ($Repository) { @{ Repository = $Repository } } else { @{ Repository = 'MetaflowAwsLocal'; LocalPath = (Join-Path $Root 'out/psrepo') } }
    if ($ApiKey) { $target.ApiKey = $ApiKey }
    Write-Host "==> publish MetaflowAws $Version to $($target.Repository)" -ForegroundColor Cyan
    & "$Root/tools/Publish-Module.ps1" -ModuleDir $ModuleDir @target
    Write-Host "    install with: Install-PSResource MetaflowAws -Repository $($target.Repository)"
}

function Start-Sandbox([int] $ResourceDelayMs = 5, $Postgres, [string] $Record, [double] $TimeScale) {
    $dll = "$Root/src/MetaflowAws.Sandbox/bin/$Configuration/net10.0/MetaflowAws.Sandbox.dll"
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll, '--port', '0', '--resource-delay-ms', "$ResourceDelayMs")) { $psi.ArgumentList.Add($a) }
    if ($Postgres) { $psi.ArgumentList.Add('--postgres'); $psi.ArgumentList.Add($Postgres.ConnectionString) }
    if ($Record) { $psi.ArgumentList.Add('--record'); $psi.ArgumentList.Add($Record) }
    if ($TimeScale) { $psi.ArgumentList.Add('--time-scale'); $psi.ArgumentList.Add($TimeScale.ToString([Globalization.CultureInfo]::InvariantCulture)) }
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($psi)
    $line = $process.StandardOutput.ReadLine()
    if (-not $line) { throw "The sandbox did not start (exit code $($process.ExitCode))." }
    $info = $line | ConvertFrom-Json
    $info | Add-Member -NotePropertyName Process -NotePropertyValue $process
    $info
}

function Stop-Sandbox($Sandbox) {
    if ($Sandbox -and -not $Sandbox.Process.HasExited) { $Sandbox.Process.Kill($true); $Sandbox.Process.WaitForExit() }
}

# The sandbox's RDS is a real PostgreSQL (Debian's package): a fresh cluster per run under out/pg, on a free
# loopback port, TLS on with a throwaway self-signed certificate, and a pg_hba.conf that emulates RDS's
# rds.force_ssl per database user (see src/MetaflowAws.Sandbox/Rds/PostgresServer.cs). No PostgreSQL and no
# way to install it is an error: the database tests must not pass by not running.
function Find-PostgresBin {
    Get-ChildItem /usr/lib/postgresql/*/bin/initdb -ErrorAction SilentlyContinue |
        Sort-Object { [int]($_.Directory.Parent.Name -replace '\D', '') } -Descending |
        Select-Object -First 1 | ForEach-Object DirectoryName
}

function Start-Postgres {
    $bin = Find-PostgresBin
    if (-not $bin -and (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        Write-Host '==> apt-get install postgresql (the sandbox''s RDS)' -ForegroundColor Cyan
        & bash -c 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq postgresql >/dev/null'
        $bin = Find-PostgresBin
    }
    if (-not $bin) { throw 'PostgreSQL is not installed and could not be installed (apt-get install -y postgresql): the sandbox''s RDS needs it.' }
    if (-not (Get-Command openssl -ErrorAction SilentlyContinue)) { throw 'openssl is needed for the PostgreSQL server''s certificate (apt-get install -y openssl).' }
    Write-Host "==> PostgreSQL ($bin)" -ForegroundColor Cyan

    $dir = Join-Path $Root 'out/pg'
    $isRoot = (& id -u) -eq '0'
    # PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
    $asOwner = { param([string] $Exe, [string[]] $Arguments) if ($isRoot) { & runuser -u postgres -- $Exe @Arguments } else { & $Exe @Arguments } }.GetNewClosure()
    if (Test-Path "$dir/data/postmaster.pid") { & $asOwner "$bin/pg_ctl" @('-D', "$dir/data", '-m', 'immediate', 'stop') 2>&1 | Out-Null }
    if (Test-Path $dir) { Remove-Item $dir -Recurse -Force }
    New-Item -ItemType Directory -Force $dir | Out-Null
    if ($isRoot) {
        & chown postgres:postgres $dir
        & runuser -u postgres -- test -w $dir
        if ($LASTEXITCODE) {
            # The postgres user cannot reach the work tree: a folder of its own instead.
            $dir = Join-Path ([IO.Path]::GetTempPath()) "mfaws-pg-$PID"
            if (Test-Path $dir) { Remove-Item $dir -Recurse -Force }
            New-Item -ItemType Directory -Force $dir | Out-Null
            & chown postgres:postgres $dir
        }
    }

    $password = [guid]::NewGuid().ToString('N')
    Set-Content "$dir/pwfile" $password -NoNewline
    & openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj '/CN=127.0.0.1' `
        -keyout "$dir/server.key" -out "$dir/server.crt" 2>&1 | Out-Null
    if ($LASTEXITCODE) { throw 'openssl could not make the PostgreSQL server''s certificate.' }
    & chmod 600 "$dir/server.key" "$dir/pwfile"
    if ($isRoot) { & chown postgres:postgres "$dir/server.key" "$dir/server.crt" "$dir/pwfile" }

    $out = & $asOwner "$bin/initdb" @('-D', "$dir/data", '-U', 'postgres', "--pwfile=$dir/pwfile", '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync') 2>&1
    if ($LASTEXITCODE) { throw "initdb failed: $($out | Out-String)" }
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
    # A test server: loopback only, no Unix socket, durability off for speed.
    Add-Content "$dir/data/postgresql.conf" @"

listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
ssl = on
ssl_cert_file = '$dir/server.crt'
ssl_key_file = '$dir/server.key'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
"@
    # rds.force_ssl per user: TLS for everyone; without TLS only the administrator and the members of
    # rds_nossl_allowed (users of instances whose major version does not force TLS, which the sandbox manages).
    Set-Content "$dir/data/pg_hba.conf" @'
hostssl   all all                127.0.0.1/32 scram-sha-256
hostnossl all postgres           127.0.0.1/32 scram-sha-256
hostnossl all +rds_nossl_allowed 127.0.0.1/32 scram-sha-256
'@
    $out = & $asOwner "$bin/pg_ctl" @('-D', "$dir/data", '-l', "$dir/server.log", '-w', '-t', '30', 'start') 2>&1
    if ($LASTEXITCODE) { throw "PostgreSQL did not start: $($out | Out-String)$(Get-Content "$dir/server.log" -Raw -ErrorAction SilentlyContinue)" }
    [pscustomobject]@{
        Bin = $bin; Dir = $dir; Port = $port; AsOwner = $asOwner
        ConnectionString = "Host=127.0.0.1;Port=$port;Username=postgres;Password=$password"
    }
}

function Stop-Postgres($Postgres) {
    if (-not $Postgres) { return }
    & $Postgres.AsOwner "$($Postgres.Bin)/pg_ctl" @('-D', "$($Postgres.Dir)/data", '-m', 'immediate', '-w', 'stop') 2>&1 | Out-Null
    Remove-Item $Postgres.Dir -Recurse -Force -ErrorAction SilentlyContinue
}

# The independent referee of the wire: botocore's published service models (Debian's python3-botocore). Installed
# with apt when missing; no botocore is an error, never a skipped check.
function Find-Botocore {
    $probe = { & /usr/bin/python3 -c 'import botocore, os; print(os.path.dirname(botocore.__file__))' 2>$null }
    $dir = & $probe
    if (-not $dir -and (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        Write-Host '==> apt-get install python3-botocore (the conformance referee)' -ForegroundColor Cyan
        & bash -c 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq python3-botocore >/dev/null'
        $dir = & $probe
    }
    if (-not $dir) { throw 'botocore is not installed and could not be installed (apt-get install -y python3-botocore): the conformance check needs its service models.' }
    $dir
}

# Every AWS operation the module can send: our own request types (one per operation, named after it) and the
# AWS SDK request types the engine references (S3, STS), read from the built assemblies' metadata.
function Get-UsedOperations {
    $ops = [Collections.Generic.List[string]]::new()
    foreach ($dll in @('Dependencies/MetaflowAws.Engine.dll', 'MetaflowAws.Cmdlets.dll')) {
        $path = Join-Path $ModuleDir $dll
        $stream = [IO.File]::OpenRead($path)
        try {
            $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
            $md = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            foreach ($h in $md.TypeReferences) {
                $t = $md.GetTypeReference($h)
                $ns = $md.GetString($t.Namespace); $name = $md.GetString($t.Name)
                $service = @{ 'Amazon.S3.Model' = 's3'; 'Amazon.SecurityToken.Model' = 'sts' }[$ns]
                if ($service -and $name -match '^(\w+)Request$' -and $name -notmatch '^(AmazonWebService|Generate)') { $ops.Add("sdk:${service}:$($Matches[1])") }
            }
            foreach ($h in $md.TypeDefinitions) {
                $t = $md.GetTypeDefinition($h)
                $name = $md.GetString($t.Name)
                $ns = $md.GetString($t.Namespace)
                if ($ns -like 'MetaflowAws.Engine.*' -and $name -match '^(\w+)Request$' -and ($t.Attributes -band [Reflection.TypeAttributes]::Abstract) -eq 0 -and
                    -not $t.BaseType.IsNil -and $t.BaseType.Kind -eq 'TypeDefinition') {
                    $base = $md.GetString($md.GetTypeDefinition([Reflection.Metadata.TypeDefinitionHandle]$t.BaseType).Name)
                    if ($base -in 'QueryRequest', 'RestJsonRequest') { $ops.Add("own:${ns}:$($Matches[1])") }
                }
            }
        } finally { $stream.Dispose() }
    }
    $ops | Sort-Object -Unique
}

function Invoke-Conformance([string[]] $Exchanges, [switch] $Partial) {
    Write-Host '==> conformance (every recorded request and response against botocore''s service models)' -ForegroundColor Cyan
    Find-Botocore | Out-Null
    $used = Join-Path $ResultsDir 'operations-used.json'
    ConvertTo-Json @(Get-UsedOperations) | Set-Content $used
    $args_ = @("$Root/tools/conformance/check.py", '--exchanges') + @($Exchanges | Where-Object { Test-Path $_ }) + @('--used', $used, '--report', (Join-Path $ResultsDir 'conformance.txt'), '--json', (Join-Path $ResultsDir 'conformance.json'))
    if ($Partial) { $args_ += '--partial' }
    & /usr/bin/python3 @args_
    # And the referee itself: exchanges with planted defects must each draw the violations they name.
    & /usr/bin/python3 "$Root/tools/conformance/check.py" --exchanges none --used $used --report none --json none --self-test "$Root/tests/Fixtures/conformance/violations.jsonl"
    $selfTest = if ($LASTEXITCODE) { 0 } else { 1 }
    if (Test-Path (Join-Path $ResultsDir 'conformance.json')) {
        $r = Get-Content (Join-Path $ResultsDir 'conformance.json') | ConvertFrom-Json
        [pscustomobject]@{ Passed = [int]$r.passed + $selfTest; Failed = [int]$r.failed + 1 - $selfTest; Skipped = 0 }
    } else { [pscustomobject]@{ Passed = $selfTest; Failed = 2 - $selfTest; Skipped = 0 } }
}

# The second referee of the templates: AWS's cfn-lint (tools/cfnlint/referee.py, tests/cfn-lint.yml), on the Python that
# has it (pip installs it beside the PATH python3), after the suites (it takes a core for about a minute, and the suites'
# sandbox keeps time). Without it, one line says so and its checks count as skipped, never as passed.
function Find-CfnLintPython {
    foreach ($python in @((Get-Command python3 -ErrorAction SilentlyContinue).Source, '/usr/bin/python3') | Where-Object { $_ } | Select-Object -Unique) {
        & $python -c 'import cfnlint' 2>$null
        if ($LASTEXITCODE -eq 0) { return $python }
    }
    $null
}

function Start-CfnLint {
    $python = Find-CfnLintPython
    if (-not $python) { return $null }
    $psi = [Diagnostics.ProcessStartInfo]::new($python)
    foreach ($a in @("$Root/tools/cfnlint/referee.py", '--root', $Root, '--report', (Join-Path $ResultsDir 'cfn-lint.txt'), '--json', (Join-Path $ResultsDir 'cfn-lint.json'))) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($psi)
    [pscustomobject]@{ Process = $process; Output = $process.StandardOutput.ReadToEndAsync(); Errors = $process.StandardError.ReadToEndAsync() }
}

function Complete-CfnLint($Run) {
    Write-Host '==> cfn-lint (AWS''s CloudFormation linter over every template variant, region and fixture)' -ForegroundColor Cyan
    if (-not $Run) {
        Write-Host 'cfn-lint: not installed (pip install cfn-lint): its checks are skipped, not passed'
        return [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 1 }
    }
    $Run.Process.WaitForExit()
    Write-Host $Run.Output.Result.TrimEnd()
    if ($Run.Errors.Result.Trim()) { Write-Host $Run.Errors.Result.TrimEnd() }
    $json = Join-Path $ResultsDir 'cfn-lint.json'
    if (Test-Path $json) {
        $r = Get-Content $json | ConvertFrom-Json
        [pscustomobject]@{ Passed = [int]$r.passed; Failed = [int]$r.failed + [int]($Run.Process.ExitCode -ne 0 -and [int]$r.failed -eq 0); Skipped = [int]$r.skipped }
    } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
}

function Get-TrxCounts([string] $Path) {
    $c = ([xml](Get-Content $Path)).TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted; Skipped = [int]$c.notExecuted }
}

function Invoke-Test {
    Invoke-Package
    if (Test-Path $ResultsDir) { Remove-Item $ResultsDir -Recurse -Force }
    New-Item -ItemType Directory -Force $ResultsDir | Out-Null

    Write-Host '==> unit tests (xunit)' -ForegroundColor Cyan
    # The unit tests' in-process sandboxes record their exchanges too: the referee judges them with the rest.
    $env:METAFLOWAWS_EXCHANGES = Join-Path $ResultsDir 'exchanges-unit.jsonl'
    dotnet test "$Root/tests/Unit/MetaflowAws.Tests.csproj" -c $Configuration --no-build --nologo `
        --logger 'trx;LogFileName=unit.trx' --logger 'console;verbosity=minimal' --results-directory $ResultsDir
    $unitExit = $LASTEXITCODE
    Remove-Item Env:METAFLOWAWS_EXCHANGES
    $unit = if (Test-Path "$ResultsDir/unit.trx") { Get-TrxCounts "$ResultsDir/unit.trx" } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    if ($unitExit -and $unit.Failed -eq 0) { $unit.Failed = 1 }

    Write-Host '==> acceptance tests (Pester, on the built module, against the sandbox)' -ForegroundColor Cyan
    $postgres = $null; $sandbox = $null
    try {
        $postgres = Start-Postgres
        $exchanges = Join-Path $ResultsDir 'exchanges.jsonl'
        # Each resource type takes its typical time, 2,000 times faster: a database 0.27 s, a role 6 ms.
        $sandbox = Start-Sandbox -Postgres $postgres -Record $exchanges -TimeScale 0.0005
        $env:METAFLOWAWS_SANDBOX_URL = $sandbox.url
        $env:METAFLOWAWS_POSTGRES_BIN = $postgres.Bin
        $env:METAFLOWAWS_MODULE = Join-Path $ModuleDir 'MetaflowAws.psd1'
        $env:METAFLOWAWS_PWSH = $script:Pwsh -join [char]0x1F
        $env:METAFLOWAWS_ROOT = $Root
        $pester = Join-Path (Get-NuGetRoot) 'pester/5.7.1/tools/Pester.psd1'
        $resultFile = Join-Path $ResultsDir 'pester.json'
        $runner = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester'
`$c = New-PesterConfiguration
`$c.Run.Path = '$Root/tests/Pester'
`$c.Run.PassThru = `$true
`$c.Output.Verbosity = 'Detailed'
`$c.Output.RenderMode = 'Plaintext'
$(if ($Filter) { "`$c.Filter.FullName = '*$Filter*'" })
`$r = Invoke-Pester -Configuration `$c
@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount } | ConvertTo-Json | Set-Content '$resultFile'
"@
        & $script:Pwsh[0] @($script:Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $runner
        $pesterCounts = if (Test-Path $resultFile) { Get-Content $resultFile | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    } finally {
        Stop-Sandbox $sandbox
        Stop-Postgres $postgres
    }

    # A filtered run exercises only some operations: the referee still judges every exchange, but does not
    # ask for the operations no selected test used.
    $conformance = Invoke-Conformance @((Join-Path $ResultsDir 'exchanges-unit.jsonl'), $exchanges) -Partial:([bool]$Filter)
    # A filtered run leaves the templates alone: cfn-lint runs with the whole suite.
    $lint = if ($Filter) { [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 } } else { Complete-CfnLint (Start-CfnLint) }
    $passed = $unit.Passed + $pesterCounts.Passed + $conformance.Passed + $lint.Passed
    $failed = $unit.Failed + $pesterCounts.Failed + $conformance.Failed + $lint.Failed
    $skipped = $unit.Skipped + $pesterCounts.Skipped + $lint.Skipped
    $lintLine = if ($Filter) { 'not run (-Filter)' } elseif ($lint.Skipped) { 'not installed, skipped' } else { "$($lint.Passed) checks passed, $($lint.Failed) failed" }
    Write-Host "xunit: $($unit.Passed) passed, $($unit.Failed) failed; Pester: $($pesterCounts.Passed) passed, $($pesterCounts.Failed) failed, $($pesterCounts.Skipped) skipped; conformance: $($conformance.Passed) operations conform, $($conformance.Failed) failed; cfn-lint: $lintLine"
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { exit 1 }
}

function Get-NuGetRoot {
    $line = dotnet nuget locals global-packages --list
    ($line -replace '^global-packages:\s*', '').Trim()
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Package' { Invoke-Package }
    'Test' { Invoke-Test }
    'Demo' { . "$Root/tools/Demo.ps1" }
    'Bench' { . "$Root/bench/Bench.ps1" }
    'Publish' { Invoke-Publish }
}
