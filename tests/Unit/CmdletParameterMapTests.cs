using MetaflowAws.Engine;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Tests;

/// <summary>The one table from the deploy cmdlets' typed parameters to the template's parameters.</summary>
public sealed class CmdletParameterMapTests
{
    [Fact]
    public void Every_parameter_of_the_bundled_template_has_exactly_one_typed_cmdlet_parameter_except_the_compatibility_ones()
    {
        var template = TemplateDocument.Parse(File.ReadAllText(RepositoryFiles.TemplatePath)).Section("Parameters").Keys.ToList();
        var mapped = MetaflowParameters.Map.SelectMany(p => p.TemplateNames).ToList();
        Assert.Equal(mapped.Count, mapped.Distinct().Count());
        Assert.Equal(template.Except(MetaflowParameters.ParameterOnly).Order(StringComparer.Ordinal), mapped.Order(StringComparer.Ordinal));
        Assert.Equal(MetaflowParameters.Map.Count, MetaflowParameters.Map.Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void Typed_values_are_written_as_the_template_takes_them()
    {
        var values = MetaflowParameters.ToTemplateValues(new Dictionary<string, object?>
        {
            ["batchtype"] = "fargate",                      // PowerShell names are case-insensitive
            ["InstanceType"] = new[] { "c5.large", "m5" },
            ["MaxVCpu"] = 64,
            ["DisableApiKey"] = true,
            ["NoSagemaker"] = false,                        // -NoSagemaker:$false keeps the notebook
            ["EnableCustomRole"] = true,
            ["SubnetCidr"] = new[] { "10.1.0.0/24", "10.1.1.0/24" },
        }, new Dictionary<string, string>());

        Assert.Equal(new Dictionary<string, string>
        {
            ["BatchType"] = "fargate",
            ["ComputeEnvInstanceTypes"] = "c5.large,m5",
            ["MaxVCPUBatch"] = "64",
            ["APIBasicAuth"] = "false",
            ["EnableSagemaker"] = "true",
            ["CustomRole"] = "true",
            ["Subnet1Cidr"] = "10.1.0.0/24",
            ["Subnet2Cidr"] = "10.1.1.0/24",
        }, values);
    }

    [Fact]
    public void Parameter_by_template_name_merges_and_a_conflict_names_both_ways_of_giving_it()
    {
        var merged = MetaflowParameters.ToTemplateValues(new Dictionary<string, object?> { ["MaxVCpu"] = 8 },
            new Dictionary<string, string> { ["MaxVCPUBatch"] = "8", ["Extra"] = "x" });
        Assert.Equal("8", merged["MaxVCPUBatch"]);
        Assert.Equal("x", merged["Extra"]);

        var ex = Assert.Throws<MetaflowException>(() => MetaflowParameters.ToTemplateValues(new Dictionary<string, object?> { ["MaxVCpu"] = 8 },
            new Dictionary<string, string> { ["MaxVCPUBatch"] = "16" }));
        Assert.Equal(ErrorIds.InvalidParameter, ex.ErrorId);
        Assert.Contains("-Parameter MaxVCPUBatch='16' conflicts with -MaxVCpu (MaxVCPUBatch) '8'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_messages_name_the_typed_parameter_from_the_same_table()
    {
        Assert.Equal("-SubnetCidr (Subnet2Cidr)", MetaflowParameters.Display("Subnet2Cidr"));
        Assert.Equal("-DisableApiKey (APIBasicAuth)", MetaflowParameters.Display("APIBasicAuth"));
        Assert.Equal("-Parameter Unknown", MetaflowParameters.Display("Unknown"));
    }
}
