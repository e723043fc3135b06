# build.ps1 Bench: measured side by side in one run, ratios printed. Dot-sourced by build.ps1.
# Timings are medians/percentiles over repeated runs; nothing here asserts a time (tests never do).
Invoke-Package
$psd1 = Join-Path $ModuleDir 'MetaflowAws.psd1'
function Get-Percentile([double[]] $Values, [double] $P) {
    $sorted = $Values | Sort-Object
    $rank = [math]::Max(0, [math]::Ceiling($P / 100 * $sorted.Count) - 1)
    $sorted[$rank]
}

# 1. Import time: 'Import-Module MetaflowAws' (by name, from $env:PSModulePath, as users type it) against a bare
#    'pwsh -NoProfile -Command exit', interleaved so every variant sees the same machine. For reference, an empty
#    manifest module: what Import-Module of any .psd1 costs before a line of ours runs.
#    Each variant keeps its own cache folder (XDG_CACHE_HOME): pwsh records the methods a start compiled
#    (StartupProfileData) and pre-compiles them on the next start, so a shared folder would hand each variant the
#    previous variant's profile. Separate folders give each the steady state of a user who runs it every day.
#    Two pwsh builds: the dotnet tool of the quick start (framework-dependent, no ReadyToRun code: everything is
#    JIT-compiled) and a ReadyToRun build of the same pwsh assemblies, as PowerShell's release packages are published.
Write-Host '==> bench: import time' -ForegroundColor Cyan
$benchDir = Join-Path $Root 'out/bench'
$modulePath = Join-Path $benchDir 'modules'
if (Test-Path $modulePath) { Remove-Item $modulePath -Recurse -Force }
New-Item -ItemType Directory -Force "$modulePath/EmptyModule/1.0" | Out-Null
Set-Content "$modulePath/EmptyModule/1.0/EmptyModule.psd1" "@{ ModuleVersion = '1.0'; FunctionsToExport = @(); CmdletsToExport = @() }"
# And the smallest binary module with a manifest (one cmdlet, named in CmdletsToExport as ours are): the floor
# for any binary module, so 'MetaflowAws over it' is what our own assembly and manifest add.
Invoke-Step 'build the one-cmdlet reference module' { dotnet build "$Root/bench/HelloModule/HelloModule.csproj" -c Release --nologo -v q -clp:NoSummary }
New-Item -ItemType Directory -Force "$modulePath/HelloModule/1.0" | Out-Null
Copy-Item "$Root/bench/HelloModule/bin/Release/net10.0/HelloModule.dll" "$modulePath/HelloModule/1.0"
Set-Content "$modulePath/HelloModule/1.0/HelloModule.psd1" ("@{ ModuleVersion = '1.0'; RootModule = 'HelloModule.dll'; CmdletsToExport = @('Get-Hello');" +
    " FunctionsToExport = @(); VariablesToExport = @(); AliasesToExport = @() }")
Copy-Item (Split-Path $ModuleDir) (Join-Path $modulePath 'MetaflowAws') -Recurse

function Get-ReadyToRunPwsh {
    # A copy of this pwsh whose assemblies (those a start plus an import load) carry ReadyToRun code from crossgen2.
    $rid = [Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    if ($rid -ne 'linux-x64') { return "skipped: the crossgen2 package restored here is for linux-x64, this is $rid" }
    $target = Join-Path $benchDir "pwsh-r2r-$($PSVersionTable.PSVersion)"
    if (Test-Path "$target/.complete") { return Join-Path $target 'pwsh.dll' }
    dotnet restore "$Root/bench/Crossgen/Crossgen.csproj" --nologo -v q | Out-Null
    if ($LASTEXITCODE) { return 'skipped: crossgen2 could not be restored from NuGet' }
    $packages = ((dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    $crossgen = Join-Path $packages 'microsoft.netcore.app.crossgen2.linux-x64/10.0.12/tools/crossgen2'
    if (Test-Path $target) { Remove-Item $target -Recurse -Force }
    Copy-Item $PSHOME $target -Recurse
    $loaded = & $script:Pwsh[0] @($script:Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command `
        "Import-Module '$ModuleDir/MetaflowAws.psd1'; [AppDomain]::CurrentDomain.GetAssemblies().Location"
    $framework = [Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
    foreach ($assembly in $loaded | Where-Object { $_ -and (Split-Path $_) -eq $PSHOME.TrimEnd('/') }) {
        $stream = [IO.File]::OpenRead($assembly)
        try { $isIlOnly = [Reflection.PortableExecutable.PEReader]::new($stream).PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -eq 0 }
        finally { $stream.Dispose() }
        if (-not $isIlOnly) { continue }
        & $crossgen $assembly -o (Join-Path $target (Split-Path $assembly -Leaf)) -r "$PSHOME/*.dll" -r "$framework/*.dll" `
            --targetos linux --targetarch x64 -O | Out-Null
        if ($LASTEXITCODE) { return "skipped: crossgen2 failed on $assembly" }
    }
    New-Item "$target/.complete" | Out-Null
    Join-Path $target 'pwsh.dll'
}
$r2rPwsh = Get-ReadyToRunPwsh

$builds = [ordered]@{ 'dotnet tool (JIT)' = $script:Pwsh }
if ($r2rPwsh -notlike 'skipped*') { $builds['ReadyToRun'] = @((Get-Command dotnet -CommandType Application | Select-Object -First 1).Source, $r2rPwsh) }
$commands = [ordered]@{
    bare = 'exit'; empty = 'Import-Module EmptyModule; exit'; hello = 'Import-Module HelloModule; exit'; ours = 'Import-Module MetaflowAws; exit'
}
$importTimes = @{}
$savedEnv = @{ PSModulePath = $env:PSModulePath; XDG_CACHE_HOME = $env:XDG_CACHE_HOME; PSModuleAnalysisCachePath = $env:PSModuleAnalysisCachePath }
try {
    $env:PSModulePath = $modulePath
    # The module analysis cache every user has once any command was looked up: without the file, the first
    # import by name waits 3 x 25 ms for it (AnalysisCacheData.Get). One file, shared by all variants, written by
    # a lookup that analyses every module on the path; pwsh saves it about 13 s later.
    $env:PSModuleAnalysisCachePath = Join-Path $benchDir 'ModuleAnalysisCache'
    if (Test-Path $env:PSModuleAnalysisCachePath) { Remove-Item $env:PSModuleAnalysisCachePath }
    & $script:Pwsh[0] @($script:Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command {
        $null = Get-Command Get-MetaflowNoSuchCommand -ErrorAction Ignore
        for ($i = 0; $i -lt 300 -and -not (Test-Path $env:PSModuleAnalysisCachePath); $i++) { Start-Sleep -Milliseconds 100 }
    }
    if (-not (Test-Path $env:PSModuleAnalysisCachePath)) { throw 'import bench: pwsh did not write the module analysis cache' }
    $variants = foreach ($build in $builds.Keys) {
        foreach ($name in $commands.Keys) {
            $key = "$build/$name"
            $importTimes[$key] = [Collections.Generic.List[double]]::new()
            [pscustomobject]@{ Key = $key; Exe = $builds[$build]; Command = $commands[$name]; Cache = Join-Path $benchDir ('cache-' + ($key -replace '\W', '-')) }
        }
    }
    function Measure-Variant($Variant) {
        $env:XDG_CACHE_HOME = $Variant.Cache
        $sw = [Diagnostics.Stopwatch]::StartNew()
        & $Variant.Exe[0] @($Variant.Exe | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $Variant.Command | Out-Null
        $sw.Stop()
        if ($LASTEXITCODE) { throw "import bench: '$($Variant.Command)' failed with $($Variant.Key)" }
        $sw.Elapsed.TotalMilliseconds
    }
    foreach ($v in $variants) { 1..2 | ForEach-Object { Measure-Variant $v | Out-Null } } # disk cache and startup profile
    for ($i = 0; $i -lt $ImportRuns; $i++) {
        foreach ($v in $variants) { $importTimes[$v.Key].Add((Measure-Variant $v)) }
    }
} finally {
    foreach ($k in $savedEnv.Keys) { [Environment]::SetEnvironmentVariable($k, $savedEnv[$k]) }
}

# 2. Completion latency, side by side: each round creates two identical stacks at the same moment;
#    one is waited on by New-MetaflowStack, the other by 'aws cloudformation wait stack-create-complete'.
$sandbox = Start-Sandbox -ResourceDelayMs $BenchResourceDelayMs
$saved = @{}
foreach ($k in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_ENDPOINT_URL', 'AWS_DEFAULT_REGION') { $saved[$k] = [Environment]::GetEnvironmentVariable($k) }
try {
    $env:AWS_ACCESS_KEY_ID = $sandbox.accessKeyId; $env:AWS_SECRET_ACCESS_KEY = $sandbox.secretAccessKey
    $env:AWS_REGION = $sandbox.region; $env:AWS_DEFAULT_REGION = $sandbox.region; $env:AWS_ENDPOINT_URL = $sandbox.url
    Import-Module $psd1 -Force
    $haveCli = Test-Path /usr/bin/aws
    function Get-CompletedAt([string] $StackId) {
        $e = Get-MetaflowStackEvent -StackName $StackId -First 1
        if ($e.ResourceStatus -ne 'CREATE_COMPLETE') { throw "stack $StackId ended $($e.ResourceStatus)" }
        $e.Timestamp.ToUniversalTime()
    }
    # The template is over CloudFormation's 51,200-byte --template-body limit: awscli is given its S3 URL, as a user would do.
    $cliTemplateUrl = $null
    if ($haveCli) {
        $bucket = 'bench-awscli-templates'
        & /usr/bin/aws --endpoint-url $sandbox.url s3api create-bucket --bucket $bucket | Out-Null
        & /usr/bin/aws --endpoint-url $sandbox.url s3 cp "$Root/template/metaflow.yml" "s3://$bucket/metaflow.yml" | Out-Null
        if ($LASTEXITCODE) { throw "awscli could not stage the template in the sandbox's S3 (exit code $LASTEXITCODE)." }
        $cliTemplateUrl = "https://$bucket.s3.$($sandbox.region).amazonaws.com/metaflow.yml"
    }
    $ours = [Collections.Generic.List[double]]::new(); $cli = [Collections.Generic.List[double]]::new(); $rates = [Collections.Generic.List[double]]::new()
    Write-Host "==> bench: completion latency, $BenchRounds rounds (stacks of the real template, $BenchResourceDelayMs ms per resource)" -ForegroundColor Cyan
    for ($i = 0; $i -lt $BenchRounds; $i++) {
        $cliName = "bench-cli-$i"; $ourName = "bench-ours-$i"
        $cliProcess = $null
        if ($haveCli) {
            & /usr/bin/aws --endpoint-url $sandbox.url cloudformation create-stack --stack-name $cliName --template-url $cliTemplateUrl --capabilities CAPABILITY_NAMED_IAM | Out-Null
            if ($LASTEXITCODE) { throw "aws cloudformation create-stack failed (exit code $LASTEXITCODE)." }
            $waiter = [Diagnostics.ProcessStartInfo]::new('/usr/bin/aws')
            foreach ($a in '--endpoint-url', $sandbox.url, 'cloudformation', 'wait', 'stack-create-complete', '--stack-name', $cliName) { $waiter.ArgumentList.Add($a) }
            $cliProcess = [Diagnostics.Process]::Start($waiter)
        }
        $verbose = New-MetaflowStack -StackName $ourName -Verbose 4>&1
        $returned = [DateTime]::UtcNow
        $stack = $verbose | Where-Object { $_.PSObject.TypeNames[0] -eq 'MetaflowAws.Engine.Stacks.MetaflowStack' }
        $ours.Add(($returned - (Get-CompletedAt $stack.StackId)).TotalSeconds)
        $summary = ($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like 'Waited *' }).Message
        if ($summary -match '\(([\d.]+)/s\)') { $rates.Add([double]$Matches[1]) }
        if ($cliProcess) {
            $cliProcess.WaitForExit()
            $cliReturned = $cliProcess.ExitTime.ToUniversalTime()
            $cliStack = Get-MetaflowStack $cliName
            $cli.Add(($cliReturned - (Get-CompletedAt $cliStack.StackId)).TotalSeconds)
        }
        Write-Host ("    round {0}: MetaflowAws {1:0.00} s{2}" -f ($i + 1), $ours[-1], $(if ($cliProcess) { ", awscli waiter {0:0.00} s" -f $cli[-1] }))
    }

    # 3. Event paging: a stack with 10,000 events in its history, waited on from the middle of an operation.
    Write-Host '==> bench: event pages per poll on a stack with 10,000 events' -ForegroundColor Cyan
    Invoke-RestMethod -Method Post "$($sandbox.url)/_sandbox/config" -ContentType 'application/json' -Body '{"resourceDelayMs": 100}' | Out-Null
    $started = New-MetaflowStack -StackName bench-history -NoWait
    Invoke-RestMethod -Method Post "$($sandbox.url)/_sandbox/history" -ContentType 'application/json' -Body (@{ stackName = 'bench-history'; count = 10000 } | ConvertTo-Json) | Out-Null
    $verbose = Wait-MetaflowStack -StackName bench-history -Verbose 4>&1
    $pages = if ((($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like 'Waited *' }).Message) -match 'at most (\d+) event page') { [int]$Matches[1] } else { -1 }
    $total = (Get-MetaflowStackEvent -StackName bench-history).Count
} finally {
    foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    Stop-Sandbox $sandbox
}

# 4. On the duration model: each resource type its typical time (a database minutes, a role seconds), created in
#    dependency order with independent resources in parallel, all scaled by $BenchTimeScale. Times are reported in
#    scaled seconds (real seconds / scale), i.e. what they would be on AWS. The pollers of 1 s and 2 s (Wait-CFNStack's
#    interval) are computed on the same stacks: one DescribeStacks per interval, noticing the end half an interval
#    late on average.
$sandbox = Start-Sandbox -TimeScale $BenchTimeScale
$model = [Collections.Generic.List[object]]::new()
try {
    $env:AWS_ACCESS_KEY_ID = $sandbox.accessKeyId; $env:AWS_SECRET_ACCESS_KEY = $sandbox.secretAccessKey
    $env:AWS_REGION = $sandbox.region; $env:AWS_DEFAULT_REGION = $sandbox.region; $env:AWS_ENDPOINT_URL = $sandbox.url
    Import-Module $psd1 -Force
    Write-Host "==> bench: duration model at scale $BenchTimeScale, $BenchModelRounds deploys of the real template" -ForegroundColor Cyan
    for ($i = 0; $i -lt $BenchModelRounds; $i++) {
        $verbose = New-MetaflowStack -StackName "bench-model-$i" -Verbose 4>&1
        $returned = [DateTime]::UtcNow
        $stack = $verbose | Where-Object { $_.PSObject.TypeNames[0] -eq 'MetaflowAws.Engine.Stacks.MetaflowStack' }
        $events = Get-MetaflowStackEvent -StackName $stack.StackId | Where-Object IsStackEvent
        $began = ($events | Where-Object ResourceStatus -eq 'CREATE_IN_PROGRESS' | Select-Object -Last 1).Timestamp.ToUniversalTime()
        $ended = ($events | Where-Object ResourceStatus -eq 'CREATE_COMPLETE' | Select-Object -First 1).Timestamp.ToUniversalTime()
        $summary = ($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like 'Waited *' }).Message
        $calls = if ($summary -match ': (\d+) calls') { [int]$Matches[1] } else { -1 }
        $duration = ($ended - $began).TotalSeconds / $BenchTimeScale
        $model.Add([pscustomobject]@{
            Duration = $duration; Calls = $calls; Latency = ($returned - $ended).TotalSeconds / $BenchTimeScale
            Calls1s = [math]::Ceiling($duration / 1) + 1; Calls2s = [math]::Ceiling($duration / 2) + 1
        })
        Write-Host ("    deploy {0}: {1:0} s on AWS's clock, MetaflowAws {2} calls, noticed {3:0.00} s after the end; 1 s polling {4} calls, 2 s polling {5} calls" -f `
            ($i + 1), $duration, $calls, $model[-1].Latency, $model[-1].Calls1s, $model[-1].Calls2s)
    }
} finally {
    foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    Stop-Sandbox $sandbox
}

Write-Host "`nResults" -ForegroundColor Green
foreach ($build in $builds.Keys) {
    $ms = @{}; foreach ($name in $commands.Keys) { $ms[$name] = Get-Percentile $importTimes["$build/$name"] 50 }
    "import, pwsh $($PSVersionTable.PSVersion) $build, $ImportRuns runs each: bare median {0:0} ms, + Import-Module MetaflowAws {1:0} ms: ratio {2:0.000} (target <= 1.10)" -f $ms.bare, $ms.ours, ($ms.ours / $ms.bare)
    "        floors: an empty manifest module {0:0} ms (ratio {1:0.000}); a one-cmdlet binary module {2:0} ms (ratio {3:0.000}); MetaflowAws over that: {4:+0;-0} ms" -f `
        $ms.empty, ($ms.empty / $ms.bare), $ms.hello, ($ms.hello / $ms.bare), ($ms.ours - $ms.hello)
}
if ($r2rPwsh -like 'skipped*') { "import, ReadyToRun pwsh: $r2rPwsh" }
$oursP50 = Get-Percentile $ours 50; $oursP95 = Get-Percentile $ours 95
"completion latency, MetaflowAws ($($ours.Count) deploys): p50 {0:0.00} s, p95 {1:0.00} s (target p50 <= 0.5 s)" -f $oursP50, $oursP95
if ($cli.Count) {
    $cliP50 = Get-Percentile $cli 50; $cliP95 = Get-Percentile $cli 95
    "completion latency, awscli waiter ($($cli.Count) deploys, same run): p50 {0:0.00} s, p95 {1:0.00} s; MetaflowAws is {2:0.0}x faster at p50" -f $cliP50, $cliP95, ($cliP50 / [math]::Max($oursP50, 0.001))
} else { 'completion latency, awscli waiter: skipped (/usr/bin/aws not installed: apt-get install awscli)' }
"API calls per second of real time while waiting, on this fixed-pace sandbox (every resource 200 ms, far faster than AWS; the waiter paces itself to the stack): median {0:0.00}/s, max {1:0.00}/s; per second of AWS's clock see the duration model below" -f (Get-Percentile $rates 50), (($rates | Measure-Object -Maximum).Maximum)
"event pages per poll on a stack with $total events: at most $pages (the history is $([math]::Ceiling($total / 100)) pages; target: only the current operation's events, 1 page per poll once attached)"
if ($model.Count) {
    $oursCalls = Get-Percentile ([double[]]$model.Calls) 50; $calls1 = Get-Percentile ([double[]]$model.Calls1s) 50; $calls2 = Get-Percentile ([double[]]$model.Calls2s) 50
    "duration model (scale $BenchTimeScale, $($model.Count) creates of {0:0} s median on AWS's clock): API calls per create, median: MetaflowAws {1:0}, 1 s polling {2:0}, Wait-CFNStack 2 s polling {3:0}; MetaflowAws/1 s = {4:0.00} (target <= 0.20)" -f `
        (Get-Percentile ([double[]]$model.Duration) 50), $oursCalls, $calls1, $calls2, ($oursCalls / $calls1)
    "duration model: API calls per second of AWS's clock, MetaflowAws {0:0.00}/s (target <= 1.2), 1 s polling 1.00/s" -f ((Get-Percentile ([double[]]$model.Calls) 50) / (Get-Percentile ([double[]]$model.Duration) 50))
    "duration model: completion latency in AWS seconds, MetaflowAws p50 {0:0.00} s, p95 {1:0.00} s (target p50 <= 1 s); 1 s polling p50 0.50 s, 2 s polling p50 1.00 s (computed)" -f `
        (Get-Percentile ([double[]]$model.Latency) 50), (Get-Percentile ([double[]]$model.Latency) 95)
}
