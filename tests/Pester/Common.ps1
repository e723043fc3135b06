# Shared by every Pester file: the built module, the sandbox it talks to, and helpers to read
# the sandbox's request log and inject faults. Dot-source it in BeforeAll.
$ErrorActionPreference = 'Stop'
if (-not $env:METAFLOWAWS_SANDBOX_URL) { throw 'METAFLOWAWS_SANDBOX_URL is not set: run the tests through ./build.ps1 Test.' }

$script:SandboxUrl = $env:METAFLOWAWS_SANDBOX_URL
$script:RepoRoot = $env:METAFLOWAWS_ROOT
$env:AWS_ACCESS_KEY_ID = 'AKIAMETAFLOWSANDBOX1'
$env:AWS_SECRET_ACCESS_KEY = 'sandbox/secret/for-metaflowaws-tests/0001'
$env:AWS_REGION = 'us-east-1'
$env:AWS_ENDPOINT_URL = $script:SandboxUrl
$env:AWS_EC2_METADATA_DISABLED = 'true'
Remove-Item Env:AWS_PROFILE, Env:AWS_DEFAULT_REGION, Env:AWS_SESSION_TOKEN -ErrorAction SilentlyContinue
# Keep the user's real files out of reach. One folder per test process: the AWS SDK reads
# AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE once per process, as AWS.Tools does.
$script:TestHome = Join-Path ([IO.Path]::GetTempPath()) "mfaws-test-$PID"
New-Item -ItemType Directory -Force $script:TestHome | Out-Null
$env:AWS_CONFIG_FILE = Join-Path $script:TestHome 'aws-config'
$env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $script:TestHome 'aws-credentials'
# Written before the SDK first reads them: it caches what it read for the life of the process.
if (-not (Test-Path $env:AWS_CONFIG_FILE)) {
    # 'assumer' assumes the user role of the stack 'refreshrole' (Faults.Tests.ps1 creates it).
    Set-Content $env:AWS_CONFIG_FILE ("[profile known]`nregion = us-east-1`n`n[profile assumer]`nregion = us-east-1`n" +
        "role_arn = arn:aws:iam::123456789012:role/refreshrole-MetaflowUserRole`nsource_profile = known`n")
    Set-Content $env:AWS_SHARED_CREDENTIALS_FILE "[known]`naws_access_key_id = AKIAMETAFLOWSANDBOX1`naws_secret_access_key = sandbox/secret/for-metaflowaws-tests/0001`n"
}

Import-Module $env:METAFLOWAWS_MODULE -Force

function New-TestStackName([string] $Prefix = 't') {
    "$Prefix-" + [guid]::NewGuid().ToString('N').Substring(0, 10)
}

function Get-SandboxLog { Invoke-RestMethod "$script:SandboxUrl/_sandbox/requests" }

function Clear-SandboxLog { Invoke-RestMethod -Method Delete "$script:SandboxUrl/_sandbox/requests" | Out-Null }

function Get-SandboxCalls([string] $Action) {
    $log = Get-SandboxLog
    @($log.entries | Where-Object { -not $Action -or "$($_.service):$($_.action)" -eq $Action })
}

function Add-SandboxFault([string] $LogicalId, [string] $Reason, [string] $StackName, [string] $Operation = 'Create') {
    $body = @{ logicalId = $LogicalId; operation = $Operation; reason = $Reason }
    if ($StackName) { $body.stackName = $StackName }
    Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/faults/resource" -Body ($body | ConvertTo-Json) -ContentType 'application/json' | Out-Null
}

function Clear-SandboxFaults { Invoke-RestMethod -Method Delete "$script:SandboxUrl/_sandbox/faults" | Out-Null }

function Set-SandboxTransientFaults([hashtable] $Settings) {
    Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/faults/transient" -Body ($Settings | ConvertTo-Json) -ContentType 'application/json'
}

function Get-SandboxTransientFaults { (Invoke-RestMethod "$script:SandboxUrl/_sandbox/faults/transient").injected }

# A fixed pace per resource, for tests that need time to act during an operation; Reset-SandboxPace goes back
# to the run's duration model (each type its typical time, scaled down).
function Set-SandboxPace([int] $ResourceDelayMs) {
    Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/config" -Body (@{ resourceDelayMs = $ResourceDelayMs } | ConvertTo-Json) -ContentType 'application/json' | Out-Null
}

# The duration model at another scale: 0.005 makes the real template's create take a few seconds.
function Set-SandboxTimeScale([double] $Scale) {
    Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/config" -Body (@{ timeScale = $Scale } | ConvertTo-Json) -ContentType 'application/json' | Out-Null
}

# The day the sandbox's services judge dated rules by (a retired runtime, notebook platform, database minor): a stack
# of an older template is made as it was when that template was current. $null is today.
function Set-SandboxToday([string] $Date) {
    $body = if ($Date) { @{ today = $Date } } else { @{ today = $null } }
    Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/config" -Body ($body | ConvertTo-Json) -ContentType 'application/json' | Out-Null
}

# A stack made with another tool than the module (no MetaflowAws tag): another team's, or one of a Metaflow template made
# before the module refused what it refuses now. Waits until it settles.
function New-ForeignStack([string] $StackName, [string] $TemplateBody, [hashtable] $Parameters = @{}) {
    Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/cloudformation/foreign-stack" -ContentType 'application/json' `
        -Body (@{ stackName = $StackName; templateBody = $TemplateBody; parameters = $Parameters } | ConvertTo-Json) | Out-Null
    Wait-MetaflowStack -StackName $StackName
}

function Reset-SandboxPace {
    Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/config" -Body (@{ resetPace = $true } | ConvertTo-Json) -ContentType 'application/json' | Out-Null
}

# A child PowerShell (no profile) for what must run in a fresh session.
function Invoke-ChildPwsh([string] $Command) {
    $pwsh = $env:METAFLOWAWS_PWSH -split [char]0x1F
    $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $Command 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
}

$script:SmallTemplate = @'
Parameters:
  Env:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] }
  Table:
    Type: AWS::DynamoDB::Table
    Condition: IsProd
    DependsOn: Bucket
    Properties:
      KeySchema: [{ AttributeName: id, KeyType: HASH }]
      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
Outputs:
  BucketArn:
    Value: !GetAtt Bucket.Arn
  RoleArn:
    Value: !GetAtt Role.Arn
    Description: The role [METAFLOW_ECS_S3_ACCESS_IAM_ROLE]
  Where:
    Value: !Sub '${AWS::Region}/${Bucket}'
  TableName:
    Condition: IsProd
    Value: !Ref Table
'@
$script:SmallTemplatePath = Join-Path $script:TestHome 'small.yml'
Set-Content $script:SmallTemplatePath $script:SmallTemplate

# Calls a stack's API (its ServiceUrl output) as a client would, through the sandbox's execute-api route.
# Returns the status code and the body; never throws on a 4xx/5xx.
function Invoke-StackApi([object] $Stack, [string] $Path, [string] $ApiKey) {
    $url = [uri]($Stack.Outputs | Where-Object OutputKey -eq 'ServiceUrl').OutputValue
    $target = "$script:SandboxUrl/_execute-api/$($url.Host.Split('.')[0])$($url.AbsolutePath.TrimEnd('/'))/$Path"
    $headers = @{}
    if ($ApiKey) { $headers['x-api-key'] = $ApiKey }
    $r = Invoke-WebRequest $target -Headers $headers -SkipHttpErrorCheck
    [pscustomobject]@{ Status = [int]$r.StatusCode; Body = "$($r.Content)" }
}

# The stack's API key value, as Set-MetaflowApiKey fetches it (kept in memory only).
function Get-StackApiKey([string] $StackName) {
    $home_ = Join-Path $script:TestHome "key-$StackName-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
    $secure = Set-MetaflowApiKey -StackName $StackName -MetaflowHome $home_ -PassThru
    [Net.NetworkCredential]::new('', $secure).Password
}
