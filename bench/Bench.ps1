# build.ps1 Bench: measured side by side in one run, ratios printed. Dot-sourced by build.ps1.
# Timings are medians/percentiles over repeated runs; nothing here asserts a time (tests never do).
Invoke-Package
$psd1 = Join-Path $ModuleDir 'MetaflowAws.psd1'
function Get-Percentile([double[]] $Values, [double] $P) {
    $sorted = $Values | Sort-Object
    $rank = [math]::Max(0, [math]::Ceiling($P / 100 * $sorted.Count) - 1)
    $sorted[$rank]
}
function Measure-Pwsh([string] $Command) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    & $script:Pwsh[0] @($script:Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $Command | Out-Null
    $sw.Stop()
    $sw.Elapsed.TotalMilliseconds
}

# 1. Import time: a bare pwsh against pwsh + Import-Module, interleaved so both see the same machine.
Write-Host '==> bench: import time' -ForegroundColor Cyan
# For reference, an empty manifest module: what Import-Module of any .psd1 costs before our code runs.
$emptyModule = Join-Path ([IO.Path]::GetTempPath()) 'metaflowaws-bench-empty/EmptyModule.psd1'
New-Item -ItemType Directory -Force (Split-Path $emptyModule) | Out-Null
Set-Content $emptyModule "@{ ModuleVersion = '1.0'; FunctionsToExport = @(); CmdletsToExport = @() }"
$bare = [Collections.Generic.List[double]]::new(); $import = [Collections.Generic.List[double]]::new(); $empty = [Collections.Generic.List[double]]::new()
Measure-Pwsh 'exit' | Out-Null # warm the disk cache for both
for ($i = 0; $i -lt $ImportRuns; $i++) {
    $bare.Add((Measure-Pwsh 'exit'))
    $import.Add((Measure-Pwsh "Import-Module '$psd1'; exit"))
    $empty.Add((Measure-Pwsh "Import-Module '$emptyModule'; exit"))
}
$bareMedian = Get-Percentile $bare 50; $importMedian = Get-Percentile $import 50; $emptyMedian = Get-Percentile $empty 50
$importRatio = $importMedian / $bareMedian

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
    $ours = [Collections.Generic.List[double]]::new(); $cli = [Collections.Generic.List[double]]::new(); $rates = [Collections.Generic.List[double]]::new()
    Write-Host "==> bench: completion latency, $BenchRounds rounds (stacks of the real template, $BenchResourceDelayMs ms per resource)" -ForegroundColor Cyan
    for ($i = 0; $i -lt $BenchRounds; $i++) {
        $cliName = "bench-cli-$i"; $ourName = "bench-ours-$i"
        $cliProcess = $null
        if ($haveCli) {
            & /usr/bin/aws --endpoint-url $sandbox.url cloudformation create-stack --stack-name $cliName --template-body "file://$Root/template/metaflow.yml" --capabilities CAPABILITY_NAMED_IAM | Out-Null
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

Write-Host "`nResults" -ForegroundColor Green
"import: bare pwsh median {0:0} ms, pwsh + Import-Module median {1:0} ms ({2} runs each): ratio {3:0.000} (target <= 1.10)" -f $bareMedian, $importMedian, $ImportRuns, $importRatio
"        for reference, Import-Module of an empty manifest module: median {0:0} ms, ratio {1:0.000}" -f $emptyMedian, ($emptyMedian / $bareMedian)
$oursP50 = Get-Percentile $ours 50; $oursP95 = Get-Percentile $ours 95
"completion latency, MetaflowAws ($($ours.Count) deploys): p50 {0:0.00} s, p95 {1:0.00} s (target p50 <= 0.5 s)" -f $oursP50, $oursP95
if ($cli.Count) {
    $cliP50 = Get-Percentile $cli 50; $cliP95 = Get-Percentile $cli 95
    "completion latency, awscli waiter ($($cli.Count) deploys, same run): p50 {0:0.00} s, p95 {1:0.00} s; MetaflowAws is {2:0.0}x faster at p50" -f $cliP50, $cliP95, ($cliP50 / [math]::Max($oursP50, 0.001))
} else { 'completion latency, awscli waiter: skipped (/usr/bin/aws not installed: apt-get install awscli)' }
"API calls per second while waiting: median {0:0.00}/s, max {1:0.00}/s (target <= 1.2)" -f (Get-Percentile $rates 50), (($rates | Measure-Object -Maximum).Maximum)
"event pages per poll on a stack with $total events: $pages (target 1)"
