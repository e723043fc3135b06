namespace MetaflowAws.Sandbox.CloudFormation;

/// <summary>
/// Resource types the sandbox models that CloudFormation does not offer in some regions, and those regions: its registry
/// has no schema for them there (CloudFormation's DescribeType per region; cfn-lint 1.51 ships the schemas, E3006), so a
/// template that would create one there is refused before anything is made ("Template format error: Unrecognized
/// resource types: [...]", the CloudFormation User Guide's template validation troubleshooting). The sandbox's own copy;
/// a unit test holds it to template/regions.yml, which the build holds to cfn-lint.
/// </summary>
public static class RegionalTypes
{
    private static readonly string[] China = ["cn-north-1", "cn-northwest-1"];

    private static readonly string[] NoNotebooks =
    [
        "ap-east-2", "ap-south-2", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2",
        "eu-south-2", "il-central-1", "me-central-1", "mx-central-1", "us-gov-east-1",
    ];

    private static readonly Dictionary<string, string[]> Absent = new(StringComparer.Ordinal)
    {
        ["AWS::Cognito::UserPool"] = China,
        ["AWS::Cognito::UserPoolClient"] = China,
        ["AWS::Cognito::UserPoolDomain"] = China,
        ["AWS::SageMaker::NotebookInstance"] = NoNotebooks,
        // ap-southeast-3 has notebook instances but not their lifecycle configurations.
        ["AWS::SageMaker::NotebookInstanceLifecycleConfig"] = [.. NoNotebooks, "ap-southeast-3"],
    };

    /// <summary>Every type with regions that lack it, and those regions.</summary>
    public static IReadOnlyDictionary<string, string[]> All => Absent;

    public static bool Offered(string type, string region) => !(Absent.TryGetValue(type, out var regions) && regions.Contains(region, StringComparer.Ordinal));
}
