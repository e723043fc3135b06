namespace MetaflowAws.Sandbox.CloudFormation;

/// <summary>
/// The attributes Fn::GetAtt may name, per resource type the sandbox models: what CloudFormation's registry schemas
/// give each type (its readOnlyProperties and the properties its return values list; the CloudFormation User Guide's
/// "Return values" section of each type), as cfn-lint 1.51 ships them for us-east-1. The sandbox's own table, kept
/// apart from the engine's resource specification (the npm package @aws-cdk/aws-service-spec): where the two differ,
/// CloudFormation decides, and it refuses an attribute its schema does not have (a ValidationError "Template error:
/// resource X does not support attribute type Y in Fn::GetAtt"). The aws-service-spec, for one, lists
/// AWS::SageMaker::NotebookInstance NotebookInstanceArn, which CloudFormation's schema does not have (issue 22).
/// </summary>
public static class ResourceAttributes
{
    private static readonly Dictionary<string, string[]> ByType = new(StringComparer.Ordinal)
    {
        ["AWS::ApiGateway::ApiKey"] = ["APIKeyId"],
        ["AWS::ApiGateway::Deployment"] = ["DeploymentId"],
        ["AWS::ApiGateway::Resource"] = ["ResourceId"],
        ["AWS::ApiGateway::RestApi"] = ["RestApiId", "RootResourceId"],
        ["AWS::ApiGateway::Stage"] = [],
        ["AWS::ApiGateway::UsagePlan"] = ["Id"],
        ["AWS::ApiGateway::UsagePlanKey"] = ["Id"],
        ["AWS::ApiGateway::VpcLink"] = ["VpcLinkId"],
        ["AWS::Batch::ComputeEnvironment"] = ["ComputeEnvironmentArn"],
        ["AWS::Batch::JobDefinition"] = ["JobDefinitionArn"],
        ["AWS::Batch::JobQueue"] = ["JobQueueArn"],
        ["AWS::Cognito::UserPool"] = ["Arn", "ProviderName", "ProviderURL", "UserPoolId"],
        ["AWS::Cognito::UserPoolClient"] = ["ClientId", "ClientSecret", "Name"],
        ["AWS::Cognito::UserPoolDomain"] = ["CloudFrontDistribution"],
        ["AWS::DynamoDB::Table"] = ["Arn", "StreamArn"],
        ["AWS::EC2::EIP"] = ["AllocationId", "PublicIp"],
        ["AWS::EC2::InternetGateway"] = ["InternetGatewayId"],
        ["AWS::EC2::LaunchTemplate"] = ["DefaultVersionNumber", "LatestVersionNumber", "LaunchTemplateId"],
        ["AWS::EC2::NatGateway"] = ["AutoProvisionZones", "AutoScalingIps", "EniId", "NatGatewayId", "RouteTableId"],
        ["AWS::EC2::RouteTable"] = ["RouteTableId"],
        ["AWS::EC2::SecurityGroup"] = ["GroupDescription", "GroupId", "GroupName", "Id", "SecurityGroupEgress", "SecurityGroupIngress", "Tags", "VpcId"],
        ["AWS::EC2::SecurityGroupEgress"] = ["Id"],
        ["AWS::EC2::SecurityGroupIngress"] = ["Id"],
        ["AWS::EC2::Subnet"] = ["AssignIpv6AddressOnCreation", "AvailabilityZone", "AvailabilityZoneId", "BlockPublicAccessStates.InternetGatewayBlockMode", "CidrBlock", "EnableDns64", "EnableLniAtDeviceIndex", "Ipv4IpamPoolId", "Ipv4NetmaskLength", "Ipv6CidrBlock", "Ipv6CidrBlocks", "Ipv6IpamPoolId", "Ipv6Native", "Ipv6NetmaskLength", "MapPublicIpOnLaunch", "NetworkAclAssociationId", "OutpostArn", "PrivateDnsNameOptionsOnLaunch.EnableResourceNameDnsAAAARecord", "PrivateDnsNameOptionsOnLaunch.EnableResourceNameDnsARecord", "PrivateDnsNameOptionsOnLaunch.HostnameType", "SubnetId", "Tags", "VpcId"],
        ["AWS::EC2::SubnetRouteTableAssociation"] = ["Id"],
        ["AWS::EC2::VPC"] = ["CidrBlock", "CidrBlockAssociations", "DefaultNetworkAcl", "DefaultSecurityGroup", "EnableDnsHostnames", "EnableDnsSupport", "InstanceTenancy", "Ipv4IpamPoolId", "Ipv4NetmaskLength", "Ipv6CidrBlocks", "Tags", "VpcId"],
        ["AWS::ECS::Cluster"] = ["Arn"],
        ["AWS::ECS::Service"] = ["Name", "ServiceArn"],
        ["AWS::ECS::TaskDefinition"] = ["TaskDefinitionArn"],
        ["AWS::ElasticLoadBalancingV2::Listener"] = ["ListenerArn"],
        ["AWS::ElasticLoadBalancingV2::ListenerRule"] = ["IsDefault", "RuleArn"],
        ["AWS::ElasticLoadBalancingV2::LoadBalancer"] = ["CanonicalHostedZoneID", "DNSName", "EnableCapacityReservationProvisionStabilize", "EnablePrefixForIpv6SourceNat", "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", "IpAddressType", "Ipv4IpamPoolId", "LoadBalancerArn", "LoadBalancerAttributes", "LoadBalancerFullName", "LoadBalancerName", "Name", "Scheme", "SecurityGroups", "SubnetMappings", "Subnets", "Tags", "Type"],
        ["AWS::ElasticLoadBalancingV2::TargetGroup"] = ["LoadBalancerArns", "TargetGroupArn", "TargetGroupFullName", "TargetGroupName"],
        ["AWS::Events::Rule"] = ["Arn"],
        ["AWS::IAM::InstanceProfile"] = ["Arn"],
        ["AWS::IAM::ManagedPolicy"] = ["AttachmentCount", "CreateDate", "DefaultVersionId", "IsAttachable", "PermissionsBoundaryUsageCount", "PolicyArn", "PolicyId", "UpdateDate"],
        ["AWS::IAM::Role"] = ["Arn", "RoleId"],
        ["AWS::Lambda::Function"] = ["Arn", "SnapStartResponse", "SnapStartResponse.ApplyOn", "SnapStartResponse.OptimizationStatus"],
        ["AWS::Logs::LogGroup"] = ["Arn"],
        ["AWS::RDS::DBInstance"] = ["AdditionalStorageVolumes", "AllocatedStorage", "AllowMajorVersionUpgrade", "ApplyImmediately", "AssociatedRoles", "AutoMinorVersionUpgrade", "AutomaticBackupReplicationKmsKeyId", "AutomaticBackupReplicationRegion", "AutomaticBackupReplicationRetentionPeriod", "AutomaticRestartTime", "AvailabilityZone", "BackupRetentionPeriod", "BackupTarget", "CACertificateIdentifier", "CertificateDetails.CAIdentifier", "CertificateDetails.ValidTill", "CertificateRotationRestart", "CharacterSetName", "CopyTagsToSnapshot", "CustomIAMInstanceProfile", "DBClusterIdentifier", "DBClusterSnapshotIdentifier", "DBInstanceArn", "DBInstanceClass", "DBInstanceIdentifier", "DBInstanceStatus", "DBName", "DBParameterGroupName", "DBSecurityGroups", "DBSnapshotIdentifier", "DBSubnetGroupName", "DBSystemId", "DatabaseInsightsMode", "DbiResourceId", "DedicatedLogVolume", "DeleteAutomatedBackups", "DeletionProtection", "Domain", "DomainAuthSecretArn", "DomainDnsIps", "DomainFqdn", "DomainIAMRoleName", "DomainOu", "EnableCloudwatchLogsExports", "EnableIAMDatabaseAuthentication", "EnablePerformanceInsights", "Endpoint.Address", "Endpoint.HostedZoneId", "Endpoint.Port", "Engine", "EngineLifecycleSupport", "EngineVersion", "InstanceCreateTime", "Iops", "IsStorageConfigUpgradeAvailable", "KmsKeyId", "LatestRestorableTime", "LicenseModel", "ListenerEndpoint.Address", "ListenerEndpoint.HostedZoneId", "ListenerEndpoint.Port", "ManageMasterUserPassword", "MasterUserAuthenticationType", "MasterUserPassword", "MasterUserSecret.KmsKeyId", "MasterUserSecret.SecretArn", "MasterUsername", "MaxAllocatedStorage", "MonitoringInterval", "MonitoringRoleArn", "MultiAZ", "NcharCharacterSetName", "NetworkType", "OptionGroupName", "PercentProgress", "PerformanceInsightsKMSKeyId", "PerformanceInsightsRetentionPeriod", "Port", "PreferredBackupWindow", "PreferredMaintenanceWindow", "ProcessorFeatures", "PromotionTier", "PubliclyAccessible", "ReadReplicaDBClusterIdentifiers", "ReadReplicaDBInstanceIdentifiers", "ReplicaMode", "RestoreTime", "ResumeFullAutomationModeTime", "SecondaryAvailabilityZone", "SourceDBClusterIdentifier", "SourceDBInstanceAutomatedBackupsArn", "SourceDBInstanceIdentifier", "SourceDbiResourceId", "SourceRegion", "StatusInfos", "StorageEncrypted", "StorageThroughput", "StorageType", "Tags", "TdeCredentialArn", "TdeCredentialPassword", "Timezone", "UseDefaultProcessorFeatures", "UseLatestRestorableTime", "VPCSecurityGroups"],
        ["AWS::RDS::DBSubnetGroup"] = [],
        ["AWS::S3::Bucket"] = ["Arn", "DomainName", "DualStackDomainName", "MetadataConfiguration.Destination", "MetadataConfiguration.InventoryTableConfiguration.TableArn", "MetadataConfiguration.InventoryTableConfiguration.TableName", "MetadataConfiguration.JournalTableConfiguration.TableArn", "MetadataConfiguration.JournalTableConfiguration.TableName", "MetadataTableConfiguration.S3TablesDestination.TableArn", "MetadataTableConfiguration.S3TablesDestination.TableNamespace", "RegionalDomainName", "WebsiteURL"],
        ["AWS::SageMaker::NotebookInstance"] = ["Id", "NotebookInstanceName"],
        ["AWS::SageMaker::NotebookInstanceLifecycleConfig"] = ["Id", "NotebookInstanceLifecycleConfigName"],
        ["AWS::SecretsManager::Secret"] = ["Id"],
        ["AWS::StepFunctions::StateMachine"] = ["Arn", "Name", "StateMachineRevisionId"],
    };

    /// <summary>The attributes of a type, or null for a type the sandbox has no table for (then any name is taken).</summary>
    public static IReadOnlyCollection<string>? Of(string type) => ByType.GetValueOrDefault(type);

    /// <summary>Whether Fn::GetAtt may name this attribute of this type (true for a type without a table).</summary>
    public static bool Supports(string type, string attribute) => Of(type) is not { } names || names.Contains(attribute, StringComparer.Ordinal);
}
