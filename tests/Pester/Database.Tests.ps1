# The metadata database, really exercised: the sandbox's RDS is a real PostgreSQL server configured as RDS
# configures the chosen major version (rds.force_ssl=1 from 15 on), and each test connects to it exactly as
# the metadata container would, from the deployed task definition's environment and secrets.
# The 0.1.0 template (tests/Fixtures) fails the template checks New-MetaflowStack runs: -Force deploys it anyway.
BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:Postgres = Invoke-RestMethod "$script:SandboxUrl/_sandbox/postgres"
    $script:Psql = if ($env:METAFLOWAWS_POSTGRES_BIN -and (Test-Path "$env:METAFLOWAWS_POSTGRES_BIN/psql")) { "$env:METAFLOWAWS_POSTGRES_BIN/psql" }
        else { (Get-Command psql -ErrorAction SilentlyContinue).Source }
    $script:OldTemplate = Join-Path $script:RepoRoot 'tests/Fixtures/metaflow-0.1.0.yml'

    # What ECS hands the metadata-service container: its task definition's Environment, plus its Secrets, each
    # ValueFrom 'secret-arn:json-key:version-stage:version-id' fetched from Secrets Manager (Amazon ECS
    # Developer Guide, "Pass Secrets Manager secrets through Amazon ECS environment variables").
    function Get-MetadataContainerEnvironment([string] $StackName) {
        $task = Invoke-RestMethod "$script:SandboxUrl/_sandbox/stacks/$StackName/resources/MetadataTaskDefinition"
        $container = $task.properties.ContainerDefinitions | Where-Object Name -EQ 'metadata-service'
        $environment = @{}
        foreach ($e in $container.Environment) { $environment[$e.Name] = [string]$e.Value }
        foreach ($s in $container.Secrets) {
            $parts = $s.ValueFrom -split ':'
            $arn = $parts[0..6] -join ':'
            $key = if ($parts.Count -gt 7) { $parts[7] } else { '' }
            $secret = Invoke-RestMethod "$script:SandboxUrl/_sandbox/secrets?id=$([uri]::EscapeDataString($arn))"
            $environment[$s.Name] = if ($key) { ($secret.secretString | ConvertFrom-Json).$key } else { $secret.secretString }
        }
        $environment
    }

    # metaflow-service v2.5.1 (services/utils/__init__.py and services/migration_service/run_goose.py, which
    # runs the migrations): TLS is asked for only when MF_METADATA_DB_SSL_MODE is one of these libpq modes;
    # otherwise, set to anything else or not at all, the goose connection says sslmode=disable.
    function Get-MetaflowServiceSslMode([hashtable] $Environment) {
        $mode = $Environment['MF_METADATA_DB_SSL_MODE']
        if ($mode -in 'allow', 'prefer', 'require', 'verify-ca', 'verify-full') { $mode } else { 'disable' }
    }

    # psql with libpq's own environment variables, set from the container's MF_METADATA_DB_* as metaflow-service maps them.
    function Invoke-MetadataDbQuery([hashtable] $Environment, [string] $Sql, [string] $Password = $Environment['MF_METADATA_DB_PSWD']) {
        $pg = @{
            PGHOST = $Environment['MF_METADATA_DB_HOST']; PGPORT = $Environment['MF_METADATA_DB_PORT']
            PGUSER = $Environment['MF_METADATA_DB_USER']; PGPASSWORD = $Password; PGDATABASE = $Environment['MF_METADATA_DB_NAME']
            PGSSLMODE = Get-MetaflowServiceSslMode $Environment; PGCONNECT_TIMEOUT = '10'; PGPASSFILE = '/dev/null'
        }
        $saved = @{}
        foreach ($k in $pg.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $pg[$k]) }
        try {
            $output = & $script:Psql -X -A -t -v ON_ERROR_STOP=1 -c $Sql 2>&1 | Out-String
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output.Trim() }
        } finally {
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        }
    }

    # How long the sandbox's CloudFormation waits for an ECS service whose tasks never run; $null: its default.
    function Set-SandboxServiceStabilization($Milliseconds) {
        Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/config" -Body (@{ serviceStabilizationMs = $Milliseconds } | ConvertTo-Json) -ContentType 'application/json' | Out-Null
    }

    $script:WhoAndTls = "select current_user || ',' || current_database() || ',' || ssl from pg_stat_ssl where pid = pg_backend_pid()"
}

Describe 'The metadata database on the sandbox: a real PostgreSQL that enforces TLS as RDS does' {
    It 'runs: the sandbox backs RDS with PostgreSQL and psql is here (a run without them fails, it does not skip)' {
        $script:Postgres.backed | Should -BeTrue -Because 'build.ps1 Test starts PostgreSQL and passes it to the sandbox (--postgres)'
        $script:Psql | Should -Not -BeNullOrEmpty -Because 'PostgreSQL''s client comes with the server package'
    }

    It 'the bundled template''s metadata container connects over TLS to PostgreSQL 16, with the password its stack generated' {
        # CREATE_COMPLETE already says the sandbox's metadata-service task connected (else its service would not stabilize).
        $name = New-TestStackName 'db'
        try {
            (New-MetaflowStack -StackName $name -NoSagemaker).Status | Should -Be 'CREATE_COMPLETE'
            $environment = Get-MetadataContainerEnvironment $name
            $environment['MF_METADATA_DB_HOST'] | Should -Be $script:Postgres.host
            $environment['MF_METADATA_DB_PORT'] | Should -Be "$($script:Postgres.port)"
            $environment['MF_METADATA_DB_PSWD'] | Should -Match '^[A-Za-z0-9]{32}$' -Because 'GenerateSecretString: PasswordLength 32, ExcludePunctuation'
            Get-MetaflowServiceSslMode $environment | Should -Be 'require'

            $r = Invoke-MetadataDbQuery $environment $script:WhoAndTls
            $r.Output | Should -Be 'metaflow,metaflow,true'
            $r.ExitCode | Should -Be 0

            $wrong = Invoke-MetadataDbQuery $environment 'select 1' -Password 'not-the-generated-one'
            $wrong.ExitCode | Should -Not -Be 0
            $wrong.Output | Should -BeLike '*password authentication failed for user "metaflow"*'
        } finally { Remove-MetaflowStack $name -Confirm:$false }
    }

    It 'with sslmode=<Mode> the metadata container connects over TLS to PostgreSQL 16 (libpq tries TLS too), so Test-MetaflowTemplate warns and does not refuse' -ForEach @(
        @{ Mode = 'prefer' }, @{ Mode = 'allow' }) {
        $copy = Join-Path $script:TestHome "metaflow-sslmode-$Mode.yml"
        $text = (Get-Content (Join-Path $script:RepoRoot 'template/metaflow.yml') -Raw).Replace('{ Name: MF_METADATA_DB_SSL_MODE, Value: require }', "{ Name: MF_METADATA_DB_SSL_MODE, Value: $Mode }")
        $text | Should -Match "MF_METADATA_DB_SSL_MODE, Value: $Mode"
        Set-Content $copy $text -NoNewline
        $finding = Test-MetaflowTemplate $copy | Where-Object Rule -EQ 'DatabaseTlsConfigured' | Select-Object -First 1
        $finding.Severity | Should -Be 'Warning'
        $finding.Message | Should -BeLike "Weakens security, the deploy works*sslmode=$Mode*downgrade*"
        $name = New-TestStackName 'db'
        try {
            # No -Force: a warning never blocks the deploy.
            (New-MetaflowStack -StackName $name -TemplatePath $copy -NoSagemaker -WarningAction SilentlyContinue).Status | Should -Be 'CREATE_COMPLETE'
            $environment = Get-MetadataContainerEnvironment $name
            Get-MetaflowServiceSslMode $environment | Should -Be $Mode
            (Invoke-MetadataDbQuery $environment $script:WhoAndTls).Output | Should -Be 'metaflow,metaflow,true'
        } finally { Remove-MetaflowStack $name -Confirm:$false }
    }

    It 'the 0.1.0 template''s metadata container is refused by PostgreSQL 16 (no MF_METADATA_DB_SSL_MODE: no TLS), so its service never stabilizes' {
        $name = New-TestStackName 'db'
        try {
            New-MetaflowStack -StackName $name -TemplatePath $script:OldTemplate -Force -WarningAction SilentlyContinue -NoSagemaker -NoWait | Out-Null
            # No circuit breaker in 0.1.0: ECS restarts the failing task and CloudFormation keeps waiting (hours on AWS).
            { Wait-MetaflowStack -StackName $name -TimeoutSec 5 -ErrorAction Stop } | Should -Throw -ErrorId 'WaitTimedOut,*'
            (Get-MetaflowStack $name).Status | Should -Be 'CREATE_IN_PROGRESS'
            (Get-MetaflowStackEvent $name | Where-Object LogicalResourceId -EQ 'MetadataService' | Select-Object -First 1).ResourceStatus | Should -Be 'CREATE_IN_PROGRESS'

            $environment = Get-MetadataContainerEnvironment $name
            $environment.ContainsKey('MF_METADATA_DB_SSL_MODE') | Should -BeFalse
            Get-MetaflowServiceSslMode $environment | Should -Be 'disable'
            $r = Invoke-MetadataDbQuery $environment 'select 1'
            $r.ExitCode | Should -Not -Be 0
            $r.Output | Should -BeLike '*no pg_hba.conf entry for host "127.0.0.1", user "metaflow", database "metaflow", no encryption*'
        } finally {
            # End CloudFormation's wait now rather than in hours: the service fails as not stabilized and the stack rolls back.
            Set-SandboxServiceStabilization 0
            try {
                { Wait-MetaflowStack -StackName $name -ErrorAction Stop } | Should -Throw -ErrorId 'StackRolledBack,*' -ExpectedMessage '*MetadataService*Exceeded attempts to wait*NotStabilized*'
            } finally {
                Set-SandboxServiceStabilization $null
                Remove-MetaflowStack $name -Confirm:$false
            }
        }
    }

    It 'the 0.1.0 template with a deployment circuit breaker rolls back, the task''s PostgreSQL error in the reason' {
        $name = New-TestStackName 'db'
        $withBreaker = Join-Path $script:TestHome 'metaflow-0.1.0-breaker.yml'
        $text = (Get-Content $script:OldTemplate -Raw).Replace("      HealthCheckGracePeriodSeconds: 120`n",
            "      HealthCheckGracePeriodSeconds: 120`n      DeploymentConfiguration:`n        DeploymentCircuitBreaker: { Enable: true, Rollback: true }`n")
        $text | Should -Match 'DeploymentCircuitBreaker'
        Set-Content $withBreaker $text -NoNewline
        try {
            { New-MetaflowStack -StackName $name -TemplatePath $withBreaker -Force -WarningAction SilentlyContinue -NoSagemaker -ErrorAction Stop } |
                Should -Throw -ErrorId 'StackRolledBack,*' -ExpectedMessage ("*MetadataService (AWS::ECS::Service) CREATE_FAILED: Resource handler returned message: " +
                    """Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'."" (task stopped: FATAL: no pg_hba.conf entry for host ""127.0.0.1"", user ""metaflow"", database ""metaflow"", no encryption)*")
        } finally { Remove-MetaflowStack $name -Confirm:$false }
    }

    It 'the 0.1.0 template''s metadata container connects without TLS to PostgreSQL 14, where RDS does not force it' {
        $name = New-TestStackName 'db'
        try {
            (New-MetaflowStack -StackName $name -TemplatePath $script:OldTemplate -Force -WarningAction SilentlyContinue -NoSagemaker -DatabaseEngineVersion 14).Status | Should -Be 'CREATE_COMPLETE'
            $environment = Get-MetadataContainerEnvironment $name
            $r = Invoke-MetadataDbQuery $environment $script:WhoAndTls
            $r.Output | Should -Be 'metaflow,metaflow,false'
            $r.ExitCode | Should -Be 0
        } finally { Remove-MetaflowStack $name -Confirm:$false }
    }
}
