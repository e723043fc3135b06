# Fidelity of the sandbox's S3: Debian's awscli (botocore's own signing, XML parsing and
# error handling) gets S3's answers from it, path-style.
BeforeDiscovery { $script:haveCli = Test-Path /usr/bin/aws }

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    function Invoke-S3Api {
        $out = & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 --output json s3api @args 2>&1
        if ($LASTEXITCODE) { throw "aws s3api $args failed: $out" }
        if ($out) { ($out | Out-String) | ConvertFrom-Json }
    }
    # The CLI's error text for a failing call (it exits non-zero and names the code).
    function Get-S3ApiError {
        $out = & /usr/bin/aws --endpoint-url $script:SandboxUrl --region us-east-1 s3api @args 2>&1 | Out-String
        if (-not $LASTEXITCODE) { throw "aws s3api $args succeeded; an error was expected." }
        $out
    }
}

Describe 'awscli s3api against the sandbox' -Skip:(-not $script:haveCli) {
    BeforeAll {
        $script:bucket = 'cli-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
        $script:file = Join-Path $script:TestHome 'cli-object.txt'
        Set-Content $script:file ('line of text ' * 500) -NoNewline
        Invoke-S3Api create-bucket --bucket $script:bucket | Out-Null
    }

    It 'create-bucket, head-bucket, get-bucket-location; a second owner create-bucket in us-east-1 is 200' {
        Invoke-S3Api head-bucket --bucket $script:bucket | Out-Null
        (Invoke-S3Api get-bucket-location --bucket $script:bucket).LocationConstraint | Should -BeNullOrEmpty
        Invoke-S3Api create-bucket --bucket $script:bucket | Out-Null
        (Invoke-S3Api list-buckets).Buckets.Name | Should -Contain $script:bucket
    }

    It 'put-object / head-object / get-object round-trip the bytes with an MD5 ETag' {
        $put = Invoke-S3Api put-object --bucket $script:bucket --key 'docs/a file.txt' --body $script:file --content-type text/plain
        $md5 = (Get-FileHash $script:file -Algorithm MD5).Hash.ToLowerInvariant()
        $put.ETag | Should -Be "`"$md5`""
        $head = Invoke-S3Api head-object --bucket $script:bucket --key 'docs/a file.txt'
        $head.ContentLength | Should -Be (Get-Item $script:file).Length
        $head.ContentType | Should -Be 'text/plain'
        $target = Join-Path $script:TestHome 'cli-download.txt'
        Invoke-S3Api get-object --bucket $script:bucket --key 'docs/a file.txt' $target | Out-Null
        (Get-FileHash $target -Algorithm MD5).Hash | Should -Be (Get-FileHash $script:file -Algorithm MD5).Hash
    }

    It 'list-objects-v2 pages with a delimiter and URL-encoded keys' {
        Invoke-S3Api put-object --bucket $script:bucket --key 'top.txt' --body $script:file | Out-Null
        Invoke-S3Api put-object --bucket $script:bucket --key 'docs/b.txt' --body $script:file | Out-Null
        $l = Invoke-S3Api list-objects-v2 --bucket $script:bucket --delimiter /
        $l.Contents.Key | Should -Be @('top.txt')
        $l.CommonPrefixes.Prefix | Should -Be @('docs/')
        $all = Invoke-S3Api list-objects-v2 --bucket $script:bucket --page-size 1
        $all.Contents.Key | Should -Be @('docs/a file.txt', 'docs/b.txt', 'top.txt')
    }

    It 'gives S3''s error codes: NoSuchKey, NoSuchBucket, BucketAlreadyExists, 404 on head-bucket' {
        Get-S3ApiError get-object --bucket $script:bucket --key nope (Join-Path $script:TestHome 'x') | Should -Match 'NoSuchKey'
        Get-S3ApiError list-objects-v2 --bucket 'no-such-bucket-cli' | Should -Match 'NoSuchBucket'
        Get-S3ApiError head-bucket --bucket 'no-such-bucket-cli' | Should -Match '404'
        $foreign = 'cli-foreign-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Invoke-RestMethod -Method Post "$script:SandboxUrl/_sandbox/s3/foreign-bucket" -Body (@{ name = $foreign } | ConvertTo-Json) -ContentType 'application/json' | Out-Null
        Get-S3ApiError create-bucket --bucket $foreign | Should -Match 'BucketAlreadyExists'
    }

    It 'refuses --expected-bucket-owner that is not the owner (403 AccessDenied)' {
        Get-S3ApiError put-object --bucket $script:bucket --key x --body $script:file --expected-bucket-owner 999999999999 | Should -Match 'AccessDenied'
        Get-S3ApiError head-bucket --bucket $script:bucket --expected-bucket-owner 999999999999 | Should -Match '403'
        Invoke-S3Api head-bucket --bucket $script:bucket --expected-bucket-owner 123456789012 | Out-Null
    }

    It 'bucket configuration: encryption, public access block, lifecycle, ownership controls' {
        Invoke-S3Api put-bucket-encryption --bucket $script:bucket --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}' | Out-Null
        (Invoke-S3Api get-bucket-encryption --bucket $script:bucket).ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm | Should -Be 'AES256'
        Invoke-S3Api put-public-access-block --bucket $script:bucket --public-access-block-configuration 'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=true' | Out-Null
        (Invoke-S3Api get-public-access-block --bucket $script:bucket).PublicAccessBlockConfiguration.BlockPublicPolicy | Should -BeFalse
        Get-S3ApiError get-bucket-lifecycle-configuration --bucket $script:bucket | Should -Match 'NoSuchLifecycleConfiguration'
        Invoke-S3Api put-bucket-lifecycle-configuration --bucket $script:bucket --lifecycle-configuration '{"Rules":[{"ID":"tmp","Status":"Enabled","Filter":{"Prefix":"tmp/"},"Expiration":{"Days":2}}]}' | Out-Null
        $rule = (Invoke-S3Api get-bucket-lifecycle-configuration --bucket $script:bucket).Rules[0]
        $rule.ID | Should -Be 'tmp'
        $rule.Expiration.Days | Should -Be 2
        (Invoke-S3Api get-bucket-ownership-controls --bucket $script:bucket).OwnershipControls.Rules[0].ObjectOwnership | Should -Be 'BucketOwnerEnforced'
    }

    It 'versions: delete markers, list-object-versions, delete-objects by version, then delete-bucket' {
        Invoke-S3Api put-bucket-versioning --bucket $script:bucket --versioning-configuration Status=Enabled | Out-Null
        (Invoke-S3Api get-bucket-versioning --bucket $script:bucket).Status | Should -Be 'Enabled'
        $v2 = Invoke-S3Api put-object --bucket $script:bucket --key top.txt --body $script:file
        $v2.VersionId | Should -Not -BeNullOrEmpty
        $del = Invoke-S3Api delete-object --bucket $script:bucket --key top.txt
        $del.DeleteMarker | Should -BeTrue
        Get-S3ApiError delete-bucket --bucket $script:bucket | Should -Match 'BucketNotEmpty'

        $versions = Invoke-S3Api list-object-versions --bucket $script:bucket
        ($versions.DeleteMarkers | Where-Object Key -eq top.txt).IsLatest | Should -BeTrue
        ($versions.Versions | Where-Object Key -eq top.txt).VersionId | Should -Contain $v2.VersionId
        $objects = @($versions.Versions) + @($versions.DeleteMarkers) | ForEach-Object { @{ Key = $_.Key; VersionId = $_.VersionId } }
        $spec = Join-Path $script:TestHome 'cli-delete.json'
        @{ Objects = $objects; Quiet = $true } | ConvertTo-Json -Depth 4 | Set-Content $spec
        $result = Invoke-S3Api delete-objects --bucket $script:bucket --delete "file://$spec"
        $result.Errors | Should -BeNullOrEmpty
        (Invoke-S3Api list-object-versions --bucket $script:bucket).Versions | Should -BeNullOrEmpty
        Invoke-S3Api delete-bucket --bucket $script:bucket | Out-Null
        Get-S3ApiError head-bucket --bucket $script:bucket | Should -Match '404'
    }
}
