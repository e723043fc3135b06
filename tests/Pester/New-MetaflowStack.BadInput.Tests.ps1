# Every bad input is refused before any request reaches AWS: the sandbox's request log stays empty.
BeforeDiscovery {
    $long = 'a' * 48
    $script:cases = @(
        @{ Case = 'stack name starting with a digit'; Params = @{ StackName = '1metaflow' }; Id = 'InvalidStackName'; Message = "*'1metaflow'*[a-zA-Z][-a-zA-Z0-9]*" }
        @{ Case = 'stack name with underscore'; Params = @{ StackName = 'meta_flow' }; Id = 'InvalidStackName'; Message = "*'meta_flow'*letters, digits and hyphens*" }
        @{ Case = 'stack name with a dot'; Params = @{ StackName = 'meta.flow' }; Id = 'InvalidStackName'; Message = "*'meta.flow'*" }
        @{ Case = 'stack name over the template maximum'; Params = @{ StackName = $long }; Id = 'InvalidStackName'; Message = '*48 characters long; at most 47*SageMaker*' }
        @{ Case = 'VPC CIDR not a CIDR'; Params = @{ VpcCidr = '10.0.0.0' }; Id = 'InvalidParameter'; Message = "*-VpcCidr (VPCCidr) '10.0.0.0'*IPv4 CIDR*" }
        @{ Case = 'VPC CIDR octet out of range'; Params = @{ VpcCidr = '10.300.0.0/16' }; Id = 'InvalidParameter'; Message = "*'10.300.0.0/16'*" }
        @{ Case = 'VPC CIDR prefix too large'; Params = @{ VpcCidr = '10.0.0.0/8' }; Id = 'InvalidParameter'; Message = '*/16 and /28*' }
        @{ Case = 'subnet outside the VPC'; Params = @{ VpcCidr = '10.20.0.0/16'; SubnetCidr = '10.21.0.0/20', '10.20.16.0/20' }; Id = 'InvalidParameter'; Message = "*'10.21.0.0/20' is not inside the VPC range 10.20.0.0/16*" }
        @{ Case = 'overlapping subnets'; Params = @{ SubnetCidr = '10.20.0.0/20', '10.20.8.0/21' }; Id = 'InvalidParameter'; Message = '*overlap*' }
        @{ Case = 'identical subnets'; Params = @{ SubnetCidr = '10.20.0.0/20', '10.20.0.0/20' }; Id = 'InvalidParameter'; Message = '*overlap*' }
        @{ Case = 'subnet CIDR with host bits'; Params = @{ SubnetCidr = '10.20.0.5/20', '10.20.16.0/20' }; Id = 'InvalidParameter'; Message = "*'10.20.0.5/20'*" }
        @{ Case = 'max vCPU above the template range'; Params = @{ MaxVCpu = 5000 }; Id = 'InvalidParameter'; Message = "*-MaxVCpu (MaxVCPUBatch) '5000'*at most 4096*" }
        @{ Case = 'max vCPU zero'; Params = @{ MaxVCpu = 0 }; Id = 'InvalidParameter'; Message = '*at least 1*' }
        @{ Case = 'min vCPU negative'; Params = @{ MinVCpu = -1 }; Id = 'InvalidParameter'; Message = "*-MinVCpu (MinVCPUBatch) '-1'*at least 0*" }
        @{ Case = 'min above max'; Params = @{ MinVCpu = 32; DesiredVCpu = 32; MaxVCpu = 16 }; Id = 'InvalidParameter'; Message = '*-MinVCpu 32 is greater than -MaxVCpu 16*' }
        @{ Case = 'desired above max'; Params = @{ DesiredVCpu = 100; MaxVCpu = 64 }; Id = 'InvalidParameter'; Message = '*-DesiredVCpu 100 is outside*' }
        @{ Case = 'desired below min'; Params = @{ MinVCpu = 8; DesiredVCpu = 4 }; Id = 'InvalidParameter'; Message = '*-DesiredVCpu 4 is outside -MinVCpu 8*' }
        @{ Case = 'unknown SageMaker instance type'; Params = @{ SagemakerInstanceType = 'ml.t2.medium' }; Id = 'InvalidParameter'; Message = "*'ml.t2.medium'*allowed values are ml.t3.medium*" }
        @{ Case = 'unknown database class'; Params = @{ DatabaseInstanceClass = 'db.x1.huge' }; Id = 'InvalidParameter'; Message = '*allowed values are db.t3.micro*' }
        @{ Case = 'log retention not allowed'; Params = @{ LogRetentionDays = 2 }; Id = 'InvalidParameter'; Message = "*-LogRetentionDays (LogRetentionDays) '2'*" }
        @{ Case = 'database version not PostgreSQL 15-18'; Params = @{ DatabaseEngineVersion = '9.6' }; Id = 'InvalidParameter'; Message = '*PostgreSQL major version 15-18*' }
        @{ Case = 'PostgreSQL 14, near its end of standard support'; Params = @{ DatabaseEngineVersion = '14' }; Id = 'InvalidParameter'; Message = "*'14'*15-18*" }
        @{ Case = 'a minor version RDS retired'; Params = @{ DatabaseEngineVersion = '16.3' }; Id = 'InvalidParameter'; Message = "*'16.3' is a PostgreSQL minor version RDS no longer offers*16.9*" }
        @{ Case = 'UpgradedFrom on a new stack'; Params = @{ Parameter = @{ UpgradedFrom = 'metaflow-tools' } }; Id = 'InvalidParameter'; Message = "*UpgradedFrom 'metaflow-tools'*Update-MetaflowStack -UseBundledTemplate*" }
        @{ Case = 'worker policy not an ARN'; Params = @{ AdditionalWorkerPolicyArn = 'my-policy' }; Id = 'InvalidParameter'; Message = '*ARN of an IAM managed policy*' }
        @{ Case = 'worker policy ARN in another partition'; Params = @{ AdditionalWorkerPolicyArn = 'arn:aws-cn:iam::123456789012:policy/x' }; Id = 'InvalidParameter'; Message = "*not in the IAM partition 'aws'*" }
        @{ Case = 'worker policy is a role ARN'; Params = @{ AdditionalWorkerPolicyArn = 'arn:aws:iam::123456789012:role/x' }; Id = 'InvalidParameter'; Message = '*AdditionalWorkerPolicyArn*' }
        @{ Case = 'instance type not an EC2 type'; Params = @{ InstanceType = 'c5.large', 'huge machine' }; Id = 'InvalidParameter'; Message = "*'huge machine' is not an EC2 instance type*" }
        @{ Case = 'unknown template parameter'; Params = @{ Parameter = @{ NoSuchThing = 'x' } }; Id = 'InvalidParameter'; Message = '*-Parameter NoSuchThing*not a parameter of the template*' }
        @{ Case = '-Parameter conflicting with a typed parameter'; Params = @{ MaxVCpu = 32; Parameter = @{ MaxVCPUBatch = '64' } }; Id = 'InvalidParameter'; Message = '*conflicts with -MaxVCpu*' }
        @{ Case = 'APIBasicAuth not true/false'; Params = @{ Parameter = @{ APIBasicAuth = 'yes' } }; Id = 'InvalidParameter'; Message = "*'yes'*allowed values are true, false*" }
        @{ Case = 'tag key reserved by AWS'; Params = @{ Tag = @{ 'aws:owner' = 'me' } }; Id = 'InvalidParameter'; Message = "*-Tag key 'aws:owner'*" }
        @{ Case = 'template path missing'; Params = @{ TemplatePath = '/nonexistent/template.yml' }; Id = 'TemplateNotFound'; Message = "*'/nonexistent/template.yml' does not exist*" }
        @{ Case = 'template not YAML'; Params = @{ TemplatePath = 'BROKEN' }; Id = 'TemplateInvalid'; Message = '*not a valid CloudFormation template*' }
        @{ Case = 'template without resources'; Params = @{ TemplatePath = 'NORESOURCES' }; Id = 'TemplateInvalid'; Message = '*Resources*' }
        @{ Case = 'region not a region name'; Params = @{ Region = 'mars-north' }; Id = 'InvalidRegion'; Message = "*'mars-north' is not an AWS region*" }
        @{ Case = 'endpoint not a URL'; Params = @{ EndpointUrl = 'localhost:4566' }; Id = 'InvalidEndpoint'; Message = "*'localhost:4566' is not an absolute http or https URL*" }
        @{ Case = 'access key without secret'; Params = @{ AccessKey = 'AKIAMETAFLOWSANDBOX1' }; Id = 'IncompleteCredentials'; Message = '*-AccessKey and -SecretKey must be given together*' }
    )
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:broken = Join-Path $script:TestHome 'broken.yml'
    Set-Content $script:broken "Resources: [unclosed"
    $script:noResources = Join-Path $script:TestHome 'noresources.yml'
    Set-Content $script:noResources "Parameters: {}`nOutputs: {}"
}

Describe 'New-MetaflowStack refuses bad input before calling AWS' {
    It 'refuses <Case>' -ForEach $script:cases {
        $p = @{ StackName = 'valid-name' }
        foreach ($k in $Params.Keys) { $p[$k] = $Params[$k] }
        if ($p.TemplatePath -eq 'BROKEN') { $p.TemplatePath = $script:broken }
        if ($p.TemplatePath -eq 'NORESOURCES') { $p.TemplatePath = $script:noResources }
        Clear-SandboxLog
        { New-MetaflowStack @p -ErrorAction Stop } | Should -Throw -ErrorId "$Id,MetaflowAws.Cmdlets.Commands.NewMetaflowStack" -ExpectedMessage $Message
        (Get-SandboxLog).total | Should -Be 0 -Because 'nothing may be sent for bad input'
    }
}
