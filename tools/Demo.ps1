# build.ps1 Demo: deploy the real template to the local sandbox, configure Metaflow in a temp
# folder, show the result. Dot-sourced by build.ps1 (uses its functions and variables).
Invoke-Package
$postgres = Start-Postgres
try { $sandbox = Start-Sandbox -ResourceDelayMs 60 -Postgres $postgres } catch { Stop-Postgres $postgres; throw }
$metaflowHome = Join-Path ([IO.Path]::GetTempPath()) ("metaflow-demo-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$saved = @{}
foreach ($k in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_ENDPOINT_URL', 'METAFLOW_HOME') { $saved[$k] = [Environment]::GetEnvironmentVariable($k) }
try {
    $env:AWS_ACCESS_KEY_ID = $sandbox.accessKeyId
    $env:AWS_SECRET_ACCESS_KEY = $sandbox.secretAccessKey
    $env:AWS_REGION = $sandbox.region
    $env:AWS_ENDPOINT_URL = $sandbox.url
    $env:METAFLOW_HOME = $metaflowHome
    Import-Module (Join-Path $ModuleDir 'MetaflowAws.psd1') -Force

    Write-Host "`nSandbox: $($sandbox.url) (a local stand-in for CloudFormation, S3, STS, IAM, API Gateway, ELB, ECS, Cognito, ACM and Route 53, its RDS a real PostgreSQL; signatures checked)" -ForegroundColor Cyan
    Write-Host "> New-MetaflowStack -StackName metaflow-demo -Verbose" -ForegroundColor Yellow
    $stack = New-MetaflowStack -StackName metaflow-demo
    $stack | Format-Table | Out-String -Width 160 | Out-Host

    if (Get-Command Export-MetaflowConfig -ErrorAction SilentlyContinue) {
        Write-Host "> `$stack | Export-MetaflowConfig -MetaflowHome $metaflowHome -PassThru" -ForegroundColor Yellow
        $stack | Export-MetaflowConfig -MetaflowHome $metaflowHome -PassThru | Out-Host
        if (Get-Command Set-MetaflowApiKey -ErrorAction SilentlyContinue) {
            Write-Host "> `$stack | Set-MetaflowApiKey -MetaflowHome $metaflowHome" -ForegroundColor Yellow
            $stack | Set-MetaflowApiKey -MetaflowHome $metaflowHome
        }
        Write-Host "> Get-MetaflowConfig -MetaflowHome $metaflowHome" -ForegroundColor Yellow
        Get-MetaflowConfig -MetaflowHome $metaflowHome | Out-Host
        Write-Host "> `$stack | Test-MetaflowStack -MetaflowHome $metaflowHome" -ForegroundColor Yellow
        $stack | Test-MetaflowStack -MetaflowHome $metaflowHome | Format-Table -AutoSize | Out-String -Width 160 | Out-Host
        Write-Host "Metaflow config written to $(Join-Path $metaflowHome 'config.json')" -ForegroundColor Green
    } else {
        Write-Host "> `$stack | Get-MetaflowStackOutput" -ForegroundColor Yellow
        $stack | Get-MetaflowStackOutput | Format-Table OutputKey, ConfigKey, OutputValue -AutoSize | Out-Host
        Write-Host "> Get-MetaflowStackOutput metaflow-demo -AsEnvironment  (what Metaflow's config will hold)" -ForegroundColor Yellow
        $settings = Get-MetaflowStackOutput metaflow-demo -AsEnvironment
        New-Item -ItemType Directory -Force $metaflowHome | Out-Null
        $settings | ConvertTo-Json | Set-Content (Join-Path $metaflowHome 'config.json') -Encoding utf8NoBOM
        $settings | Format-Table -AutoSize | Out-Host
        Write-Host "Metaflow settings written to $(Join-Path $metaflowHome 'config.json')" -ForegroundColor Green
    }

    # The Metaflow UI on the stack: the sandbox's ACM holds a certificate for the domain, its Route 53 the zone.
    $control = "$($sandbox.url)/_sandbox"
    $certificate = (Invoke-RestMethod -Method Post "$control/acm/certificates" -ContentType 'application/json' -Body '{"domainName":"metaflow.example.com"}').arn
    Invoke-RestMethod -Method Post "$control/route53/hosted-zones" -ContentType 'application/json' -Body '{"name":"example.com"}' | Out-Null
    Write-Host "> Update-MetaflowStack metaflow-demo -EnableUI -UiDomainName metaflow.example.com -CertificateArn $certificate -CreateDnsRecord" -ForegroundColor Yellow
    $stack = Update-MetaflowStack metaflow-demo -EnableUI -UiDomainName metaflow.example.com -CertificateArn $certificate -CreateDnsRecord -Confirm:$false
    $stack | Format-Table | Out-String -Width 160 | Out-Host
    Write-Host "> Add-MetaflowUiUser metaflow-demo -Email ada@example.com" -ForegroundColor Yellow
    Add-MetaflowUiUser metaflow-demo -Email ada@example.com -Confirm:$false | Format-Table | Out-String -Width 160 | Out-Host
    Write-Host "> Test-MetaflowStack metaflow-demo -SkipConfig | Where-Object Name -like 'Ui*'" -ForegroundColor Yellow
    Test-MetaflowStack metaflow-demo -SkipConfig | Where-Object Name -like 'Ui*' | Format-Table -AutoSize -Wrap | Out-String -Width 160 | Out-Host

    Write-Host "> Remove-MetaflowStack metaflow-demo -Confirm:`$false" -ForegroundColor Yellow
    Remove-MetaflowStack metaflow-demo -Confirm:$false
    Write-Host @"

What happened: the module validated the parameters, created the stack from template/metaflow.yml
($($stack.Outputs.Count) outputs), followed it to CREATE_COMPLETE with live progress, wrote Metaflow's
configuration from the outputs, turned the Metaflow UI on behind a Cognito login with its DNS record
and a first user, then removed the stack (the data bucket is retained by design).

The same against AWS (after build.ps1 Publish and Install-PSResource MetaflowAws -Repository MetaflowAwsLocal):
  New-MetaflowStack -StackName metaflow -Region us-east-1 -ProfileName <your-profile> |
      Export-MetaflowConfig
  Get-MetaflowStack metaflow -Region us-east-1 -ProfileName <your-profile> | Set-MetaflowApiKey
"@
} finally {
    foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    Stop-Sandbox $sandbox
    Stop-Postgres $postgres
}
