using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Tests;

/// <summary>
/// The local plan that -WhatIf and Get-MetaflowStackChange show, against the change set the sandbox's
/// CloudFormation makes for the same update (its own evaluation of the template): the same resources, the
/// same actions, the same replacements.
/// </summary>
public sealed class ChangePreviewDifferentialTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private static readonly SemaphoreSlim Once = new(1, 1);
    private static MetaflowStack? _stack;

    private async Task<MetaflowStack> StackAsync()
    {
        await Once.WaitAsync();
        try
        {
            if (_stack is not null) return _stack;
            var cfn = sandbox.CloudFormation();
            var body = File.ReadAllText(RepositoryFiles.TemplatePath);
            // Over the 51,200-byte TemplateBody limit: staged in S3, as New-MetaflowStack does.
            var staged = await MetaflowAws.Engine.Staging.TemplateStaging.Create(sandbox.Session()).StageAsync("preview", body, null, null, CancellationToken.None);
            await cfn.CreateStackAsync(new CreateStackRequest
            {
                StackName = "preview", TemplateURL = staged.TemplateUrl, Capabilities = DeploymentPlan.CapabilitiesFor(RepositoryFiles.Template()),
                Parameters = [new StackParameter("EnableSagemaker", "false")],
            });
            var service = StackService.Create(sandbox.Session());
            for (var i = 0; i < 600; i++)
            {
                var s = await service.GetAsync("preview", CancellationToken.None);
                if (s.Status == "CREATE_COMPLETE") return _stack = s;
                Assert.DoesNotContain("FAILED", s.Status, StringComparison.Ordinal);
                await Task.Delay(50);
            }
            throw new TimeoutException("the stack did not complete in 30 s");
        }
        finally { Once.Release(); }
    }

    public static TheoryData<string, string[]> Updates => new()
    {
        { "batch vCPUs", ["MaxVCPUBatch=256"] },
        { "a new VPC range", ["VPCCidr=10.30.0.0/16", "Subnet1Cidr=10.30.0.0/20", "Subnet2Cidr=10.30.16.0/20"] },
        { "the API key off", ["APIBasicAuth=false", "ApiAllowedCidrs=10.9.0.0/16"] },
        { "the user role on", ["CustomRole=true"] },
        { "a larger database", ["DBInstanceClass=db.t3.medium"] },
        { "a new service image", ["MetadataServiceImage=netflixoss/metaflow_metadata_service:v2.5.2"] },
        { "the notebook on", ["EnableSagemaker=true"] },
        { "Fargate batch", ["BatchType=fargate"] },
    };

    [Theory]
    [MemberData(nameof(Updates))]
    public async Task The_preview_and_CloudFormations_change_set_agree(string update, string[] parameters)
    {
        _ = update;
        var stack = await StackAsync();
        var service = StackService.Create(sandbox.Session());
        var plan = UpdatePlan.Create(new UpdateRequest
        {
            Current = stack,
            CurrentTemplateBody = await service.TemplateBodyAsync(stack.StackId, CancellationToken.None),
            Parameters = parameters.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]),
        });
        var preview = plan.Preview(RepositoryFiles.Specification);
        var changeSets = new ChangeSetService(service.CloudFormation, sandbox.Session());
        var real = await changeSets.CreateAsync(plan.ToChangeSetRequest(null), CancellationToken.None);
        if (real.HasChanges) await changeSets.DeleteAsync(real.ChangeSetId, stack.StackName, CancellationToken.None);

        static string Line(MetaflowStackChange c) => $"{c.Action} {c.LogicalResourceId} {c.ResourceType} {c.Replacement ?? "-"}";
        Assert.NotEmpty(preview.Changes);
        var cloudFormation = real.Changes.Select(Line).ToHashSet();
        var local = preview.Changes.Select(Line).ToHashSet();
        Assert.True(cloudFormation.SetEquals(local),
            $"change set only: {string.Join("; ", cloudFormation.Except(local))}\npreview only: {string.Join("; ", local.Except(cloudFormation))}");
    }
}
